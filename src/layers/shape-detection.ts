import type { Box, Rgb } from '../vision/image.types';
import { dilate, fillHoles, labelComponents, unionOf } from '../vision/masks';
import { CLUSTERS, kmeans, withSplits } from './colour-clusters';
import { dist } from './ink-separation';

/** A shape's inside varies less than this (RGB standard deviation) and steps this much at its edge. */
const SHAPE_MAX_STD = 9;
const SHAPE_MIN_EDGE = 28;
const SHAPE_AREA = [0.003, 0.6] as const;
const WORK_SIDE = 256;

export interface FoundShape {
  /** Full-canvas 0/1, holes filled (what stands on the shape is in front of it). */
  mask: Uint8Array;
  /** The pixels of the shape's own colour (holes not filled). */
  own: Uint8Array;
  /** Its own colour: for a semi-transparent overlay, the colour before blending. */
  color: Rgb;
  /** 1 for a solid shape; less for an overlay the background shows through (set by overlayOf's caller). */
  opacity: number;
  /** A rule (a line or a frame of lines), not a filled shape. */
  thin?: boolean;
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
  const areas: number[] = [];
  for (const { member, split } of withSplits(thumb, assignment, tw * th, SHAPE_MAX_STD, SHAPE_MIN_EDGE)) {
    for (let t = 0; t < tw * th; t++) if (excluded[t] / counts[t] >= 0.5) member[t] = 0;
    const { labels, components } = labelComponents(member, tw, th);
    for (const comp of components) {
      const share = comp.area / (tw * th);
      if (share < SHAPE_AREA[0] || share > SHAPE_AREA[1]) continue;
      const stats = regionStats(thumb, labels, comp.id, tw, th);
      // A region that is not flat may still hold a flat shape merged with its neighbours (a
      // panel across an overlay): its most common colour is traced instead.
      const flat = stats.std <= SHAPE_MAX_STD && stats.edge >= SHAPE_MIN_EDGE;
      const color = flat ? stats.mean : dominantColor(thumb, labels, comp.id);
      // Each candidate is traced and tested in a window round its box, not over the whole poster.
      const box = { x: comp.box.x * f, y: comp.box.y * f, width: comp.box.width * f, height: comp.box.height * f };
      const win = windowOf(rgb, exclude, box, w, h);
      const own = traceShape(win.rgb, win.width, win.height, color, { ...box, x: box.x - win.x, y: box.y - win.y });
      if (!own) continue;
      const area = own.reduce((n, v) => n + v, 0);
      if (area < SHAPE_AREA[0] * w * h || (!flat && area < 0.3 * comp.area * f * f)) continue;
      // A shape's edge is a step nearly all round, where a blurred photo's patch of one colour
      // fades out and a backdrop's flat middle steps only where the product and the copy stand
      // on it. The colour of a region that was not flat must step twice as clearly.
      if (edgeStep(win.rgb, own, color, win.exclude, win.width, win.height, 0.2) < (flat ? 1 : 2) * SHAPE_MIN_EDGE) continue;
      if (shapes.some((other, k) => overlapShare(own, area, win, other.own, areas[k], w) > 0.5)) continue;
      const mask = fillHoles(own, win.width, win.height);
      // Half a cluster is a panel only when it fills its box as panels do (a photo's rim does
      // not) and stands inside the canvas (a stretch of the page cut off by a band does not).
      if (split && (boxFill(mask, win.width, win.height) < 0.8 || edgesTouched(mask, win, w, h) >= 2)) continue;
      shapes.push({ own: pasted(own, win, w, h), mask: pasted(mask, win, w, h), color: color.map(Math.round) as Rgb, opacity: 1 });
      areas.push(area);
    }
  }
  return withoutPage(shapes, w, h);
}

/**
 * The page is the background, never a shape. Seen between the panels and cards laid on it, or
 * beside a side panel, its colour region is found like theirs; but shapes that together cover
 * the canvas leave nothing of the background to fill from (it came out black). While they
 * cover 85% of it, the largest that runs along two canvas edges is the page and goes.
 */
function withoutPage(shapes: FoundShape[], w: number, h: number): FoundShape[] {
  const kept = [...shapes];
  const area = (m: Uint8Array) => m.reduce((n, v) => n + v, 0);
  for (;;) {
    const covered = unionOf(kept.map((s) => s.mask), w * h);
    if (area(covered) < 0.85 * w * h) return kept;
    const page = kept.filter((s) => edgesAlong(s.own, w, h) >= 2).sort((a, b) => area(b.own) - area(a.own))[0];
    if (!page) return kept;
    kept.splice(kept.indexOf(page), 1);
  }
}

/** How many of the canvas's four edges a region runs along (over half of each). */
function edgesAlong(own: Uint8Array, w: number, h: number): number {
  const along = (at: (i: number) => number, n: number) => {
    let on = 0;
    for (let i = 0; i < n; i++) on += own[at(i)];
    return on > 0.5 * n;
  };
  return [along((x) => x, w), along((x) => (h - 1) * w + x, w), along((y) => y * w, h), along((y) => y * w + w - 1, h)].filter(Boolean).length;
}

