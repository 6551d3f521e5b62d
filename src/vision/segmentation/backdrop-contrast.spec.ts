import { describe, it } from 'node:test';
import { expect } from 'expect';
import { backdropAt, fitPlainBackdrop, LOW_CONTRAST, lowContrastBoost } from './backdrop-contrast';

const W = 200;
const H = 160;

/** A sweep lighter at the top, with a deterministic grain of +-amplitude levels. */
function sweep(top: number, bottom: number, grain = 0): Uint8Array {
  const rgb = new Uint8Array(W * H * 3);
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const noise = grain ? Math.round(Math.sin(x * 12.9898 + y * 78.233) * 43758.5453 % 1 * grain) : 0;
      const v = top + ((bottom - top) * y) / (H - 1) + noise;
      rgb.fill(Math.max(0, Math.min(255, Math.round(v))), (y * W + x) * 3, (y * W + x) * 3 + 3);
    }
  }
  return rgb;
}

/** Paints [x0, x1) x [y0, y1) with `colour`. */
function paint(rgb: Uint8Array, [x0, y0, x1, y1]: number[], colour: [number, number, number]): Uint8Array {
  for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) rgb.set(colour, (y * W + x) * 3);
  return rgb;
}

describe('fitPlainBackdrop', () => {
  it('follows a smooth sweep, light at the top and darker below, to within a level', () => {
    const rgb = sweep(247, 230);
    const { surface, rms } = fitPlainBackdrop(rgb, W, H) ?? {};
    expect(rms).toBeLessThan(1);
    if (!surface) throw new Error('a smooth sweep was not taken as plain');
    for (const i of [0, W * (H >> 1) + (W >> 1), W * H - 1]) expect(Math.abs(backdropAt(surface, i, W, H, 0) - rgb[i * 3])).toBeLessThan(1);
  });

  it('still fits when a subject cut by the frame crosses part of the border', () => {
    const rgb = paint(sweep(245, 236), [60, 100, 140, H], [120, 60, 40]);
    expect(fitPlainBackdrop(rgb, W, H)).not.toBeNull();
  });

  it('refuses a textured border (wood, a room): there is no backdrop to subtract', () => {
    expect(fitPlainBackdrop(sweep(200, 180, 30), W, H)).toBeNull();
  });

  it('refuses a border the subject fills more than it leaves', () => {
    expect(fitPlainBackdrop(paint(sweep(245, 236), [0, 0, W, 120], [90, 60, 30]), W, H)).toBeNull();
  });
});

describe('lowContrastBoost', () => {
  it('stretches a white product on a white sweep around mid grey, the backdrop landing at 128', () => {
    const rgb = paint(paint(sweep(246, 238), [60, 40, 140, 130], [232, 231, 228]), [140, 70, 160, 100], [240, 240, 240]);
    const boost = lowContrastBoost(rgb, W, H);
    if (!boost) throw new Error('no boost for a white product on white');
    expect(boost.contrast).toBeLessThan(LOW_CONTRAST);
    expect(boost.gain).toBeGreaterThan(2);
    const at = (x: number, y: number) => boost.image[(y * W + x) * 3];
    expect(Math.abs(at(5, 5) - 128)).toBeLessThanOrEqual(2);
    expect(Math.abs(at(W - 5, H - 5) - 128)).toBeLessThanOrEqual(2);
    // The product, 10 levels darker than the sweep behind it, now stands ~10 x gain below it.
    expect(128 - at(100, 85)).toBeGreaterThan(9 * boost.gain);
  });

  it('gives no second look to a product that stands out, or to a textured photo', () => {
    expect(lowContrastBoost(paint(sweep(246, 238), [60, 40, 140, 130], [180, 40, 30]), W, H)).toBeNull();
    expect(lowContrastBoost(paint(sweep(200, 180, 30), [60, 40, 140, 130], [190, 190, 190]), W, H)).toBeNull();
  });

  it('leaves an empty backdrop alone: nothing differs from it', () => {
    expect(lowContrastBoost(sweep(246, 238), W, H)).toBeNull();
  });
});
