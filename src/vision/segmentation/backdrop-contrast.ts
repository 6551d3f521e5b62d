/**
 * A second look for products nearly the colour of a plain backdrop (a white mug on a white sweep,
 * a black one on black). ISNet was trained on photos of ordinary contrast: there it keeps the
 * mug's body and answers its handle, a few grey levels off the backdrop, with a faint 20-40%
 * that the refinement then clears. Shown a copy in which every pixel's difference from the
 * backdrop is stretched several times (around mid grey, so light and dark products alike stand
 * out), it outlines the whole mug and still leaves the floor shadow out.
 *
 * Pure functions on interleaved 8-bit RGB (no I/O). The backdrop is a smooth surface fitted to the
 * photo's border: only a plain backdrop (a studio sweep, a wall) can be subtracted, and a
 * textured one (wood, a room) already gives the model contrast to work with.
 */

/** Share of the shorter side taken as the border band the backdrop is fitted to. */
const BAND = 0.03;
/** Residual RMS (8-bit levels) under which the border counts as one smooth backdrop. */
const PLAIN_RMS = 5;
/** Share of the border band that must follow the surface (the rest: a subject cut by the frame). */
const PLAIN_SHARE = 0.7;
/** A subject whose 90th-percentile difference from the backdrop is under this many levels is stretched. */
export const LOW_CONTRAST = 40;
/** The stretch brings that percentile to this many levels from mid grey, by at most MAX_GAIN. */
const TARGET = 100;
const MAX_GAIN = 8;

/** Per channel, the six coefficients of c0 + c1 u + c2 v + c3 u^2 + c4 uv + c5 v^2 over u, v in [0, 1]. */
export type BackdropSurface = [Float64Array, Float64Array, Float64Array];

/** A plain backdrop: its surface, and the residual RMS of the fit in levels (its grain). */
export interface PlainBackdrop {
  surface: BackdropSurface;
  rms: number;
}

export interface ContrastBoost {
  /** The stretched copy: 128 + gain * (pixel - backdrop), per channel. */
  image: Uint8Array;
  gain: number;
  /** The subject's 90th-percentile difference from the backdrop, in 8-bit levels. */
  contrast: number;
}

/**
 * The stretched copy of a low-contrast photo on a plain backdrop, or null when the photo is not
 * one (textured or busy border, or a subject that already stands out).
 */
export function lowContrastBoost(rgb: Uint8Array, w: number, h: number): ContrastBoost | null {
  const surface = fitPlainBackdrop(rgb, w, h)?.surface;
  if (!surface) return null;
  const contrast = subjectContrast(rgb, w, h, surface);
  if (contrast === null || contrast >= LOW_CONTRAST) return null;
  const gain = Math.min(MAX_GAIN, TARGET / Math.max(contrast, 1));
  return { image: stretch(rgb, w, h, surface, gain), gain, contrast };
}

/**
 * Least-squares quadratic surface per channel through the border band, refitted once without
 * the pixels it explains worst (where a subject cut by the frame crosses the band), with the
 * residual RMS of that refit in levels (the backdrop's grain). Null when the band is not one
 * smooth surface.
 */
export function fitPlainBackdrop(rgb: Uint8Array, w: number, h: number): PlainBackdrop | null {
  const band = Math.max(2, Math.round(Math.min(w, h) * BAND));
  // Every other pixel each way: six coefficients need far fewer than the band's 10^5 pixels.
  const pixels: number[] = [];
  for (let y = 0; y < h; y += 2) {
    const inRows = y < band || y >= h - band;
    for (let x = 0; x < w; x += 2) if (inRows || x < band || x >= w - band) pixels.push(y * w + x);
  }
  const first = fitSurface(rgb, w, h, pixels);
  const limit = Math.max(12, 2.5 * residualRms(rgb, w, h, first, pixels));
  const kept = pixels.filter((i) => maxDiff(rgb, i, w, h, first) <= limit);
  if (kept.length < pixels.length * PLAIN_SHARE) return null;
  const surface = fitSurface(rgb, w, h, kept);
  const rms = residualRms(rgb, w, h, surface, kept);
  return rms <= PLAIN_RMS ? { surface, rms } : null;
}

const terms = new Float64Array(6);

/** Backdrop colour of channel c at pixel i. */
export function backdropAt(surface: BackdropSurface, i: number, w: number, h: number, c: number): number {
  basis(i, w, h, terms);
  let value = 0;
  for (let r = 0; r < 6; r++) value += terms[r] * surface[c][r];
  return value;
}

function maxDiff(rgb: Uint8Array, i: number, w: number, h: number, surface: BackdropSurface): number {
  let d = 0;
  for (let c = 0; c < 3; c++) d = Math.max(d, Math.abs(rgb[i * 3 + c] - backdropAt(surface, i, w, h, c)));
  return d;
}

/**
 * 90th percentile of the difference from the backdrop over the pixels that differ from it at all
 * (more than the noise): the subject and its shadow. Null when almost nothing differs.
 */
