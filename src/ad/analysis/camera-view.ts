import type { Box } from '../../vision/image.types';

/**
 * How high the camera stood above the product, from its cutout's shape alone. A round product's
 * base and rim are circles, and a circle seen from elevation θ is an ellipse sin θ as tall as
 * wide; the base is the silhouette's lowest outline and the rim (or lid) its highest. No pixel
 * inside is looked at, so white on white reads as well as black.
 */

export type CameraView = 'top-down' | 'three-quarter' | 'eye-level';
export const CAMERA_VIEWS: readonly CameraView[] = ['top-down', 'three-quarter', 'eye-level'];

export interface ViewEstimate {
  estimated: CameraView;
  /** 0..1 */
  confidence: number;
  /** One plain-English sentence a user can read, with the measured numbers, e.g. "the base curves like an ellipse 0.62 as tall as wide (camera about 38° above the product)". */
  why: string;
  /** Camera elevation above the product's base plane, degrees, when it could be measured. */
  elevationDeg: number | null;
}

/** From here up a tight product crop shows only table, no horizon; below 12° the rim is a sliver. */
const TOP_DOWN_FROM_DEG = 33;
const THREE_QUARTER_FROM_DEG = 12;
const PRODUCT = 128;
/** Columns sampled across the box: ratios good to about 1%, and milliseconds on 4k mattes. */
const MAX_COLUMNS = 240;
/** Narrower than this share of the product (a bottle's cap) a span is too few pixels to read. */
const MIN_SPAN_SHARE = 0.4;
/** A span may drop this share of its columns (a spoon, a handle's root) and still count; on a top, what stands on it may hide all but MIN_BARE_SHARE. */
const MIN_KEPT_SHARE = 0.9;
const MIN_BARE_SHARE = 0.4;
/** The tips (|u| > TIP) pin the half-width: a span inside the real ellipse fits its middle well, its tips badly. */
const TIP = 0.8;
const MIN_TIP_SHARE = 0.75;
/** Jumps in an outline tried as span ends; coarse spans then settled to the column. */
const JUMPS = 6;
const REFINED = 3;
/** More of an outline than this on the image border and the frame, not the product, drew it. */
const MAX_CUT_SHARE = 0.05;
/** Ratios this close differ by pixels alone and are averaged; within AGREEMENT (+10%) they still back each other. */
const NOISE = 0.03;
const AGREEMENT = 0.08;
/** Above this a curve is no circle seen from any height (a bottle's shoulders from the side). */
const MAX_RATIO = 1.1;
/** Spans within this factor of each other's width could be one circle; beyond it the wider wins. */
const SAME_WIDTH = 1.15;

/**
 * x: column centres; f: the outline per column, growing towards the bulge (down for the base, up
 * for the top), NaN where empty or on the border; cut: the share of columns on the border;
 * standsOn: a top, where things stand and rise above its circle (nothing stands under a base).
 */
interface Outline { x: Float64Array; f: Float64Array; cut: number; standsOn: boolean }

/** f = c + b·sqrt(1 - u²), u = (x - xc) / a; rms: the kept columns' distance from it, px; hidden: the share under things standing on it. */
interface HalfEllipse { xc: number; a: number; b: number; rms: number; tolerance: number; hidden: number; fits: boolean }

