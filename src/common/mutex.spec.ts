import { describe, it } from 'node:test';
import { expect } from 'expect';
import { Mutex } from './mutex';

describe('Mutex', () => {
  it('runs critical sections one at a time, in arrival order', async () => {
    const mutex = new Mutex();
    const order: number[] = [];
    let inside = 0;
    await Promise.all(
      [0, 1, 2, 3].map((i) =>
        mutex.runExclusive(async () => {
          inside += 1;
          expect(inside).toBe(1);
          await new Promise((r) => setImmediate(r));
          order.push(i);
          inside -= 1;
        }),
      ),
    );
    expect(order).toEqual([0, 1, 2, 3]);
  });

  it('recovers after a section throws', async () => {
    const mutex = new Mutex();
    await expect(mutex.runExclusive(() => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(mutex.isLocked).toBe(false);
    await expect(mutex.runExclusive(() => 42)).resolves.toBe(42);
  });
});
