import type { ThrottlerStorage } from '@nestjs/throttler';

type ThrottlerStorageRecord = Awaited<ReturnType<ThrottlerStorage['increment']>>;

interface Window {
  hits: number;
  resetAt: number;
}

const SWEEP_MS = 60_000;

/**
 * Counts requests in fixed windows: one counter per key, O(1) a request. The library's default
 * storage keeps one timestamp per hit and filters them on every request, which at hundreds of
 * requests a second per key made /status polling measurably slower (docs/benchmarks.md). A
 * fixed window also says exactly when the budget comes back, which is what the RateLimit
 * header's t= and Retry-After report.
 */
export class FixedWindowStorage implements ThrottlerStorage {
  private readonly windows = new Map<string, Window>();
  private nextSweep = Date.now() + SWEEP_MS;

  increment(key: string, ttl: number, limit: number): Promise<ThrottlerStorageRecord> {
    const now = Date.now();
    if (now >= this.nextSweep) this.sweep(now); // expired windows go as requests come: no timer to stop
    let window = this.windows.get(key);
    if (!window || window.resetAt <= now) {
      window = { hits: 0, resetAt: now + ttl };
      this.windows.set(key, window);
    }
    window.hits += 1;
    const seconds = Math.max(1, Math.ceil((window.resetAt - now) / 1000));
    const isBlocked = window.hits > limit;
    return Promise.resolve({ totalHits: window.hits, timeToExpire: seconds, isBlocked, timeToBlockExpire: isBlocked ? seconds : 0 });
  }

  private sweep(now: number): void {
    this.nextSweep = now + SWEEP_MS;
    for (const [key, window] of this.windows) if (window.resetAt <= now) this.windows.delete(key);
  }
}
