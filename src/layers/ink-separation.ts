import type { Box, Rgb } from '../vision/image.types';
import { harmonicFill } from '../vision/inpaint';
import { dilate } from '../vision/masks';

/** Ink differs from the background under it by at least this (RGB distance, 0..441). */
const MIN_INK_STEP = 40;
/** Next to strong ink, a step this large is ink too (a fill inside its outline). */
const WEAK_INK_STEP = 28;

/** RGB distance between the pixels at a[i] and b[j] (Math.hypot is several times slower, and this runs per pixel). */
export const dist = (a: ArrayLike<number>, i: number, b: ArrayLike<number>, j: number) => {
  const dr = a[i] - b[j];
  const dg = a[i + 1] - b[j + 1];
  const db = a[i + 2] - b[j + 2];
  return Math.sqrt(dr * dr + dg * dg + db * db);
};

/**
 * The ink of one text block: what differs from the background the block's rim predicts. The rim
 * (the region's outer pixels) is continued inwards by a harmonic fill, which follows gradients
 * and blurred photos; every pixel far enough from that prediction is ink, fill and outline
 * alike. Sets the ink in `mask` (full canvas, 0/1) and returns how many pixels it set.
 */
export function textInk(rgb: Uint8Array, w: number, h: number, region: Box, mask: Uint8Array): number {
  const { x: rx, y: ry, width: rw, height: rh } = region;
  const local = new Uint8Array(rw * rh * 3);
  const hole = new Uint8Array(rw * rh);
  for (let y = 0; y < rh; y++) {
    for (let x = 0; x < rw; x++) {
      const s = ((ry + y) * w + rx + x) * 3;
      local.set(rgb.subarray(s, s + 3), (y * rw + x) * 3);
      hole[y * rw + x] = x < 2 || y < 2 || x >= rw - 2 || y >= rh - 2 ? 0 : 1;
    }
  }
  const predicted = Uint8Array.from(local);
  harmonicFill(predicted, hole, rw, rh);
  return inkWhereFar((i) => dist(local, i * 3, predicted, i * 3), region, w, mask);
}

/**
 * The same block's ink against what the layers below it actually show (the filled background,
 * the shapes completed behind the text): a shape's edge crossing the block is no longer ink.
 */
export function inkOver(rgb: Uint8Array, below: Float32Array, region: Box, w: number, h: number): Uint8Array {
  const mask = new Uint8Array(w * h);
  const { x: rx, y: ry, width: rw } = region;
  inkWhereFar((i) => {
    const p = ((ry + Math.floor(i / rw)) * w + rx + (i % rw)) * 3;
    return dist(rgb, p, below, p);
  }, region, w, mask);
  return mask;
}

/** Pixels of the region whose distance from the background guess is ink, with hysteresis; returns the count. */
function inkWhereFar(distance: (i: number) => number, region: Box, w: number, mask: Uint8Array): number {
  const { x: rx, y: ry, width: rw, height: rh } = region;
  const d = new Float32Array(rw * rh);
  for (let i = 0; i < rw * rh; i++) d[i] = distance(i);
  const sorted = Float32Array.from(d).sort();
  const strong = Math.max(MIN_INK_STEP, 0.35 * sorted[Math.floor(sorted.length * 0.97)]);
  // Hysteresis: an outline far from the background makes the strong threshold high, and a fill
  // close to the background (white on cream, black on navy) would be left behind. Weaker steps
  // count as ink within a stem's reach of the strong ink.
  const core = new Uint8Array(rw * rh);
  for (let i = 0; i < rw * rh; i++) core[i] = d[i] > strong ? 1 : 0;
  const reach = dilate(core, rw, rh, Math.max(2, Math.ceil(0.06 * rh)));
  let count = 0;
  for (let i = 0; i < rw * rh; i++) {
    if (!core[i] && !(reach[i] && d[i] > WEAK_INK_STEP)) continue;
    mask[(ry + Math.floor(i / rw)) * w + rx + (i % rw)] = 1;
    count++;
  }
  return count;
}

/**
 * Soft alpha for a hard mask over what lies below it: 255 inside, and on the one-pixel rim the
 * share of the nearby ink colour (or `fill`) the observed pixel holds, projected on the line from
 * the colour below to the ink. This is what restores anti-aliased edges instead of jaggies.
 */
export function softAlpha(rgb: Uint8Array, below: Float32Array, mask: Uint8Array, w: number, h: number, fill?: Rgb): Uint8Array {
  const alpha = new Uint8Array(w * h);
  const grown = dilate(mask, w, h, 1);
  const inside = (x: number, y: number) => x >= 0 && y >= 0 && x < w && y < h && mask[y * w + x] === 1;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const p = y * w + x;
      if (!grown[p]) continue;
      const core = inside(x, y) && inside(x - 1, y) && inside(x + 1, y) && inside(x, y - 1) && inside(x, y + 1);
      if (core) {
        alpha[p] = 255;
        continue;
      }
      let ink: number[] | undefined = fill ? [...fill] : undefined;
      if (!ink) {
        const sum = [0, 0, 0];
        let n = 0;
        for (let dy = -2; dy <= 2; dy++) {
          for (let dx = -2; dx <= 2; dx++) {
            if (!inside(x + dx, y + dy) || !inside(x + dx - 1, y + dy) || !inside(x + dx + 1, y + dy)) continue;
            const q = ((y + dy) * w + x + dx) * 3;
            for (let c = 0; c < 3; c++) sum[c] += rgb[q + c];
            n++;
          }
        }
        if (n) ink = sum.map((v) => v / n);
      }
      if (!ink) {
        alpha[p] = mask[p] ? 255 : 0;
        continue;
      }
      const i3 = p * 3;
      const fb = [ink[0] - below[i3], ink[1] - below[i3 + 1], ink[2] - below[i3 + 2]];
      const len2 = fb[0] ** 2 + fb[1] ** 2 + fb[2] ** 2;
      if (len2 < 100) {
        alpha[p] = mask[p] ? 255 : 0;
        continue;
      }
      const t = ((rgb[i3] - below[i3]) * fb[0] + (rgb[i3 + 1] - below[i3 + 1]) * fb[1] + (rgb[i3 + 2] - below[i3 + 2]) * fb[2]) / len2;
      alpha[p] = Math.round(255 * Math.max(0, Math.min(1, t)));
    }
  }
  return alpha;
}
