import type { Box, Rgb } from '../vision/image.types';
import { cardCoverage } from './card-detection';
import { dist } from './ink-separation';
import { type FoundShape, overlayOf } from './shape-detection';

/** Sides are looked for on a thumbnail this long. */
const WORK_SIDE = 512;
/** A side steps at least this much (mean RGB distance across two rows of the thumbnail)... */
const SIDE_STEP = 10;
/** ...along a run at least this share of the canvas's side, broken by no more than SIDE_GAP of it. */
const SIDE_LENGTH = 0.12;
const SIDE_GAP = 0.04;
/** The share of a side's straight part that must step at full resolution. */
const SIDE_EVIDENCE = 0.8;
/** Corners rounder than this share of the canvas's short side are not looked for. */
const MAX_RADIUS = 0.08;
/** A solid panel's inside is this share its own colour (text aside; what stands on it is not). */
const SOLID_SHARE = 0.85;
/** Rectangles tried at most, the clearest first. */
const MAX_TRIED = 24;
/** On the thumbnail the pixels paired across an edge lie further apart: the overlay fit misses by more. */
const THUMB_RMS = 16;

interface Side {
  /** Row (a top or bottom side) or column (left or right) the step lies before, in thumbnail pixels. */
  at: number;
  from: number;
  to: number;
  /** The canvas's own edge: a panel may run off the poster there. */
  canvas?: boolean;
}

interface Rect {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
  radius: number;
  /** How many of its sides are drawn (not the canvas edge). */
  drawn: number;
  /** The least share of a side's straight part that steps (refine). */
  evidence: number;
}

/**
 * Panels the colour clustering cannot see: rectangles over a photograph, translucent (a white
 * card at 80% the photo shows through) or solid and cut by what the photo holds near their
 * colour (a dark bar under a dark photo). Found by their sides, long straight steps on a
 * thumbnail, paired into rectangles (a canvas edge may be a side: bars and side panels run off
 * the poster), then kept only where every drawn side steps at full resolution and the inside is
 * one colour or the outside seen through one colour at one opacity. `shapes` already found are
 * not found again; `exclude` (text) is no evidence either way.
 */
export function findPanels(rgb: Uint8Array, w: number, h: number, exclude: Uint8Array, shapes: FoundShape[]): FoundShape[] {
  const f = Math.max(1, Math.max(w, h) / WORK_SIDE);
  const [tw, th] = [Math.max(8, Math.round(w / f)), Math.max(8, Math.round(h / f))];
  const thumb = shrink(rgb, w, h, tw, th);
  const rows = sides(thumb, tw, th, true);
  const cols = sides(thumb, tw, th, false);
  const small = Uint8Array.from(thumb, (v) => Math.round(v));
  const smallExclude = shrinkMask(exclude, w, h, tw, th);
  const found: FoundShape[] = [];
  // Most pairs of straight lines in a photograph frame no panel: the thumbnail says so cheaply,
  // and the rectangles whose sides step most clearly are tried first (a wood grain's are many).
  const candidates = rectangles(rows, cols, tw, th)
    .flatMap((rect) => refine(small, tw, th, smallExclude, rect, 1) ?? [])
    .sort((a, b) => b.evidence - a.evidence)
    .slice(0, MAX_TRIED);
  // Of rectangles that overlap, the one drawn on more sides is the panel (a canvas edge taken
  // for a side would add the photo beyond the panel's own side).
  const chosen: Rect[] = [];
  for (const rect of candidates.filter((r) => panelOf(small, roundedRect(r, tw, th), tw, th, smallExclude, THUMB_RMS)).sort((a, b) => b.drawn - a.drawn || b.evidence - a.evidence)) {
    if (!chosen.some((c) => rectIou(c, rect) > 0.5)) chosen.push(rect);
  }
  for (const rect of chosen) {
    const full = refine(rgb, w, h, exclude, { ...rect, x0: rect.x0 * (w / tw), y0: rect.y0 * (h / th), x1: rect.x1 * (w / tw), y1: rect.y1 * (h / th), radius: rect.radius * f }, f);
    if (!full) continue;
    const mask = roundedRect(full, w, h);
    const box = { x: full.x0, y: full.y0, width: full.x1 - full.x0, height: full.y1 - full.y0 };
    if (alreadyFound(box, mask, [...shapes, ...found], w, h)) continue;
    const shape = panelOf(rgb, mask, w, h, exclude);
    if (shape) found.push(shape);
  }
  return found;
}