function readOutlines(matte: Uint8Array, width: number, height: number, box: Box): { base: Outline; top: Outline; step: number } | null {
  const [x0, y0] = [Math.max(0, Math.floor(box.x)), Math.max(0, Math.floor(box.y))];
  const [x1, y1] = [Math.min(width, Math.ceil(box.x + box.width)), Math.min(height, Math.ceil(box.y + box.height))];
  if (x1 - x0 < 8 || y1 - y0 < 4 || matte.length < width * height) return null;
  const step = Math.max(1, Math.ceil((x1 - x0) / MAX_COLUMNS));
  const n = Math.ceil((x1 - x0) / step);
  const base = { x: new Float64Array(n), f: new Float64Array(n).fill(NaN), cut: 0, standsOn: false };
  const top = { x: base.x, f: new Float64Array(n).fill(NaN), cut: 0, standsOn: true };
  let filled = 0;
  for (let i = 0, x = x0; i < n; i++, x += step) {
    base.x[i] = x + 0.5;
    let low = y1 - 1;
    while (low >= y0 && matte[low * width + x] < PRODUCT) low--;
    if (low < y0) continue;
    let high = y0;
    while (matte[high * width + x] < PRODUCT) high++;
    filled++;
    // Pixel edges, not centres: the outline lies on the far side of the last product pixel.
    if (low === height - 1) base.cut++;
    else base.f[i] = low + 1;
    if (high === 0) top.cut++;
    else top.f[i] = -high;
  }
  base.cut /= filled;
  top.cut /= filled;
  return filled < 8 ? null : { base, top, step };
}

/**
 * Distance of an outline point from the half-ellipse (r: its offset along the column, x: from the
 * middle, h: above the ends' line, w: 1 / (1 + slope²)). Near the tips the curve is nearly vertical
 * and the offset along the row counts; the chord between the two feet is close to the truth.
 */
function distanceOff(r: number, x: number, h: number, a: number, b: number, w: number): number {
  if (b <= 0) return Math.abs(r);
  const level = h / b;
  if (level > 1) return Math.abs(r) * Math.sqrt(w);
  if (level < 0) return Math.min(Math.abs(r), Math.sqrt((a - x) * (a - x) + h * h));
  const across = Math.abs(x - a * Math.sqrt(1 - level * level));
  return r === 0 || across === 0 ? 0 : (Math.abs(r) * across) / Math.sqrt(r * r + across * across);
}

/**
 * Whether the outline turns away past both tips, as where a half-ellipse really ends (the side,
 * a handle, a spoon), and does not hang on beyond the ends' line. A stretch from the middle of a
 * rounder ellipse fits a flatter one fairly well, but past its tips the outline carries on.
 */
function endsThere(o: Outline, from: number, to: number, step: number, fit: { a: number; b: number; c: number; slack: number }): boolean {
  const { a, b, c, slack } = fit;
  const reach = Math.max(2, Math.ceil((0.08 * a) / step));
  const stride = Math.max(3, Math.ceil((0.15 * a) / step));
  for (const [tip, dir] of [[from, -1], [to, 1]]) {
    let [seen, beyond] = [0, 0];
    for (let k = 1, i = tip + dir; k <= reach && i >= 0 && i < o.f.length; k++, i += dir) {
      if (!Number.isNaN(o.f[i])) [seen, beyond] = [seen + 1, beyond + (o.f[i] > c + slack ? 1 : 0)];
    }
    if (beyond > 0.3 * seen) return false;
    const outer = tip + stride * dir;
    if (b < 0.1 * a || outer < 0 || outer >= o.f.length) continue;
    const [before, after] = [o.f[tip] - o.f[tip - stride * dir], o.f[outer] - o.f[tip]];
    const jump = Math.abs(o.f[tip + dir] - o.f[tip]) > Math.max(2, 0.5 * Math.abs(after));
    if (before < -1.5 && after <= 0.4 * before && after >= 2.5 * before && !jump) return false;
  }
  return true;
}

/**
 * Least squares over columns from..to, weighted by 1 / (1 + slope²) so the steep tips do not swamp
 * it, each round dropping columns far off the last curve. On a top, columns above it (food, a cup
 * on a saucer, a neck) drop for free, and alone in the first rounds: the fit must sink to the rim.
 */
