/**
 * A FIFO async mutex. Unlike a promise-chain lock, a rejected critical section releases the lock
 * in `finally`, so one failure never wedges every later caller.
 */
export class Mutex {
  private locked = false;
  private readonly waiters: Array<() => void> = [];

  async runExclusive<T>(fn: () => Promise<T> | T): Promise<T> {
    await this.lock();
    try {
      return await fn();
    } finally {
      this.unlock();
    }
  }

  get isLocked(): boolean {
    return this.locked;
  }

  private lock(): Promise<void> {
    if (!this.locked) {
      this.locked = true;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  private unlock(): void {
    const next = this.waiters.shift();
    if (next) next();
    else this.locked = false;
  }
}