function subjectContrast(rgb: Uint8Array, w: number, h: number, surface: BackdropSurface): number | null {
  const histogram = new Uint32Array(256);
  let count = 0;
  eachBackdropRow(surface, w, h, (y, row) => {
    for (let x = 0; x < w; x++) {
      const i = (y * w + x) * 3;
      const d = Math.min(255, Math.round(Math.max(Math.abs(rgb[i] - row[x * 3]), Math.abs(rgb[i + 1] - row[x * 3 + 1]), Math.abs(rgb[i + 2] - row[x * 3 + 2]))));
      if (d <= PLAIN_RMS * 2) continue;
      histogram[d]++;
      count++;
    }
  });
  if (count < w * h * 0.005) return null;
  let seen = 0;
  for (let d = 0; d < 256; d++) {
    seen += histogram[d];
    if (seen >= count * 0.9) return d;
  }
  return 255;
}

function stretch(rgb: Uint8Array, w: number, h: number, surface: BackdropSurface, gain: number): Uint8Array {
  const out = new Uint8Array(w * h * 3);
  eachBackdropRow(surface, w, h, (y, row) => {
    for (let j = 0; j < w * 3; j++) {
      const v = 128 + gain * (rgb[y * w * 3 + j] - row[j]);
      out[y * w * 3 + j] = v <= 0 ? 0 : v >= 255 ? 255 : Math.round(v);
    }
  });
  return out;
}

/** Calls `visit` with each row of the backdrop as interleaved RGB (one reused array), at any size: u, v run over [0, 1]. */
export function eachBackdropRow(surface: BackdropSurface, w: number, h: number, visit: (y: number, row: Float32Array) => void): void {
  const row = new Float32Array(w * 3);
  for (let y = 0; y < h; y++) {
    const v = y / Math.max(1, h - 1);
    for (let c = 0; c < 3; c++) {
      const k = surface[c];
      // Along a row the surface is a quadratic in u alone.
      const a = k[0] + k[2] * v + k[5] * v * v;
      const b = k[1] + k[4] * v;
      for (let x = 0; x < w; x++) {
        const u = x / Math.max(1, w - 1);
        row[x * 3 + c] = a + b * u + k[3] * u * u;
      }
    }
    visit(y, row);
  }
}

/** The six terms of the surface at pixel i, written into `out`. */
function basis(i: number, w: number, h: number, out: Float64Array): void {
  const u = (i % w) / Math.max(1, w - 1);
  const v = Math.floor(i / w) / Math.max(1, h - 1);
  out[0] = 1;
  out[1] = u;
  out[2] = v;
  out[3] = u * u;
  out[4] = u * v;
  out[5] = v * v;
}

/** Normal equations (A^T A) k = A^T b for the three channels at once, solved by Gaussian elimination. */
function fitSurface(rgb: Uint8Array, w: number, h: number, pixels: number[]): BackdropSurface {
  const ata = new Float64Array(36);
  const atb = [new Float64Array(6), new Float64Array(6), new Float64Array(6)];
  for (const i of pixels) {
    basis(i, w, h, terms);
    for (let r = 0; r < 6; r++) {
      for (let c = 0; c < 6; c++) ata[r * 6 + c] += terms[r] * terms[c];
      for (let ch = 0; ch < 3; ch++) atb[ch][r] += terms[r] * rgb[i * 3 + ch];
    }
  }
  return atb.map((b) => solve(Float64Array.from(ata), b)) as BackdropSurface;
}

function residualRms(rgb: Uint8Array, w: number, h: number, surface: BackdropSurface, pixels: number[]): number {
  let sum = 0;
  for (const i of pixels) for (let c = 0; c < 3; c++) sum += (rgb[i * 3 + c] - backdropAt(surface, i, w, h, c)) ** 2;
  return Math.sqrt(sum / Math.max(1, pixels.length * 3));
}

/** Solves the 6x6 system a x = b in place (partial pivoting); a tiny ridge keeps a thin band solvable. */
function solve(a: Float64Array, b: Float64Array): Float64Array {
  const n = 6;
  for (let d = 0; d < n; d++) a[d * n + d] += 1e-6;
  for (let col = 0; col < n; col++) {
    let pivot = col;
    for (let r = col + 1; r < n; r++) if (Math.abs(a[r * n + col]) > Math.abs(a[pivot * n + col])) pivot = r;
    if (pivot !== col) {
      for (let c = 0; c < n; c++) [a[col * n + c], a[pivot * n + c]] = [a[pivot * n + c], a[col * n + c]];
      [b[col], b[pivot]] = [b[pivot], b[col]];
    }
    for (let r = col + 1; r < n; r++) {
      const factor = a[r * n + col] / a[col * n + col];
      for (let c = col; c < n; c++) a[r * n + c] -= factor * a[col * n + c];
      b[r] -= factor * b[col];
    }
  }
  const x = new Float64Array(n);
  for (let r = n - 1; r >= 0; r--) {
    let s = b[r];
    for (let c = r + 1; c < n; c++) s -= a[r * n + c] * x[c];
    x[r] = s / a[r * n + r];
  }
  return x;
}