/** A window's pixels: what a shape traced in it may reach, and the 8 px round that its edge is read from. */
interface Window extends Box {
  rgb: Uint8Array;
  exclude: Uint8Array;
}

/** The window round a box, grown by what traceShape (4 px) and edgeStep (3 px) reach beyond it. */
function windowOf(rgb: Uint8Array, exclude: Uint8Array, box: Box, w: number, h: number): Window {
  const pad = 12;
  const [x, y] = [Math.max(0, Math.floor(box.x) - pad), Math.max(0, Math.floor(box.y) - pad)];
  const [width, height] = [Math.min(w, Math.ceil(box.x + box.width) + pad) - x, Math.min(h, Math.ceil(box.y + box.height) + pad) - y];
  const out = { x, y, width, height, rgb: new Uint8Array(width * height * 3), exclude: new Uint8Array(width * height) };
  for (let row = 0; row < height; row++) {
    const from = (y + row) * w + x;
    out.rgb.set(rgb.subarray(from * 3, (from + width) * 3), row * width * 3);
    out.exclude.set(exclude.subarray(from, from + width), row * width);
  }
  return out;
}

/** A window's 0/1 mask set into a full-canvas one. */
function pasted(mask: Uint8Array, win: Box, w: number, h: number): Uint8Array {
  const out = new Uint8Array(w * h);
  for (let row = 0; row < win.height; row++) out.set(mask.subarray(row * win.width, (row + 1) * win.width), (win.y + row) * w + win.x);
  return out;
}

/** How many of the canvas's four edges a window's 0/1 mask touches at all. */
function edgesTouched(mask: Uint8Array, win: Box, w: number, h: number): number {
  const { width: ww, height: wh } = win;
  const row = (r: number) => mask.subarray(r * ww, (r + 1) * ww).some((v) => v === 1);
  const col = (c: number) => Array.from({ length: wh }, (_, r) => mask[r * ww + c]).some((v) => v === 1);
  return [win.y === 0 && row(0), win.y + wh === h && row(wh - 1), win.x === 0 && col(0), win.x + ww === w && col(ww - 1)].filter(Boolean).length;
}

/** The share of its bounding box a 0/1 mask fills. */
function boxFill(mask: Uint8Array, w: number, h: number): number {
  let [x0, y0, x1, y1, n] = [w, h, -1, -1, 0];
  for (let p = 0; p < w * h; p++) {
    if (!mask[p]) continue;
    const x = p % w;
    const y = (p - x) / w;
    x0 = Math.min(x0, x);
    y0 = Math.min(y0, y);
    x1 = Math.max(x1, x);
    y1 = Math.max(y1, y);
    n++;
  }
  return n ? n / ((x1 - x0 + 1) * (y1 - y0 + 1)) : 0;
}

