import { describe, it } from 'node:test';
import { expect } from 'expect';
import { execFile } from 'node:child_process';
import * as path from 'node:path';
import { promisify } from 'node:util';

/**
 * A pixel pass's shape (a row loop around a column loop, run a few times) in a child process that
 * traces V8's compiles: how many times Maglev was asked to compile a loop for on-stack replacement.
 * (Counting the deoptimizations themselves would be timing-dependent: they need Maglev's compile,
 * on a background thread, to land before TurboFan's. The request is counted by the loop's budget.)
 */
async function maglevOsrCompiles(tuned: boolean): Promise<number> {
  const script = `
    ${tuned ? `require(${JSON.stringify(path.join(__dirname, 'v8-tuning.js'))}).tuneV8ForPixelWork();` : ''}
    function pass(a, w, h) {
      let s = 0;
      for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) s += a[y * w + x] * 0.5;
      return s;
    }
    const a = new Float64Array(1024 * 1024).fill(1);
    // Passes enough for Maglev's compile (on a background thread) to land even on a loaded machine.
    for (let i = 0; i < 8; i++) pass(a, 1024, 1024);`;
  const { stdout } = await promisify(execFile)(process.execPath, ['--trace-opt', '-e', script], { maxBuffer: 64 * 2 ** 20 });
  return stdout.split('(target MAGLEV) OSR').length - 1;
}

describe('tuneV8ForPixelWork', () => {
  it('keeps Maglev from compiling a row loop on its own (the code a row leaves), set after V8 has started', async () => {
    expect(await maglevOsrCompiles(false)).toBeGreaterThan(0);
    expect(await maglevOsrCompiles(true)).toBe(0);
  });
});