/**
 * Whether a rectangle is a shape already found, or the page beside one: another shape covers
 * most of it (a small one inside it is in front of it), or its drawn sides are another shape's
 * edge (the page above a coupon, from the coupon's top to the canvas edge).
 */
function alreadyFound(rect: Box, mask: Uint8Array, shapes: FoundShape[], w: number, h: number): boolean {
  const area = mask.reduce((n, v) => n + v, 0);
  return shapes.some((s) => s.mask.reduce((n, v, p) => n + (v & mask[p]), 0) > 0.5 * area) || besideOthers(rect, shapes.map((s) => s.mask), w, h);
}

/**
 * Whether most of the ring 2-6 px outside a panel's drawn sides (the canvas edge has none) lies
 * on `others`: its sides are their edges, and it is the page beside them.
 */
function besideOthers(rect: Box, others: Uint8Array[], w: number, h: number): boolean {
  const [x1, y1] = [rect.x + rect.width, rect.y + rect.height];
  let [ring, onOthers] = [0, 0];
  for (let y = Math.max(0, rect.y - 6); y < Math.min(h, y1 + 6); y++) {
    for (let x = Math.max(0, rect.x - 6); x < Math.min(w, x1 + 6); x++) {
      if (Math.max(rect.x - x, x + 1 - x1, rect.y - y, y + 1 - y1) < 2) continue;
      const p = y * w + x;
      ring++;
      if (others.some((m) => m[p])) onOthers++;
    }
  }
  return ring > 0 && onOthers >= 0.5 * ring;
}

function rectIou(a: Rect, b: Rect): number {
  const both = Math.max(0, Math.min(a.x1, b.x1) - Math.max(a.x0, b.x0)) * Math.max(0, Math.min(a.y1, b.y1) - Math.max(a.y0, b.y0));
  return both / ((a.x1 - a.x0) * (a.y1 - a.y0) + (b.x1 - b.x0) * (b.y1 - b.y0) - both);
}

/** A rectangle's 0/1 mask, its corners rounded. */
function roundedRect(r: Rect, w: number, h: number): Uint8Array {
  const box = { x: Math.round(r.x0), y: Math.round(r.y0), width: Math.round(r.x1) - Math.round(r.x0), height: Math.round(r.y1) - Math.round(r.y0) };
  return cardCoverage({ box, radius: Math.round(r.radius), shadow: 0 }, w, h).map((a) => (a >= 128 ? 1 : 0));
}

/** 1 where any pixel of the thumbnail's cell is set. */
function shrinkMask(mask: Uint8Array, w: number, h: number, tw: number, th: number): Uint8Array {
  const out = new Uint8Array(tw * th);
  for (let y = 0; y < h; y++) {
    const ty = Math.min(th - 1, Math.floor((y * th) / h));
    for (let x = 0; x < w; x++) if (mask[y * w + x]) out[ty * tw + Math.min(tw - 1, Math.floor((x * tw) / w))] = 1;
  }
  return out;
}

/** Box-averaged thumbnail, RGB float. */
function shrink(rgb: Uint8Array, w: number, h: number, tw: number, th: number): Float32Array {
  const out = new Float32Array(tw * th * 3);
  const counts = new Float32Array(tw * th);
  for (let y = 0; y < h; y++) {
    const ty = Math.min(th - 1, Math.floor((y * th) / h));
    for (let x = 0; x < w; x++) {
      const t = ty * tw + Math.min(tw - 1, Math.floor((x * tw) / w));
      for (let c = 0; c < 3; c++) out[t * 3 + c] += rgb[(y * w + x) * 3 + c];
      counts[t]++;
    }
  }
  for (let t = 0; t < tw * th; t++) for (let c = 0; c < 3; c++) out[t * 3 + c] /= counts[t];
  return out;
}

