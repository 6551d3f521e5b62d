import { srgbToLinear } from '../../vision/color-math';
import type { Box, Rgb } from '../../vision/image.types';

/**
 * A block-averaged copy of the canvas (long side ~256 px): every question the analyzer asks
 * (where is it calm, how bright, what colour) is answered here in microseconds per box instead
 * of walking the 2 Mpx original.
 */
export interface Thumbnail {
  width: number;
  height: number;
  /** Canvas pixels per thumbnail pixel on each axis. */
  scaleX: number;
  scaleY: number;
  /** Mean colour per block, 3 channels. */
  rgb: Uint8Array;
  /** Mean WCAG relative luminance per block, 0..1. */
  lum: Float32Array;
  /** Gamma-encoded luma (Rec. 709 weights on sRGB values), 0..255: what edges are judged on. */
  luma: Float32Array;
  /** Standard deviation of luma inside the block: texture finer than the thumbnail's pixels. */
  texture: Float32Array;
  /** Product coverage per block, 0..1, when a mask was given. */
  mask: Float32Array | null;
  /** 1 where the block is busy (a Sobel edge or fine texture), else 0. */
  edges: Uint8Array;
  /** Sobel gradient magnitude per block, in luma levels per thumbnail pixel. */
  gradient: Float32Array;
}

/** Linear-light value of every 8-bit sRGB code, so per-pixel luminance is three lookups. */
export const LINEAR_LUT: Float32Array = Float32Array.from({ length: 256 }, (_, v) => srgbToLinear(v));

/** A luma step this steep (levels per thumbnail pixel, ~4-8 canvas px) is a visible edge. */
const EDGE_GRADIENT = 10;
/** Luma spread inside one block above this is texture (wood grain, marble veins, print). */
const EDGE_TEXTURE = 12;

export function relativeLuminanceOf(r: number, g: number, b: number): number {
  return 0.2126 * LINEAR_LUT[r] + 0.7152 * LINEAR_LUT[g] + 0.0722 * LINEAR_LUT[b];
}

/** Block-averages a 3-channel image (and optional 1-channel mask) to `maxSide` on the long side. */
export function makeThumbnail(data: Buffer, width: number, height: number, maxSide = 256, mask?: Buffer): Thumbnail {
  const factor = Math.max(1, Math.max(width, height) / maxSide);
  const tw = Math.max(1, Math.round(width / factor));
  const th = Math.max(1, Math.round(height / factor));
  const n = tw * th;
  const xMap = new Int32Array(width);
  for (let x = 0; x < width; x++) xMap[x] = Math.min(tw - 1, Math.floor((x * tw) / width));
  const sums = new Float64Array(n * 7);
  // Blocks of 4+ rows are still well sampled by every other row: half the time of a full pass.
  const rowStep = factor >= 4 ? 2 : 1;
  for (let y = 0; y < height; y += rowStep) {
    const rowBase = Math.min(th - 1, Math.floor((y * th) / height)) * tw;
    let i = y * width * 3;
    let m = y * width;
    // Sum each run of pixels that share a block in locals, then flush once per run.
    for (let x = 0; x < width; ) {
      const block = xMap[x];
      let r = 0;
      let g = 0;
      let b = 0;
      let lin = 0;
      let lumaSum = 0;
      let lumaSq = 0;
      let maskSum = 0;
      for (; x < width && xMap[x] === block; x++, i += 3, m++) {
        const rv = data[i];
        const gv = data[i + 1];
        const bv = data[i + 2];
        const luma = 0.2126 * rv + 0.7152 * gv + 0.0722 * bv;
        r += rv;
        g += gv;
        b += bv;
        lin += 0.2126 * LINEAR_LUT[rv] + 0.7152 * LINEAR_LUT[gv] + 0.0722 * LINEAR_LUT[bv];
        lumaSum += luma;
        lumaSq += luma * luma;
        if (mask) maskSum += mask[m];
      }
      const s = (rowBase + block) * 7;
      sums[s] += r;
      sums[s + 1] += g;
      sums[s + 2] += b;
      sums[s + 3] += lin;
      sums[s + 4] += lumaSum;
      sums[s + 5] += lumaSq;
      sums[s + 6] += maskSum;
    }
  }
  // Every block is a product of a column run and a row run: count the two axes separately.
  const colCount = new Float64Array(tw);
  const rowCount = new Float64Array(th);
  for (let x = 0; x < width; x++) colCount[xMap[x]]++;
  for (let y = 0; y < height; y += rowStep) rowCount[Math.min(th - 1, Math.floor((y * th) / height))]++;
  const rgb = new Uint8Array(n * 3);
  const lum = new Float32Array(n);
  const luma = new Float32Array(n);
  const texture = new Float32Array(n);
  const maskOut = mask ? new Float32Array(n) : null;
  for (let p = 0; p < n; p++) {
    const c = colCount[p % tw] * rowCount[Math.floor(p / tw)] || 1;
    const s = p * 7;
    rgb[p * 3] = Math.round(sums[s] / c);
    rgb[p * 3 + 1] = Math.round(sums[s + 1] / c);
    rgb[p * 3 + 2] = Math.round(sums[s + 2] / c);
    lum[p] = sums[s + 3] / c;
    const meanLuma = sums[s + 4] / c;
    luma[p] = meanLuma;
    texture[p] = Math.sqrt(Math.max(0, sums[s + 5] / c - meanLuma * meanLuma));
    if (maskOut) maskOut[p] = sums[s + 6] / c / 255;
  }
  const { edges, gradient } = sobelEdges(luma, texture, tw, th);
  return { width: tw, height: th, scaleX: width / tw, scaleY: height / th, rgb, lum, luma, texture, mask: maskOut, edges, gradient };
}

