import { setFlagsFromString } from 'node:v8';

/**
 * V8 settings for a process that runs ad jobs (the server and the CLI), set before any job.
 *
 * Maglev's on-stack replacement compiles the hot inner loop of a pixel pass (one row) and leaves
 * that code whenever the inner loop ends: one deoptimization per row, and the rest of the row back
 * in the interpreter, boxing its numbers. Our pixel passes (the backdrop, the sharpness and mask
 * reads, the analysis thumbnail) each run a few times per job, so every job paid this again:
 * about 2,600 deoptimizations in 14 jobs, and ~12 MB of boxed numbers per backdrop. Without
 * Maglev OSR a long loop is replaced by TurboFan code for the whole function. The same jobs then
 * deoptimize about 280 times, and the rest of the job runs in 0.94x the time (docs/benchmarks.md).
 */
export function tuneV8ForPixelWork(): void {
  setFlagsFromString('--no-maglev-osr');
}