function fitSpan(o: Outline, from: number, to: number, step: number): HalfEllipse {
  const [xc, a] = [(o.x[from] + o.x[to]) / 2, (o.x[to] - o.x[from] + step) / 2];
  const tolerance = 0.6 + 0.01 * a;
  const failed = { xc, a, b: 0, rms: Infinity, tolerance, hidden: 1, fits: false };
  let [c, b, first] = [0, 0, 0];
  // A top starts low: the ends' line through the tips, and a bulge most columns reach.
  if (o.standsOn) {
    c = (o.f[from] + o.f[to]) / 2;
    const bulges: number[] = [];
    for (let i = from; i <= to; i++) {
      const g = Math.sqrt(Math.max(0, 1 - ((o.x[i] - xc) / a) ** 2));
      if (g >= 0.3 && !Number.isNaN(o.f[i])) bulges.push((o.f[i] - c) / g);
    }
    if (bulges.length < 5) return failed;
    [b, first] = [bulges.sort((p, q) => p - q)[Math.floor(bulges.length * 0.3)], 1];
  }
  for (let pass = first; pass < 6; pass++) {
    const peeling = o.standsOn && pass < 3;
    let s = 0, sg = 0, sgg = 0, sf = 0, sgf = 0, squares = 0, total = 0, kept = 0, raised = 0;
    let leftTip = 0, leftKept = 0, rightTip = 0, rightKept = 0;
    for (let i = from; i <= to; i++, total++) {
      const u = (o.x[i] - xc) / a;
      const f = o.f[i];
      if (u < -TIP) leftTip++;
      if (u > TIP) rightTip++;
      if (Number.isNaN(f)) continue;
      const g = Math.sqrt(1 - u * u);
      let w = 1;
      if (pass > 0) {
        const slope = ((b / a) * u) / g;
        w = 1 / (1 + slope * slope);
        const r = f - c - b * g;
        const d = distanceOff(r, Math.abs(u) * a, f - c, a, b, w);
        if (d * d > 4 * tolerance * tolerance && (r > 0 || !peeling)) {
          if (o.standsOn && r > 0) raised++;
          continue;
        }
        squares += d * d;
      }
      kept++;
      if (u < -TIP) leftKept++;
      else if (u > TIP) rightKept++;
      s += w; sg += w * g; sgg += w * g * g; sf += w * f; sgf += w * g * f;
    }
    const det = s * sgg - sg * sg;
    // Too little left on the curve after two rounds of dropping: no later round brings it back.
    if (kept < 5 || det <= 1e-9 || (pass >= 2 && kept < MIN_BARE_SHARE * total)) return failed;
    if (pass === 5) {
      const rms = Math.sqrt(squares / kept);
      const tips = leftKept >= MIN_TIP_SHARE * leftTip && rightKept >= MIN_TIP_SHARE * rightTip && leftTip > 0 && rightTip > 0;
      // A circle seen from any height is at most as tall as wide, and bulges the outline's own way.
      const circle = b <= MAX_RATIO * a && b >= -2 * tolerance;
      const fits = circle && tips && rms <= tolerance && kept >= MIN_KEPT_SHARE * (total - raised) && kept >= MIN_BARE_SHARE * total &&
        endsThere(o, from, to, step, { a, b, c, slack: Math.max(2 * tolerance, 0.1 * b) });
      return { xc, a, b, rms, tolerance, hidden: raised / total, fits };
    }
    c = (sgg * sf - sg * sgf) / det;
    b = (s * sgf - sg * sf) / det;
  }
  return failed;
}

/** Wide and clean: a sloppy fit must be wider to beat a clean one (a footed plate's base is a trapezoid). */
const score = (fit: HalfEllipse) => fit.a * (1 - (0.5 * fit.rms) / fit.tolerance) ** 2;

/**
 * The span that best reads as a half-ellipse, ends tried on a coarse grid and either side of the
 * biggest jumps (a handle's root, a cup on its saucer), where the grid lands a few columns off and
 * the tips fit badly. The best few are settled to the column one end at a time (they barely interact).
 */