/** Sobel operator (3x3, edges replicated) on the luma thumbnail, plus the texture test. */
function sobelEdges(luma: Float32Array, texture: Float32Array, w: number, h: number): { edges: Uint8Array; gradient: Float32Array } {
  const edges = new Uint8Array(w * h);
  const gradient = new Float32Array(w * h);
  for (let y = 0; y < h; y++) {
    const ym = (y > 0 ? y - 1 : 0) * w;
    const y0 = y * w;
    const yp = (y < h - 1 ? y + 1 : y) * w;
    for (let x = 0; x < w; x++) {
      const xm = x > 0 ? x - 1 : 0;
      const xp = x < w - 1 ? x + 1 : x;
      const gx = luma[ym + xp] + 2 * luma[y0 + xp] + luma[yp + xp] - luma[ym + xm] - 2 * luma[y0 + xm] - luma[yp + xm];
      const gy = luma[yp + xm] + 2 * luma[yp + x] + luma[yp + xp] - luma[ym + xm] - 2 * luma[ym + x] - luma[ym + xp];
      // The Sobel kernels weigh a unit step by 4.
      const g = Math.hypot(gx, gy) / 4;
      gradient[y0 + x] = g;
      edges[y0 + x] = g > EDGE_GRADIENT || texture[y0 + x] > EDGE_TEXTURE ? 1 : 0;
    }
  }
  return { edges, gradient };
}

/** Summed-area tables (Crow 1984) of the thumbnail channels a box score needs. */
export class BoxSums {
  private readonly w: number;
  private readonly tables: Float64Array[];

  constructor(private readonly thumb: Thumbnail) {
    const { width: w, height: h, rgb, lum, edges, mask } = thumb;
    this.w = w + 1;
    const channels: Array<(p: number) => number> = [
      (p) => edges[p],
      (p) => lum[p],
      (p) => rgb[p * 3],
      (p) => rgb[p * 3 + 1],
      (p) => rgb[p * 3 + 2],
      (p) => (mask ? mask[p] : 0),
    ];
    this.tables = channels.map((value) => {
      const t = new Float64Array((w + 1) * (h + 1));
      for (let y = 0; y < h; y++) {
        let row = 0;
        for (let x = 0; x < w; x++) {
          row += value(y * w + x);
          t[(y + 1) * (w + 1) + x + 1] = t[y * (w + 1) + x + 1] + row;
        }
      }
      return t;
    });
  }

  /** Means over a canvas-pixel box (mapped outward to whole thumbnail pixels). */
  stats(box: Box): { edgeDensity: number; meanLuminance: number; meanColor: Rgb; productCoverage: number } {
    const { scaleX, scaleY, width, height } = this.thumb;
    const x0 = Math.max(0, Math.min(width - 1, Math.floor(box.x / scaleX)));
    const y0 = Math.max(0, Math.min(height - 1, Math.floor(box.y / scaleY)));
    const x1 = Math.max(x0 + 1, Math.min(width, Math.ceil((box.x + box.width) / scaleX)));
    const y1 = Math.max(y0 + 1, Math.min(height, Math.ceil((box.y + box.height) / scaleY)));
    const area = (x1 - x0) * (y1 - y0);
    const w = this.w;
    const sum = (t: Float64Array) => (t[y1 * w + x1] - t[y0 * w + x1] - t[y1 * w + x0] + t[y0 * w + x0]) / area;
    const [edges, lum, r, g, b, mask] = this.tables.map(sum);
    return { edgeDensity: edges, meanLuminance: lum, meanColor: [Math.round(r), Math.round(g), Math.round(b)], productCoverage: mask };
  }
}

/**
 * Percentiles of WCAG relative luminance over a canvas box, from the full-resolution pixels on a
 * regular stride (at most ~40k samples). Text must read against the brightest and the darkest
 * parts of its area, not the average: the 10th and 90th percentiles stand for those without
 * letting a few specular highlights decide.
 */
export function luminancePercentiles(data: Buffer, width: number, box: Box, quantiles: number[]): number[] {
  const bins = 1024;
  const hist = new Uint32Array(bins);
  const step = Math.max(1, Math.floor(Math.sqrt((box.width * box.height) / 40000)));
  let total = 0;
  const x1 = box.x + box.width;
  const y1 = box.y + box.height;
  for (let y = Math.max(0, box.y); y < y1; y += step) {
    for (let x = Math.max(0, box.x); x < Math.min(width, x1); x += step) {
      const i = (y * width + x) * 3;
      const l = 0.2126 * LINEAR_LUT[data[i]] + 0.7152 * LINEAR_LUT[data[i + 1]] + 0.0722 * LINEAR_LUT[data[i + 2]];
      hist[Math.min(bins - 1, Math.floor(l * bins))]++;
      total++;
    }
  }
  return quantiles.map((q) => {
    if (total === 0) return 0;
    const target = q * (total - 1);
    let seen = 0;
    for (let b = 0; b < bins; b++) {
      seen += hist[b];
      if (seen > target) return (b + 0.5) / bins;
    }
    return 1;
  });
}

/** 3x3 grid means of a per-block channel, row-major from the top-left. */
export function grid3x3(values: ArrayLike<number>, w: number, h: number): number[] {
  const sums = new Array<number>(9).fill(0);
  const counts = new Array<number>(9).fill(0);
  for (let y = 0; y < h; y++) {
    const gy = Math.min(2, Math.floor((y * 3) / h));
    for (let x = 0; x < w; x++) {
      const cell = gy * 3 + Math.min(2, Math.floor((x * 3) / w));
      sums[cell] += values[y * w + x];
      counts[cell]++;
    }
  }
  return sums.map((s, i) => (counts[i] ? s / counts[i] : 0));
}
