import { describe, it } from 'node:test';
import { expect } from 'expect';
import { JobAbortedError } from './errors/domain.exception';
import { FairSemaphore } from './fair-semaphore';

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('FairSemaphore', () => {
  it('grants up to its capacity at once and the rest in arrival order', async () => {
    const semaphore = new FairSemaphore(2);
    const granted: number[] = [];
    const releases = new Map<number, () => void>();
    for (const id of [0, 1, 2, 3]) {
      void semaphore.acquire().then((release) => {
        granted.push(id);
        releases.set(id, release);
      });
    }
    await tick();
    expect(granted).toEqual([0, 1]);
    expect(semaphore.queued).toBe(2);
    releases.get(1)?.();
    await tick();
    expect(granted).toEqual([0, 1, 2]);
    releases.get(0)?.();
    await tick();
    expect(granted).toEqual([0, 1, 2, 3]);
    expect(semaphore.inUse).toBe(2);
  });

  it('ignores a second release of the same permit', async () => {
    const semaphore = new FairSemaphore(1);
    const release = await semaphore.acquire();
    release();
    release();
    expect(semaphore.inUse).toBe(0);
    await semaphore.acquire();
    expect(semaphore.inUse).toBe(1);
    const later = new AbortController();
    const waiting = semaphore.acquire(later.signal);
    later.abort();
    await expect(waiting).rejects.toBeInstanceOf(JobAbortedError);
  });

  it('drops a waiter whose job is stopped, and the permit goes to the next one', async () => {
    const semaphore = new FairSemaphore(1);
    const first = await semaphore.acquire();
    const stop = new AbortController();
    const stopped = semaphore.acquire(stop.signal);
    let nextGranted = false;
    void semaphore.acquire().then(() => (nextGranted = true));
    stop.abort();
    await expect(stopped).rejects.toBeInstanceOf(JobAbortedError);
    expect(semaphore.queued).toBe(1);
    first();
    await tick();
    expect(nextGranted).toBe(true);
  });

  it('refuses at once when the signal has already fired', async () => {
    const stop = new AbortController();
    stop.abort();
    await expect(new FairSemaphore(1).acquire(stop.signal)).rejects.toBeInstanceOf(JobAbortedError);
  });
});
