import { setPriority } from 'node:os';

/**
 * Lowers the calling thread's priority to `nice` (Linux keeps a nice value per thread, so called
 * inside a worker it leaves the main thread, which answers HTTP, at 0). Threads created after it
 * inherit it. A platform or sandbox that refuses just runs at the normal priority.
 */
export function lowerThreadPriority(nice: number): void {
  if (!nice) return;
  try {
    setPriority(0, nice);
  } catch {
    // Not permitted or not supported: the work still runs, only without the precedence.
  }
}
