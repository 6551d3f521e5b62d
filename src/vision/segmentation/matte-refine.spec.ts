import { describe, it } from 'node:test';
import { expect } from 'expect';
import { estimateForeground, refineMatte } from './matte-refine';
import { maskIoU } from '../masks';

const RED = [200, 30, 40];
const BLUE = [20, 60, 210];

/** Deterministic noise in [-1, 1] (a texture, so "unchanged" is checked on varied pixels). */
function noise(i: number): number {
  const x = Math.sin(i * 12.9898 + 78.233) * 43758.5453;
  return (x - Math.floor(x)) * 2 - 1;
}

/**
 * A textured red disc on a blue background. `alpha` is the true coverage, anti-aliased over
 * `soft` pixels; the photo is the matting equation I = aF + (1-a)B, rounded to 8 bits.
 */
function disc(w: number, h: number, soft: number, channels = 3) {
  const cx = w * 0.48;
  const cy = h * 0.52;
  const radius = Math.min(w, h) * 0.3;
  const rgb = new Uint8Array(w * h * channels);
  const alpha = new Uint8Array(w * h);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const i = y * w + x;
      const a = Math.min(1, Math.max(0, (radius - Math.hypot(x + 0.5 - cx, y + 0.5 - cy)) / soft + 0.5));
      alpha[i] = Math.round(a * 255);
      for (let c = 0; c < 3; c++) {
        const f = RED[c] + 12 * noise(i * 3 + c);
        rgb[i * channels + c] = Math.round(a * f + (1 - a) * BLUE[c]);
      }
      if (channels === 4) rgb[i * channels + 3] = 255;
    }
  }
  return { rgb, alpha, cx, cy, radius };
}

/** A disc mask of another radius, blurred like a 1024 px model mask resized up to the photo. */
function coarseMask(w: number, h: number, cx: number, cy: number, radius: number, ramp: number): Uint8Array {
  const m = new Uint8Array(w * h);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const a = Math.min(1, Math.max(0, (radius - Math.hypot(x + 0.5 - cx, y + 0.5 - cy)) / ramp + 0.5));
      m[y * w + x] = Math.round(a * 255);
    }
  }
  return m;
}

const dist = (a: ArrayLike<number>, b: ArrayLike<number>) => Math.hypot(a[0] - b[0], a[1] - b[1], a[2] - b[2]);
const softCount = (m: Uint8Array) => m.reduce((n, v) => n + (v > 0 && v < 255 ? 1 : 0), 0);
/** Sum of absolute differences: how far a matte is from the true coverage. */
const sad = (a: Uint8Array, b: Uint8Array) => a.reduce((n, v, i) => n + Math.abs(v - b[i]), 0);

describe('estimateForeground', () => {
  it('moves semi-transparent edge pixels from the background colour to the foreground colour', () => {
    const w = 240;
    const h = 180;
    const { rgb, alpha } = disc(w, h, 6);
    const fg = estimateForeground(rgb, alpha, w, h);
    let before = 0;
    let after = 0;
    let count = 0;
    for (let i = 0; i < w * h; i++) {
      const a = alpha[i];
      if (a < 26 || a > 229) continue; // 10%..90%: the pixels a halo is made of
      const observed = rgb.subarray(i * 3, i * 3 + 3);
      const estimated = fg.subarray(i * 3, i * 3 + 3);
      before += dist(observed, RED);
      after += dist(estimated, RED);
      // Every edge pixel ends up closer to the product's colour than it was, and less blue.
      expect(dist(estimated, RED)).toBeLessThan(dist(observed, RED));
      expect(estimated[2]).toBeLessThan(observed[2]);
      count++;
    }
    expect(count).toBeGreaterThan(200);
    expect(after / count).toBeLessThan(0.3 * (before / count));
  });

  it('keeps opaque and transparent pixels exactly', () => {
    const w = 200;
    const h = 150;
    const { rgb, alpha } = disc(w, h, 4);
    const fg = estimateForeground(rgb, alpha, w, h);
    expect(fg.length).toBe(w * h * 3);
    let opaque = 0;
    let changed = 0;
    for (let i = 0; i < w * h; i++) {
      if (alpha[i] !== 255 && alpha[i] !== 0) continue;
      if (alpha[i] === 255) opaque++;
      for (let c = 0; c < 3; c++) if (fg[i * 3 + c] !== rgb[i * 3 + c]) changed++;
    }
    expect(opaque).toBeGreaterThan(1000);
    expect(changed).toBe(0);
  });

  it('reads RGBA input with the same result as RGB, on non-square sizes', () => {
    for (const [w, h] of [
      [97, 203],
      [310, 41],
    ]) {
      const three = disc(w, h, 5, 3);
      const four = disc(w, h, 5, 4);
      expect(estimateForeground(four.rgb, four.alpha, w, h, { channels: 4 })).toEqual(estimateForeground(three.rgb, three.alpha, w, h));
    }
  });

  it('copies the photo through when the matte is binary or empty', () => {
    const w = 40;
    const h = 30;
    const { rgb } = disc(w, h, 1);
    const empty = new Uint8Array(w * h);
    expect(estimateForeground(rgb, empty, w, h)).toEqual(rgb);
  });
});