/** How much of the smaller of two 0/1 masks the other covers: `a` a window's, `b` full-canvas. */
function overlapShare(a: Uint8Array, areaA: number, win: Box, b: Uint8Array, areaB: number, w: number): number {
  let both = 0;
  for (let row = 0; row < win.height; row++) {
    for (let col = 0; col < win.width; col++) both += a[row * win.width + col] & b[(win.y + row) * w + win.x + col];
  }
  return both / Math.max(1, Math.min(areaA, areaB));
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

/** The mean of the most common colour (16 levels a channel) among a region's thumbnail pixels. */
function dominantColor(thumb: Float32Array, labels: Int32Array, id: number): number[] {
  const bins = new Map<number, number[]>();
  for (let i = 0; i < labels.length; i++) {
    if (labels[i] !== id) continue;
    const key = (Math.floor(thumb[i * 3] / 16) << 8) | (Math.floor(thumb[i * 3 + 1] / 16) << 4) | Math.floor(thumb[i * 3 + 2] / 16);
    const bin = bins.get(key) ?? [0, 0, 0, 0];
    for (let c = 0; c < 3; c++) bin[c] += thumb[i * 3 + c];
    bin[3]++;
    bins.set(key, bin);
  }
  const top = [...bins.values()].reduce((a, b) => (b[3] > a[3] ? b : a));
  return top.slice(0, 3).map((v) => v / top[3]);
}

/** A quantile (0.5: the median) of the colour distances from `color` of the pixels 2-3 px outside a traced region, text aside. */
function edgeStep(rgb: Uint8Array, own: Uint8Array, color: number[], exclude: Uint8Array, w: number, h: number, quantile: number): number {
  const [outer, inner] = [dilate(own, w, h, 3), dilate(own, w, h, 1)];
  const steps: number[] = [];
  for (let p = 0; p < w * h; p++) if (outer[p] && !inner[p] && !exclude[p]) steps.push(dist(rgb, p * 3, color, 0));
  if (steps.length === 0) return 0;
  steps.sort((a, b) => a - b);
  return steps[Math.floor(steps.length * quantile)];
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

/**
 * A semi-transparent overlay's opacity and colour, from pairs of pixels just inside and just
 * outside its edge: inside = o * C + (1 - o) * outside, fitted by least squares with one o for
 * the three channels (robustly, since some pairs straddle an object instead). Null for a solid
 * shape, or where the background along the edge is too even to tell.
 */
export function overlayOf(rgb: Uint8Array, mask: Uint8Array, w: number, h: number, exclude: Uint8Array, maxRms = 10): { opacity: number; color: Rgb } | null {
  let pairs: Array<[number, number]> = [];
  const steps = [[1, 0], [-1, 0], [0, 1], [0, -1]];
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const p = y * w + x;
      // Only the edge pairs: the inside of a large panel is skipped cheaply.
      if (!mask[p] || (x > 0 && y > 0 && x < w - 1 && y < h - 1 && mask[p - 1] && mask[p + 1] && mask[p - w] && mask[p + w])) continue;
      for (const [dx, dy] of steps) {
        const [ix, iy, ox, oy] = [x - 2 * dx, y - 2 * dy, x + 3 * dx, y + 3 * dy];
        if (x + dx < 0 || y + dy < 0 || x + dx >= w || y + dy >= h || mask[(y + dy) * w + x + dx]) continue;
        if (ix < 0 || iy < 0 || ix >= w || iy >= h || ox < 0 || oy < 0 || ox >= w || oy >= h) continue;
        const [pin, pout] = [iy * w + ix, oy * w + ox];
        if (mask[pin] && !mask[pout] && !exclude[pin] && !exclude[pout]) pairs.push([pin * 3, pout * 3]);
      }
    }
  }
  const fit = () => {
    const mean = [0, 0, 0, 0, 0, 0];
    for (const [i, o] of pairs) {
      for (let c = 0; c < 3; c++) {
        mean[c] += rgb[i + c];
        mean[c + 3] += rgb[o + c];
      }
    }
    for (let c = 0; c < 6; c++) mean[c] /= pairs.length;
    let [cov, spread] = [0, 0];
    for (const [i, o] of pairs) {
      for (let c = 0; c < 3; c++) {
        cov += (rgb[o + c] - mean[c + 3]) * (rgb[i + c] - mean[c]);
        spread += (rgb[o + c] - mean[c + 3]) ** 2;
      }
    }
    const v = spread > 0 ? cov / spread : 0;
    const u = [0, 1, 2].map((c) => mean[c] - v * mean[c + 3]);
    const residual = ([i, o]: [number, number]) => Math.hypot(...[0, 1, 2].map((c) => rgb[i + c] - u[c] - v * rgb[o + c]));
    return { v, u, residual, outsideStd: Math.sqrt(spread / (3 * pairs.length)) };
  };
  if (pairs.length < 50) return null;
  const first = fit();
  const sorted = pairs.map(first.residual).sort((a, b) => a - b);
  const limit = Math.max(6, 2.5 * sorted[sorted.length >> 1]);
  pairs = pairs.filter((p) => first.residual(p) <= limit);
  if (pairs.length < 50) return null;
  const { v, u, residual, outsideStd } = fit();
  const rms = Math.sqrt(pairs.reduce((sum, p) => sum + residual(p) ** 2, 0) / pairs.length);
  const opacity = 1 - v;
  // The background along the edge must vary more than the fit misses by, or o is a guess.
  if (outsideStd < 3 || rms > Math.min(maxRms, 0.5 * outsideStd) || opacity > 0.92 || opacity < 0.15) return null;
  return { opacity, color: u.map((x) => Math.max(0, Math.min(255, Math.round(x / opacity)))) as Rgb };
}

/**
 * A shape continued behind what stands in front of it: a run of occluder pixels with the shape
 * on both sides, along a row or a column, is the shape's too (a rectangle behind a bottle stays
 * a rectangle, not a U).
 */
export function completeBehind(mask: Uint8Array, occluder: Uint8Array, w: number, h: number): Uint8Array {
  const out = mask.slice();
  const runs = (len: number, at: (k: number) => number) => {
    let start = -1;
    let afterShape = false;
    for (let k = 0; k < len; k++) {
      const i = at(k);
      if (mask[i]) {
        if (start >= 0) for (let j = start; j < k; j++) out[at(j)] = 1;
        [start, afterShape] = [-1, true];
      } else if (occluder[i] && (afterShape || start >= 0)) {
        if (start < 0) start = k;
        afterShape = false;
      } else [start, afterShape] = [-1, false];
    }
  };
  for (let y = 0; y < h; y++) runs(w, (k) => y * w + k);
  for (let x = 0; x < w; x++) runs(h, (k) => k * w + x);
  return out;
}
