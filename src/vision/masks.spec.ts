import { describe, it } from 'node:test';
import { expect } from 'expect';
import { significantParts, unsureShare } from './masks';

/** A w x h matte with the given rectangles at `value`. */
function matte(w: number, h: number, rects: Array<[number, number, number, number]>, value = 255): Uint8Array {
  const m = new Uint8Array(w * h);
  for (const [x0, y0, x1, y1] of rects) for (let y = y0; y < y1; y++) m.fill(value, y * w + x0, y * w + x1);
  return m;
}

describe('unsureShare', () => {
  it('is the share of soft pixels per solid one: none for a hard matte, large for a haze', () => {
    expect(unsureShare(matte(40, 40, [[10, 10, 30, 30]]))).toBe(0);
    const edged = matte(40, 40, [[10, 10, 30, 30]]);
    for (let x = 10; x < 30; x++) edged[9 * 40 + x] = 120; // one soft row along the top
    expect(unsureShare(edged)).toBeCloseTo(20 / 400, 6);
    expect(unsureShare(matte(40, 40, [[0, 0, 40, 40]], 150))).toBe(1);
    expect(unsureShare(new Uint8Array(16))).toBe(0);
  });
});

describe('significantParts', () => {
  it('counts the parts that hold at least 1% of the solid pixels, not the specks', () => {
    expect(significantParts(matte(100, 100, [[10, 10, 90, 90]]), 100, 100)).toBe(1);
    // A band cut across the product: two parts.
    expect(significantParts(matte(100, 100, [[10, 10, 90, 45], [10, 55, 90, 90]]), 100, 100)).toBe(2);
    // A 2x2 speck beside it is under 1% of 6400 pixels.
    expect(significantParts(matte(100, 100, [[10, 10, 90, 90], [95, 95, 97, 97]]), 100, 100)).toBe(1);
    expect(significantParts(new Uint8Array(100), 10, 10)).toBe(0);
  });
});
