import { JobAbortedError } from './errors/domain.exception';

interface Waiter {
  grant: () => void;
  signal?: AbortSignal;
  onAbort?: () => void;
}

/**
 * A FIFO counting semaphore: callers (renders wanting a page, readers a Tesseract process) get a
 * slot in the order they asked, so a burst of short jobs cannot starve an earlier one. A caller
 * whose job is stopped while it waits leaves the queue at once instead of holding a place (and
 * later a slot) it no longer wants.
 */
export class FairSemaphore {
  private free: number;
  private readonly waiters: Waiter[] = [];

  constructor(readonly capacity: number) {
    this.free = capacity;
  }

  /** Resolves with a release function that must be called exactly once. */
  acquire(signal?: AbortSignal): Promise<() => void> {
    if (signal?.aborted) return Promise.reject(new JobAbortedError());
    if (this.free > 0 && this.waiters.length === 0) {
      this.free -= 1;
      return Promise.resolve(this.releaser());
    }
    return new Promise((resolve, reject) => {
      const waiter: Waiter = { grant: () => resolve(this.releaser()), signal };
      if (signal) {
        waiter.onAbort = () => {
          const index = this.waiters.indexOf(waiter);
          if (index >= 0) this.waiters.splice(index, 1);
          reject(new JobAbortedError());
        };
        signal.addEventListener('abort', waiter.onAbort, { once: true });
      }
      this.waiters.push(waiter);
    });
  }

  /** Callers waiting for a permit (for stats). */
  get queued(): number {
    return this.waiters.length;
  }

  get inUse(): number {
    return this.capacity - this.free;
  }

  private releaser(): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.waiters.shift();
      if (!next) {
        this.free += 1;
        return;
      }
      // The permit passes straight to the next waiter: `free` never rises, so nobody can jump the queue.
      if (next.signal && next.onAbort) next.signal.removeEventListener('abort', next.onAbort);
      next.grant();
    };
  }
}
