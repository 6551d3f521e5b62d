import { describe, it } from 'node:test';
import { expect } from 'expect';
import { readFileSync } from 'node:fs';
import { packagedIsnetManifests } from '../vision/segmentation/isnet-package';
import { atInputSize } from './onnx-input-size';

/** The packaged ISNet's bytes (the model the rewrite exists for). */
function isnetBytes(): Uint8Array {
  const medium = packagedIsnetManifests().find((m) => m.id === 'isnet-medium');
  if (medium?.source.kind !== 'chunks') throw new Error('the packaged ISNet weights are missing');
  return Buffer.concat(medium.source.paths.map((p) => readFileSync(p)));
}

/** Every occurrence of a byte string (a tensor's name, a constant's raw data). */
function count(haystack: Uint8Array, needle: Uint8Array): number {
  return Buffer.from(haystack.buffer, haystack.byteOffset, haystack.length).toString('latin1').split(Buffer.from(needle).toString('latin1')).length - 1;
}

const int64s = (...v: number[]) => new Uint8Array(BigInt64Array.from(v.map(BigInt)).buffer);

describe('atInputSize', () => {
  const model = isnetBytes();

  it("scales ISNet's frozen upsampling sizes and its declared input, keeping every weight byte for byte", () => {
    const resized = atInputSize(model, 1024, 640);
    // 39 upsamplings; the one to the 32 px stage becomes 20 px, none is left at 32.
    expect(count(model, int64s(32, 32))).toBeGreaterThan(0);
    expect(count(resized, int64s(32, 32))).toBe(0);
    expect(count(resized, int64s(20, 20))).toBe(count(model, int64s(32, 32)));
    // Shorter only by the inferred shapes it dropped: the weights (85 MB of it) are all there.
    expect(resized.length).toBeLessThan(model.length);
    expect(resized.length).toBeGreaterThan(model.length - 200_000);
    const weight = model.subarray(40_000_000, 40_002_048);
    expect(count(resized, weight)).toBeGreaterThanOrEqual(1);
  });

  it('is the identity on sizes at the same size, and refuses what it cannot do', () => {
    expect(count(atInputSize(model, 1024, 1024), int64s(32, 32))).toBe(count(model, int64s(32, 32)));
    // 16 px stages cannot become 600/1024 of a pixel count.
    expect(() => atInputSize(model, 1024, 600)).toThrow(/whole pixels/);
    expect(() => atInputSize(Buffer.from('not a model at all'), 1024, 640)).toThrow();
    expect(() => atInputSize(Uint8Array.from([0x3a, 0x00]), 1024, 640)).toThrow(/no fixed upsampling/);
  });
});
