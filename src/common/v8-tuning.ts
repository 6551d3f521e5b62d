import { setFlagsFromString } from 'node:v8';

/**
 * V8 settings for the server, set before any job. Not for the one-shot CLI: there every loop is
 * cold, Maglev's quick OSR code is what speeds it up, and the four-placement README ad took 0.94x
 * the time without this (9.7 and 8.9 s against 10.2 and 9.6 s).
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