function bestHalfEllipse(o: Outline, step: number): HalfEllipse | null {
  const n = o.x.length;
  const [grid, minSpan] = [Math.max(1, Math.round(n / 24)), Math.ceil(MIN_SPAN_SHARE * n)];
  const ends = new Set<number>([n - 1]);
  for (let i = 0; i < n; i += grid) ends.add(i);
  const jumps: Array<[number, number]> = [];
  for (let i = 1; i < n; i++) {
    if (Number.isNaN(o.f[i]) !== Number.isNaN(o.f[i - 1])) ends.add(Number.isNaN(o.f[i]) ? i - 1 : i);
    else if (!Number.isNaN(o.f[i])) jumps.push([Math.abs(o.f[i] - o.f[i - 1]), i]);
  }
  for (const [, i] of jumps.sort((p, q) => q[0] - p[0]).slice(0, JUMPS)) ends.add(i - 1).add(i);
  const fitted: Array<{ fit: HalfEllipse; from: number; to: number }> = [];
  for (const from of ends) {
    if (from > 0.65 * n || Number.isNaN(o.f[from])) continue;
    for (const to of ends) {
      if (to < 0.35 * n || to - from < minSpan || Number.isNaN(o.f[to])) continue;
      // Both tips sit on the ends' line, give or take how steeply the curve meets it in a column.
      if (Math.abs(o.f[to] - o.f[from]) > 2 * Math.sqrt(step * (o.x[to] - o.x[from] + step)) + 2) continue;
      const fit = fitSpan(o, from, to, step);
      if (fit.fits) fitted.push({ fit, from, to });
    }
  }
  fitted.sort((p, q) => score(q.fit) - score(p.fit));
  let best: HalfEllipse | null = fitted[0]?.fit ?? null;
  const reach = Math.ceil(grid / 2);
  for (let { from, to } of fitted.slice(0, REFINED)) {
    for (let round = 0; round < 4 && grid > 1; round++) {
      const centre = round % 2 === 0 ? from : to;
      for (let k = Math.max(0, centre - reach); k <= Math.min(n - 1, centre + reach); k++) {
        const [l, r] = round % 2 === 0 ? [k, to] : [from, k];
        if (r - l < minSpan || Number.isNaN(o.f[l]) || Number.isNaN(o.f[r])) continue;
        const fit = fitSpan(o, l, r, step);
        if (fit.fits && score(fit) > score(best!)) [best, from, to] = [fit, l, r];
      }
    }
  }
  return best;
}

/** What was read (one outline, both, or both as one ellipse), which outline lost, the worse fit used, and how far the outlines back each other. */
interface Reading { ratio: number; subject: 'base' | 'top' | 'both' | 'ellipse'; overruled: 'base' | 'top' | null; fit: HalfEllipse; evidence: number }

const ratioOf = (fit: HalfEllipse) => Math.min(1, Math.max(0, fit.b / fit.a));

/**
 * One ratio from base and top. When they disagree the wider is the product's own circle (a
 * narrower top stands on it, a narrower base is a foot or a stretch with a spoon over its ends);
 * of two as wide, the flatter (a bowl's belly rounds the bottom, food or a dome the top).
 */
function combine(base: HalfEllipse | null, top: HalfEllipse | null, box: Box): Reading {
  if (!base || !top) return { ratio: ratioOf((base ?? top)!), subject: base ? 'base' : 'top', overruled: null, fit: (base ?? top)!, evidence: 0.9 };
  const [rb, rt] = [ratioOf(base), ratioOf(top)];
  if (Math.abs(rb - rt) <= NOISE) {
    const ratio = (rb * base.a + rt * top.a) / (base.a + top.a);
    const fit = base.rms / base.tolerance > top.rms / top.tolerance ? base : top;
    // The same ellipse above and below with no body between: a plate or a saucer from above.
    const oneEllipse = Math.abs(base.xc - top.xc) < 0.05 * base.a && Math.abs(base.a - top.a) < 0.06 * base.a && box.height < 2.3 * ratio * base.a + 4;
    return { ratio, subject: oneEllipse ? 'ellipse' : 'both', overruled: null, fit, evidence: oneEllipse ? 1.05 : 1 };
  }
  const evidence = Math.abs(rb - rt) <= AGREEMENT + 0.1 * Math.max(rb, rt) ? 0.95 : 0.8;
  if (top.a > SAME_WIDTH * base.a || (base.a <= SAME_WIDTH * top.a && rt < rb)) return { ratio: rt, subject: 'top', overruled: 'base', fit: top, evidence };
  return { ratio: rb, subject: 'base', overruled: 'top', fit: base, evidence };
}

