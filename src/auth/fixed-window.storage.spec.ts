import { describe, it } from 'node:test';
import { expect } from 'expect';
import { FixedWindowStorage } from './fixed-window.storage';

describe('FixedWindowStorage', () => {
  it('counts per key up to the limit, then blocks until the window ends', async (t) => {
    t.mock.timers.enable({ apis: ['Date'], now: 1_000_000 });
    const storage = new FixedWindowStorage();
    const hit = (key = 'read:key:a') => storage.increment(key, 60_000, 2);
    expect(await hit()).toEqual({ totalHits: 1, timeToExpire: 60, isBlocked: false, timeToBlockExpire: 0 });
    expect((await hit()).isBlocked).toBe(false);
    t.mock.timers.tick(45_000);
    expect(await hit()).toEqual({ totalHits: 3, timeToExpire: 15, isBlocked: true, timeToBlockExpire: 15 });
    expect((await hit('read:key:b')).isBlocked).toBe(false);
    t.mock.timers.tick(15_000);
    expect(await hit()).toEqual({ totalHits: 1, timeToExpire: 60, isBlocked: false, timeToBlockExpire: 0 });
  });
});