/**
 * Long straight steps along rows (`horizontal`) or columns: at each position the step between
 * the two rows before and the two after, kept where it peaks across the side (one row per
 * edge), in runs SIDE_LENGTH long that text or an object may break for SIDE_GAP.
 */
function sides(thumb: Float32Array, tw: number, th: number, horizontal: boolean): Side[] {
  const [along, across] = horizontal ? [tw, th] : [th, tw];
  const px = (i: number, j: number) => (horizontal ? j * tw + i : i * tw + j) * 3;
  const step = (i: number, j: number) => {
    if (j < 2 || j > across - 2) return 0;
    let sum = 0;
    for (let c = 0; c < 3; c++) sum += (thumb[px(i, j) + c] + thumb[px(i, j + 1 < across ? j + 1 : j) + c] - thumb[px(i, j - 1) + c] - thumb[px(i, j - 2) + c]) ** 2;
    return Math.sqrt(sum) / 2;
  };
  const [minLength, maxGap] = [Math.round(SIDE_LENGTH * along), Math.max(2, Math.round(SIDE_GAP * along))];
  // An edge half way between two thumbnail rows peaks on either, by the photo's noise: a side
  // is looked for in each pair of rows, and the pairs that overlap it give way to it below.
  const peaks = (i: number, j: number) => {
    const s = step(i, j);
    return s >= SIDE_STEP && s >= step(i, j - 1) && s > step(i, j + 1);
  };
  const found: Side[] = [];
  for (let j = 2; j < across - 2; j++) {
    // Unbroken pieces first (a stray peak is no piece), then pieces chained across short gaps.
    const pieces: Array<[number, number]> = [];
    for (let i = 0; i < along; i++) {
      if (!peaks(i, j) && !peaks(i, j + 1)) continue;
      const last = pieces[pieces.length - 1];
      if (last && i - last[1] <= 2) last[1] = i + 1;
      else pieces.push([i, i + 1]);
    }
    let chain: [number, number, number] | null = null;
    const close = () => {
      if (chain && chain[1] - chain[0] >= minLength && chain[2] >= 0.7 * (chain[1] - chain[0])) found.push({ at: j, from: chain[0], to: chain[1] });
      chain = null;
    };
    for (const [from, to] of pieces.filter(([a, b]) => b - a >= 3)) {
      if (chain && from - chain[1] > maxGap) close();
      chain = chain ? [chain[0], to, chain[2] + to - from] : [from, to, to - from];
    }
    close();
  }
  const covered = (a: Side, b: Side) => Math.abs(a.at - b.at) <= 1 && Math.min(a.to, b.to) - Math.max(a.from, b.from) > 0.5 * (a.to - a.from);
  return found.filter((a) => !found.some((b) => b !== a && covered(a, b) && (b.to - b.from > a.to - a.from || (b.to - b.from === a.to - a.from && b.at < a.at))));
}

/**
 * Rectangles two sides face each other across (rows: a top and a bottom; columns: a left and a
 * right, or either with a canvas edge), closed by the other two where their ends are: a side of
 * the other direction near each end, or the canvas edge the pair runs to. A rounded corner
 * shortens the sides: how far they stop short of each other is the radius.
 */