function describe({ ratio, subject }: Reading): string {
  const r = ratio.toFixed(2);
  const flat = ratio < 0.05;
  const one = subject === 'base' ? 'the base' : 'the top edge';
  if (subject === 'ellipse') return `the outline is a nearly full ellipse ${r} as tall as wide`;
  if (subject === 'both') return flat ? `the base and the top edge are nearly straight lines, ellipses only ${r} as tall as wide` : `the base and the top edge both curve like an ellipse about ${r} as tall as wide`;
  return flat ? `${one} is a nearly straight line, an ellipse only ${r} as tall as wide` : `${one} curves like an ellipse ${r} as tall as wide`;
}

/** 0.45 on a class boundary (barely better than the class next door), 1 from 8° inside it. */
function marginScore(deg: number, view: CameraView): number {
  const up = deg - THREE_QUARTER_FROM_DEG;
  const margin = view === 'eye-level' ? -up : view === 'top-down' ? deg - TOP_DOWN_FROM_DEG : Math.min(up, TOP_DOWN_FROM_DEG - deg);
  return 0.45 + 0.55 * Math.min(1, Math.max(0, margin / 8));
}

const assumeEyeLevel = (why: string, confidence: number): ViewEstimate => ({ estimated: 'eye-level', confidence, why: `${why}; assuming eye level`, elevationDeg: null });

/** Camera elevation from a product's matte (one byte per pixel, >= 128 is product) and the product's box in it. */
export function estimateView(matte: Uint8Array, width: number, height: number, box: Box): ViewEstimate {
  const outlines = readOutlines(matte, width, height, box);
  if (!outlines) return assumeEyeLevel('the matte holds no product outline to read', 0.1);
  const [baseCut, topCut] = [outlines.base.cut > MAX_CUT_SHARE, outlines.top.cut > MAX_CUT_SHARE];
  const base = baseCut ? null : bestHalfEllipse(outlines.base, outlines.step);
  const top = topCut ? null : bestHalfEllipse(outlines.top, outlines.step);
  if (!base && !top) {
    if (baseCut) return assumeEyeLevel('the base is cut off by the frame and the top is no clean ellipse', 0.2);
    return assumeEyeLevel('no round rim or base to read', 0.3);
  }
  const reading = combine(base, top, box);
  const deg = (Math.asin(reading.ratio) * 180) / Math.PI;
  const estimated: CameraView = deg >= TOP_DOWN_FROM_DEG ? 'top-down' : deg >= THREE_QUARTER_FROM_DEG ? 'three-quarter' : 'eye-level';
  let why = `${describe(reading)} (camera about ${Math.round(deg)}° above the product)`;
  if (reading.overruled === 'base') why += `; the base reads ${ratioOf(base!).toFixed(2)} but is a foot or a belly, not the rim's circle`;
  if (reading.overruled === 'top') why += `; the top edge reads ${ratioOf(top!).toFixed(2)} but is not the circle the product stands on`;
  if (baseCut) why += '; the base is cut off by the frame';
  else if (topCut) why += '; the top is cut off by the frame';
  // A product cut by the frame's side may have lost the ellipse's true ends.
  const sideCut = box.x <= 0 || box.x + box.width >= width;
  // The less of the circle shows (food over a plate's rim, a neck over shoulders), the less sure.
  const fitScore = (1 - 0.4 * Math.min(1, reading.fit.rms / reading.fit.tolerance)) * (1 - 0.6 * reading.fit.hidden);
  const framed = (baseCut || topCut ? 0.85 : 1) * (sideCut ? 0.8 : 1);
  const confidence = Math.min(1, marginScore(deg, estimated) * fitScore * reading.evidence * framed);
  return { estimated, confidence: Math.round(confidence * 100) / 100, why, elevationDeg: Math.round(deg * 10) / 10 };
}
