import { describe, it } from 'node:test';
import { expect } from 'expect';
import type { RawImage } from '../vision/image.types';
import { cutoutConfidence, productFidelity, textPlacement } from './quality-checks';

/** A disc matte whose edge ramps over `soft` pixels. */
function disc(size: number, soft: number): RawImage {
  const data = Buffer.alloc(size * size);
  const c = size / 2;
  const r = size / 3;
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const d = Math.hypot(x - c, y - c) - r;
      data[y * size + x] = Math.round(255 * Math.min(1, Math.max(0, 0.5 - d / Math.max(soft, 0.001))));
    }
  }
  return { data, width: size, height: size, channels: 1 };
}

describe('cutoutConfidence', () => {
  it('trusts a crisp edge and doubts a wide soft one', () => {
    const crisp = cutoutConfidence(disc(200, 1));
    const soft = cutoutConfidence(disc(200, 12));
    expect(crisp.confidence).toBeGreaterThan(soft.confidence);
    expect(crisp.verdict).toBe('good');
    expect(soft.verdict).not.toBe('good');
    expect(crisp.edgePixels).toBeGreaterThan(0);
  });

  it('gives the same answer when told the product box (it only scans less)', () => {
    const matte = disc(200, 6);
    const whole = cutoutConfidence(matte);
    // The disc of radius 66.7 around (100, 100), with its soft edge.
    expect(cutoutConfidence(matte, { x: 28, y: 28, width: 144, height: 144 })).toEqual(whole);
  });

  it('has no edge to judge in an empty or full matte', () => {
    const empty = { data: Buffer.alloc(100), width: 10, height: 10, channels: 1 as const };
    expect(cutoutConfidence(empty)).toMatchObject({ edgePixels: 0, confidence: 0, verdict: 'poor' });
  });
});

describe('productFidelity', () => {
  const rgba = (pixels: number[][]): RawImage => ({ data: Buffer.from(pixels.flat()), width: pixels.length, height: 1, channels: 4 });
  const rgb = (pixels: number[][]): RawImage => ({ data: Buffer.from(pixels.flat()), width: pixels.length, height: 1, channels: 3 });

  it('finds opaque product pixels unchanged, and ignores soft edges and pixels under the copy', () => {
    const product = rgba([[10, 20, 30, 255], [40, 50, 60, 255], [70, 80, 90, 128], [0, 0, 0, 0]]);
    const final = rgb([[10, 20, 30], [99, 99, 99], [1, 2, 3], [5, 5, 5]]);
    const text = rgba([[0, 0, 0, 0], [255, 255, 255, 255], [0, 0, 0, 0], [0, 0, 0, 0]]);
    expect(productFidelity(product, final, text)).toEqual({ corePixels: 1, meanDelta: 0, maxDelta: 0, coveredByText: 0.5, unchanged: true });
  });

  it('reports a changed pixel', () => {
    const product = rgba([[10, 20, 30, 255]]);
    const result = productFidelity(product, rgb([[13, 20, 30]]));
    expect(result).toMatchObject({ corePixels: 1, maxDelta: 3, unchanged: false });
    expect(result.meanDelta).toBe(1);
  });
});

describe('textPlacement', () => {
  const safe = { x: 50, y: 50, width: 900, height: 900 };
  it('passes copy inside the safe zone and off the product', () => {
    expect(textPlacement({ x: 100, y: 60, width: 800, height: 150 }, safe, { x: 200, y: 400, width: 600, height: 500 }, 5.2)).toEqual({
      contrast: 5.2,
      contrastOk: true,
      insideSafeZone: true,
      overlapsProduct: false,
      productOverlap: 0,
    });
  });

  it('flags copy outside the safe zone, over the product, or too faint', () => {
    const check = textPlacement({ x: 10, y: 380, width: 400, height: 100 }, safe, { x: 200, y: 400, width: 600, height: 500 }, 3.1);
    expect(check).toMatchObject({ contrastOk: false, insideSafeZone: false, overlapsProduct: true });
    expect(check.productOverlap).toBeCloseTo((210 * 80) / 40000, 4);
  });
});
