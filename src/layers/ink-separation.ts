import type { Box, Rgb } from '../vision/image.types';
import { harmonicFill } from '../vision/inpaint';
import { dilate, fillHoles, labelComponents } from '../vision/masks';

/** Ink differs from the background under it by at least this (RGB distance, 0..441). */
const MIN_INK_STEP = 40;
/** A shape's inside varies less than this (RGB standard deviation) and steps this much at its edge. */
const SHAPE_MAX_STD = 9;
const SHAPE_MIN_EDGE = 28;
const SHAPE_AREA = [0.003, 0.6] as const;
const WORK_SIDE = 256;
const CLUSTERS = 8;

const dist = (a: ArrayLike<number>, i: number, b: ArrayLike<number>, j: number) =>
  Math.hypot(a[i] - b[j], a[i + 1] - b[j + 1], a[i + 2] - b[j + 2]);

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
  const d = new Float32Array(rw * rh);
  for (let i = 0; i < rw * rh; i++) d[i] = dist(local, i * 3, predicted, i * 3);
  const sorted = Float32Array.from(d).sort();
  const threshold = Math.max(MIN_INK_STEP, 0.35 * sorted[Math.floor(sorted.length * 0.97)]);
  let count = 0;
  for (let y = 0; y < rh; y++) {
    for (let x = 0; x < rw; x++) {
      if (d[y * rw + x] <= threshold) continue;
      mask[(ry + y) * w + rx + x] = 1;
      count++;
    }
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

export interface FoundShape {
  /** Full-canvas 0/1, holes filled (what stands on the shape is in front of it). */
  mask: Uint8Array;
  /** The pixels of the shape's own colour (holes not filled). */
  own: Uint8Array;
  color: Rgb;
}

/**
 * Flat-colour shapes: colours clustered (k-means) on a 256 px thumbnail, each cluster's
 * connected regions kept when they are flat inside, step sharply at their edge (a gradient's
 * bands do not) and are neither specks nor the backdrop itself; then traced at full resolution
 * by colour distance from their mean. `exclude` (text, 0/1) is not a shape.
 */
export function findShapes(rgb: Uint8Array, w: number, h: number, exclude: Uint8Array): FoundShape[] {
  const f = Math.max(1, Math.max(w, h) / WORK_SIDE);
  const tw = Math.max(1, Math.round(w / f));
  const th = Math.max(1, Math.round(h / f));
  const thumb = new Float32Array(tw * th * 3);
  const counts = new Float32Array(tw * th);
  const excluded = new Float32Array(tw * th);
  for (let y = 0; y < h; y++) {
    const ty = Math.min(th - 1, Math.floor(y / f));
    for (let x = 0; x < w; x++) {
      const t = ty * tw + Math.min(tw - 1, Math.floor(x / f));
      for (let c = 0; c < 3; c++) thumb[t * 3 + c] += rgb[(y * w + x) * 3 + c];
      counts[t]++;
      excluded[t] += exclude[y * w + x];
    }
  }
  for (let t = 0; t < tw * th; t++) for (let c = 0; c < 3; c++) thumb[t * 3 + c] /= counts[t];
  const assignment = kmeans(thumb, tw * th, CLUSTERS);
  const shapes: FoundShape[] = [];
  for (let k = 0; k < CLUSTERS; k++) {
    const member = new Uint8Array(tw * th);
    for (let t = 0; t < tw * th; t++) member[t] = assignment[t] === k && excluded[t] / counts[t] < 0.5 ? 1 : 0;
    const { labels, components } = labelComponents(member, tw, th);
    for (const comp of components) {
      const share = comp.area / (tw * th);
      if (share < SHAPE_AREA[0] || share > SHAPE_AREA[1]) continue;
      const stats = regionStats(thumb, labels, comp.id, tw, th);
      if (stats.std > SHAPE_MAX_STD || stats.edge < SHAPE_MIN_EDGE) continue;
      const own = traceShape(rgb, w, h, stats.mean, { x: comp.box.x * f, y: comp.box.y * f, width: comp.box.width * f, height: comp.box.height * f });
      if (own) shapes.push({ own, mask: fillHoles(own, w, h), color: stats.mean.map(Math.round) as Rgb });
    }
  }
  return shapes;
}

/** Deterministic k-means on RGB points: farthest-point seeding, 10 rounds. */
function kmeans(points: Float32Array, n: number, k: number): Uint8Array {
  const centers: number[][] = [[points[0], points[1], points[2]]];
  while (centers.length < k) {
    let best = 0;
    let bestD = -1;
    for (let i = 0; i < n; i++) {
      const d = Math.min(...centers.map((c) => dist(points, i * 3, c, 0)));
      if (d > bestD) [best, bestD] = [i, d];
    }
    centers.push([points[best * 3], points[best * 3 + 1], points[best * 3 + 2]]);
  }
  const assignment = new Uint8Array(n);
  for (let round = 0; round < 10; round++) {
    const sums = centers.map(() => [0, 0, 0, 0]);
    for (let i = 0; i < n; i++) {
      let best = 0;
      let bestD = Infinity;
      centers.forEach((c, j) => {
        const d = dist(points, i * 3, c, 0);
        if (d < bestD) [best, bestD] = [j, d];
      });
      assignment[i] = best;
      for (let c = 0; c < 3; c++) sums[best][c] += points[i * 3 + c];
      sums[best][3]++;
    }
    sums.forEach((s, j) => {
      if (s[3]) centers[j] = [s[0] / s[3], s[1] / s[3], s[2] / s[3]];
    });
  }
  return assignment;
}

/** Mean, spread (inside, away from the edge) and the colour step across the edge of one region. */
function regionStats(thumb: Float32Array, labels: Int32Array, id: number, w: number, h: number): { mean: number[]; std: number; edge: number } {
  const region = new Uint8Array(w * h);
  for (let i = 0; i < w * h; i++) region[i] = labels[i] === id ? 1 : 0;
  const mean = [0, 0, 0];
  let n = 0;
  for (let i = 0; i < w * h; i++) {
    if (!region[i]) continue;
    for (let c = 0; c < 3; c++) mean[c] += thumb[i * 3 + c];
    n++;
  }
  for (let c = 0; c < 3; c++) mean[c] /= n;
  let variance = 0;
  let inner = 0;
  const outside = dilate(region, w, h, 1);
  let edge = 0;
  let ring = 0;
  for (let i = 0; i < w * h; i++) {
    if (region[i]) {
      variance += dist(thumb, i * 3, mean, 0) ** 2;
      inner++;
    } else if (outside[i]) {
      edge += dist(thumb, i * 3, mean, 0);
      ring++;
    }
  }
  return { mean, std: Math.sqrt(variance / Math.max(1, inner)), edge: ring ? edge / ring : 0 };
}

/** The shape at full resolution: pixels near its colour, connected, inside its (grown) box. */
function traceShape(rgb: Uint8Array, w: number, h: number, color: number[], box: Box): Uint8Array | null {
  const pad = 4;
  const x0 = Math.max(0, Math.floor(box.x) - pad);
  const y0 = Math.max(0, Math.floor(box.y) - pad);
  const x1 = Math.min(w, Math.ceil(box.x + box.width) + pad);
  const y1 = Math.min(h, Math.ceil(box.y + box.height) + pad);
  const near = new Uint8Array(w * h);
  for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) near[y * w + x] = dist(rgb, (y * w + x) * 3, color, 0) < 24 ? 1 : 0;
  const { labels, components } = labelComponents(near, w, h);
  const biggest = components.reduce<{ id: number; area: number } | null>((a, c) => (!a || c.area > a.area ? c : a), null);
  if (!biggest || biggest.area < 16) return null;
  const mask = new Uint8Array(w * h);
  for (let i = 0; i < w * h; i++) mask[i] = labels[i] === biggest.id ? 1 : 0;
  return mask;
}