function rectangles(rows: Side[], cols: Side[], tw: number, th: number): Rect[] {
  const out: Rect[] = [];
  const reach = Math.max(2, Math.round(MAX_RADIUS * Math.min(tw, th)));
  const tol = 2;
  const pairs = (list: Side[], span: number, extent: number) => {
    const all = [{ at: 0, from: 0, to: extent, canvas: true }, ...list, { at: span, from: 0, to: extent, canvas: true }];
    const result: Array<[Side, Side]> = [];
    for (const a of all) {
      for (const b of all) {
        if (b.at - a.at < 0.05 * span || (a.canvas && b.canvas)) continue;
        const overlap = Math.min(a.to, b.to) - Math.max(a.from, b.from);
        if (overlap >= 0.7 * Math.max(a.canvas ? 0 : a.to - a.from, b.canvas ? 0 : b.to - b.from)) result.push([a, b]);
      }
    }
    return result;
  };
  const crossed = (list: Side[], first: number, last: number, from: number, to: number) =>
    list.some((s) => s.at > first + tol && s.at < last - tol && Math.min(s.to, to) - Math.max(s.from, from) >= 0.8 * (to - from));
  /**
   * The sides that may close the pair near `ends` of its extent: a side of the other direction
   * within a corner's reach either way (the pair's runs may stop short at a rounded corner or run
   * on a little along an edge in the photo), or the canvas edge: reached when the pair runs to
   * it, `assumed` when it only ends near it (a side fading over a page its own colour there).
   */
  const closing = (other: Side[], ends: number[], edge: number, lo: number, hi: number): Array<{ at: number; assumed?: boolean }> => {
    const [first, last] = [Math.min(...ends) - reach, Math.max(...ends) + reach];
    const near = other.filter((s) => s.at >= first && s.at <= last && Math.min(s.to, hi) - Math.max(s.from, lo) >= 0.5 * (hi - lo - 2 * reach)).map((s) => ({ at: s.at }));
    if (ends.some((end) => Math.abs(end - edge) <= tol)) return [...near, { at: edge }];
    return ends.some((end) => Math.abs(end - edge) <= 0.25 * Math.max(tw, th)) ? [...near, { at: edge, assumed: true }] : near;
  };
  for (const horizontal of [true, false]) {
    const [mine, other, span, extent] = horizontal ? [rows, cols, th, tw] : [cols, rows, tw, th];
    for (const [a, b] of pairs(mine, span, extent)) {
      const drawn = [a, b].filter((s) => !s.canvas);
      const [froms, tos] = [drawn.map((s) => s.from), drawn.map((s) => s.to)];
      for (const { at: lo, assumed: loAssumed } of closing(other, froms, 0, a.at, b.at)) {
        for (const { at: hi, assumed: hiAssumed } of closing(other, tos, extent, a.at, b.at)) {
          // Sides that reach neither canvas edge they are closed by are the edges of something
          // else (a divider, a card's top) with the page beyond: a panel runs to at least one.
          if (hi - lo < 0.05 * extent || (loAssumed && hiAssumed)) continue;
          const radius = Math.max(0, Math.min(Math.max(...froms) - lo, hi - Math.min(...tos), reach));
          const rect = horizontal ? { x0: lo, x1: hi, y0: a.at, y1: b.at } : { x0: a.at, x1: b.at, y0: lo, y1: hi };
          if (rect.x1 - rect.x0 >= tw - tol && rect.y1 - rect.y0 >= th - tol) continue;
          // A side running right across the inside is where the panel ends (taking the canvas
          // edge for a side instead would add the strip of photo beyond it).
          if (crossed(mine, a.at, b.at, lo, hi) || crossed(other, lo, hi, a.at, b.at)) continue;
          const sides = [rect.x0 > 0, rect.y0 > 0, rect.x1 < tw, rect.y1 < th].filter(Boolean).length;
          if (!out.some((r) => Math.abs(r.x0 - rect.x0) + Math.abs(r.x1 - rect.x1) + Math.abs(r.y0 - rect.y0) + Math.abs(r.y1 - rect.y1) <= 4 * tol)) out.push({ ...rect, radius, drawn: sides, evidence: 0 });
        }
      }
    }
  }
  return out;
}

