import { describe, it } from 'node:test';
import { expect } from 'expect';
import { bilerp, bilinearAxis, blockMeans, boxMean, dilateTiles, flaggedRects, partialTiles } from './raster-ops';

/** The definition, by brute force: mean over the window clipped to the image. */
function naiveBox(src: Float32Array, w: number, h: number, r: number): Float32Array {
  const out = new Float32Array(w * h);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      let sum = 0;
      let n = 0;
      for (let yy = Math.max(0, y - r); yy <= Math.min(h - 1, y + r); yy++) {
        for (let xx = Math.max(0, x - r); xx <= Math.min(w - 1, x + r); xx++) {
          sum += src[yy * w + xx];
          n++;
        }
      }
      out[y * w + x] = sum / n;
    }
  }
  return out;
}

const random = (n: number, seed: number) => Float32Array.from({ length: n }, (_, i) => Math.abs(Math.sin((i + 1) * seed)) % 1);

describe('boxMean', () => {
  it('matches the brute-force clipped mean, including radii wider than the image and in place', () => {
    for (const [w, h, r] of [
      [17, 9, 1],
      [17, 9, 3],
      [5, 23, 4],
      [6, 4, 10],
      [1, 1, 2],
    ]) {
      const src = random(w * h, w + h + r);
      const expected = naiveBox(src, w, h, r);
      const got = boxMean(src, w, h, r);
      for (let i = 0; i < w * h; i++) expect(got[i]).toBeCloseTo(expected[i], 5);
      const inPlace = Float32Array.from(src);
      boxMean(inPlace, w, h, r, inPlace);
      expect(inPlace).toEqual(got);
    }
  });
});

describe('blockMeans and bilerp', () => {
  it('averages s x s blocks, partial edge blocks included, and interpolates back', () => {
    const w = 5;
    const h = 3;
    const rgb = new Uint8Array(w * h * 3);
    const alpha = new Uint8Array(w * h);
    for (let i = 0; i < w * h; i++) {
      rgb[i * 3] = i * 10;
      alpha[i] = 255;
    }
    const m = blockMeans(rgb, 3, alpha, w, h, 2, true);
    expect([m.w, m.h]).toEqual([3, 2]);
    // Block (0,0) holds pixels 0,1,5,6; the last column block only pixels 4 and 9; the last row block only row 2.
    expect(m.rgb[0][0]).toBeCloseTo((0 + 10 + 50 + 60) / 4 / 255, 6);
    expect(m.rgb[0][2]).toBeCloseTo((40 + 90) / 2 / 255, 6);
    expect(m.rgb[0][3]).toBeCloseTo((100 + 110) / 2 / 255, 6);
    expect(m.alpha.every((v) => Math.abs(v - 1) < 1e-6)).toBe(true);
    expect(m.rgbAlpha?.[0][0]).toBeCloseTo(m.rgb[0][0], 6);
    const ax = bilinearAxis(w, m.w, 2);
    const ay = bilinearAxis(h, m.h, 2);
    // A constant plane stays constant; s = 1 sampling is the identity.
    expect(bilerp(new Float32Array(6).fill(0.3), 3, ax, ay, 4, 2)).toBeCloseTo(0.3, 6);
    const plane = random(12, 3);
    const id = bilinearAxis(4, 4, 1);
    const idY = bilinearAxis(3, 3, 1);
    expect(bilerp(plane, 4, id, idY, 2, 1)).toBeCloseTo(plane[6], 6);
  });
});

describe('tiles', () => {
  it('flags only tiles holding soft values, and dilation grows them by whole tiles', () => {
    const w = 200;
    const h = 130;
    const matte = new Uint8Array(w * h);
    matte.fill(255, 0, w * 64); // top band opaque: binary, not flagged
    matte[100 * w + 150] = 128; // one soft pixel in tile (2, 1)
    const grid = partialTiles(matte, w, h, 64);
    expect([grid.cols, grid.rows]).toEqual([4, 3]);
    expect(flaggedRects(grid, w, h)).toEqual([{ x0: 128, y0: 64, x1: 192, y1: 128 }]);
    const grown = flaggedRects(dilateTiles(grid, 10), w, h);
    expect(grown).toHaveLength(9);
    expect(grown).toContainEqual({ x0: 192, y0: 128, x1: 200, y1: 130 });
  });
});