describe('refineMatte', () => {
  it('stays faithful to the coarse mask (IoU >= 0.98) and returns exact 0 / 255 away from the edge', () => {
    const w = 320;
    const h = 240;
    const { rgb, cx, cy, radius } = disc(w, h, 1.5);
    const coarse = coarseMask(w, h, cx, cy, radius, 5);
    const refined = refineMatte(rgb, coarse, w, h);
    expect(refined.length).toBe(w * h);
    expect(maskIoU(refined, coarse)).toBeGreaterThanOrEqual(0.98);
    let wrong = 0;
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const d = Math.hypot(x + 0.5 - cx, y + 0.5 - cy) - radius;
        if ((d > 6 && refined[y * w + x] !== 0) || (d < -6 && refined[y * w + x] !== 255)) wrong++;
      }
    }
    expect(wrong).toBe(0);
  });

  it('sharpens a blurred mask onto the photo edge', () => {
    const w = 300;
    const h = 220;
    const { rgb, alpha, cx, cy, radius } = disc(w, h, 1.5);
    const coarse = coarseMask(w, h, cx, cy, radius, 6); // right place, blurred over ~6 px
    const refined = refineMatte(rgb, coarse, w, h);
    expect(softCount(refined)).toBeLessThan(softCount(coarse) / 2);
    expect(sad(refined, alpha)).toBeLessThan(0.2 * sad(coarse, alpha));
  });

  it('pulls a misplaced edge towards the photo edge', () => {
    const w = 300;
    const h = 220;
    const { rgb, alpha, cx, cy, radius } = disc(w, h, 1.5);
    for (const shift of [1.5, -1.5]) {
      const coarse = coarseMask(w, h, cx, cy, radius + shift, 6);
      const refined = refineMatte(rgb, coarse, w, h);
      expect(sad(refined, alpha)).toBeLessThan(0.75 * sad(coarse, alpha));
      expect(maskIoU(refined, alpha)).toBeGreaterThan(maskIoU(coarse, alpha));
      // It moved by about the misplacement (4.5% of this disc's area), not more.
      expect(maskIoU(refined, coarse)).toBeGreaterThanOrEqual(0.95);
    }
  });

  it('uses the reduced-resolution coefficient path on large photos with the same guarantees', () => {
    const w = 2200;
    const h = 900; // long side > 1024: coefficients on 3x3 blocks
    const { rgb, alpha, cx, cy, radius } = disc(w, h, 2);
    const coarse = coarseMask(w, h, cx, cy, radius + 2, 10);
    const refined = refineMatte(rgb, coarse, w, h);
    expect(maskIoU(refined, coarse)).toBeGreaterThanOrEqual(0.98);
    expect(sad(refined, alpha)).toBeLessThan(0.5 * sad(coarse, alpha));
    expect(refined[0]).toBe(0);
    expect(refined[Math.round(cy) * w + Math.round(cx)]).toBe(255);
  });

  it('handles non-square, RGBA, tiny and uniform inputs', () => {
    for (const [w, h] of [
      [131, 47],
      [47, 131],
    ]) {
      const three = disc(w, h, 1.5, 3);
      const four = disc(w, h, 1.5, 4);
      const coarse = coarseMask(w, h, three.cx, three.cy, three.radius, 4);
      const a = refineMatte(three.rgb, coarse, w, h);
      expect(refineMatte(four.rgb, coarse, w, h, { channels: 4 })).toEqual(a);
      expect(maskIoU(a, coarse)).toBeGreaterThanOrEqual(0.98);
    }
    const one = refineMatte(new Uint8Array([10, 20, 30]), new Uint8Array([200]), 1, 1);
    expect(one.length).toBe(1);
    const { rgb } = disc(64, 48, 1);
    expect(refineMatte(rgb, new Uint8Array(64 * 48), 64, 48)).toEqual(new Uint8Array(64 * 48));
    expect(refineMatte(rgb, new Uint8Array(64 * 48).fill(255), 64, 48)).toEqual(new Uint8Array(64 * 48).fill(255));
  });
});