/**
 * A rectangle at full resolution: each drawn side moved to the row (column) within a thumbnail
 * pixel where the step along its straight part is largest, and kept only when SIDE_EVIDENCE of
 * that part steps at all. Sides on the canvas edge stay there.
 */
function refine(rgb: Uint8Array, w: number, h: number, exclude: Uint8Array, r: Rect, f: number): Rect | null {
  const out = { ...r };
  const reach = Math.ceil(f) + 1;
  const sideAt = (horizontal: boolean, at: number, from: number, to: number) => {
    const [limit, along] = horizontal ? [h, w] : [w, h];
    if (at <= 0.5 || at >= limit - 0.5) return { at: Math.round(at), share: 1 };
    let best = { at: Math.round(at), share: 0, mean: -1 };
    for (let k = Math.round(at) - reach; k <= Math.round(at) + reach; k++) {
      if (k < 3 || k > limit - 3) continue;
      let [sum, on, n] = [0, 0, 0];
      for (let i = Math.max(0, Math.round(from)); i < Math.min(along, Math.round(to)); i++) {
        const [inner, outer] = horizontal ? [k * w + i, (k - 2) * w + i] : [i * w + k, i * w + k - 2];
        const [a, b] = horizontal ? [(k + 1) * w + i, (k - 1) * w + i] : [i * w + k + 1, i * w + k - 1];
        if (exclude[inner] || exclude[outer]) continue;
        const step = Math.max(dist(rgb, inner * 3, rgb, outer * 3), dist(rgb, a * 3, rgb, b * 3));
        sum += step;
        n++;
        if (step >= SIDE_STEP) on++;
      }
      if (n > 0 && sum / n > best.mean) best = { at: k, share: on / n, mean: sum / n };
    }
    return best;
  };
  const pad = r.radius + 2;
  const top = sideAt(true, r.y0, r.x0 + pad, r.x1 - pad);
  const bottom = sideAt(true, r.y1, r.x0 + pad, r.x1 - pad);
  const left = sideAt(false, r.x0, r.y0 + pad, r.y1 - pad);
  const right = sideAt(false, r.x1, r.y0 + pad, r.y1 - pad);
  const evidence = Math.min(top.share, bottom.share, left.share, right.share);
  if (evidence < SIDE_EVIDENCE) return null;
  [out.y0, out.y1, out.x0, out.x1, out.evidence] = [top.at, bottom.at, left.at, right.at, evidence];
  return out;
}

/**
 * The panel's colour and opacity: the outside seen through one colour at one opacity (fitted
 * along its edge), or one colour inside. Anything else (a photograph framed by straight lines)
 * is not a panel.
 */
function panelOf(rgb: Uint8Array, mask: Uint8Array, w: number, h: number, exclude: Uint8Array, maxRms?: number): FoundShape | null {
  const overlay = overlayOf(rgb, mask, w, h, exclude, maxRms);
  if (overlay) return { mask, own: mask, color: overlay.color, opacity: overlay.opacity };
  // Solid: the median of each channel (by histogram), then how much of the inside is near it.
  const histograms = [new Uint32Array(256), new Uint32Array(256), new Uint32Array(256)];
  let n = 0;
  for (let p = 0; p < w * h; p++) {
    if (!mask[p] || exclude[p]) continue;
    for (let c = 0; c < 3; c++) histograms[c][rgb[p * 3 + c]]++;
    n++;
  }
  if (n === 0) return null;
  const color = histograms.map((hist) => {
    let [v, seen] = [0, hist[0]];
    while (seen <= n / 2) seen += hist[++v];
    return v;
  }) as Rgb;
  const own = new Uint8Array(w * h);
  let near = 0;
  for (let p = 0; p < w * h; p++) {
    if (!mask[p] || dist(rgb, p * 3, color, 0) >= 24) continue;
    own[p] = 1;
    near += exclude[p] ? 0 : 1;
  }
  if (near < SOLID_SHARE * n) return null;
  return { mask, own, color, opacity: 1 };
}
