import type { RawImage, Rgb } from './image.types';

export interface PaletteOptions {
  /** Clusters to fit; fewer come back when the product has fewer distinct colours. */
  k?: number;
  /** Pixels with alpha below this are background or soft edge and are ignored. */
  minAlpha?: number;
  /** Upper bound on pixels fed to k-means; the rest is a regular-stride subsample. */
  maxSamples?: number;
  iterations?: number;
}

export interface PaletteEntry {
  color: Rgb;
  /** Fraction of the sampled opaque pixels in this cluster, 0..1. */
  share: number;
}

const DEFAULTS = { k: 5, minAlpha: 200, maxSamples: 6000, iterations: 12 } as const;
/** Clusters whose centres end closer than this (RGB distance) are merged. */
const MERGE_DISTANCE = 28;

/** Opaque pixels on a regular stride, so the result depends only on the pixels (deterministic). */
function sampleOpaque(img: RawImage, minAlpha: number, maxSamples: number): Float32Array {
  const { data, width, height, channels } = img;
  const total = width * height;
  let opaque = 0;
  if (channels === 4) {
    for (let i = 3; i < data.length; i += 4) if (data[i] >= minAlpha) opaque++;
  } else opaque = total;
  const stride = Math.max(1, Math.floor(opaque / maxSamples));
  const out = new Float32Array(Math.min(opaque, Math.ceil(opaque / stride)) * 3);
  let seen = 0;
  let n = 0;
  for (let p = 0; p < total && n * 3 < out.length; p++) {
    const i = p * channels;
    if (channels === 4 && data[i + 3] < minAlpha) continue;
    if (seen++ % stride !== 0) continue;
    if (channels === 1) out.set([data[i], data[i], data[i]], n * 3);
    else out.set([data[i], data[i + 1], data[i + 2]], n * 3);
    n++;
  }
  return out.subarray(0, n * 3);
}

/**
 * Deterministic seeding: centres of the most populated 4-bit-per-channel histogram cells that
 * are mutually apart, so a dominant colour always seeds a cluster and a stray highlight rarely
 * does (k-means++ would need randomness; farthest-point init favours outliers).
 */
function seedCentres(samples: Float32Array, k: number): number[][] {
  const count = new Uint32Array(4096);
  const sums = new Float64Array(4096 * 3);
  for (let i = 0; i < samples.length; i += 3) {
    const cell = ((samples[i] >> 4) << 8) | ((samples[i + 1] >> 4) << 4) | (samples[i + 2] >> 4);
    count[cell]++;
    sums[cell * 3] += samples[i];
    sums[cell * 3 + 1] += samples[i + 1];
    sums[cell * 3 + 2] += samples[i + 2];
  }
  const cells = Array.from(count.keys())
    .filter((c) => count[c] > 0)
    .sort((a, b) => count[b] - count[a] || a - b);
  const centres: number[][] = [];
  for (const minGap of [48, 24, 0]) {
    for (const c of cells) {
      if (centres.length >= k) break;
      const centre = [sums[c * 3] / count[c], sums[c * 3 + 1] / count[c], sums[c * 3 + 2] / count[c]];
      if (centres.every((o) => Math.hypot(o[0] - centre[0], o[1] - centre[1], o[2] - centre[2]) > minGap)) {
        centres.push(centre);
      }
    }
  }
  return centres;
}

function kMeans(samples: Float32Array, centres: number[][], iterations: number): { centres: number[][]; counts: number[] } {
  const k = centres.length;
  const n = samples.length / 3;
  const labels = new Uint8Array(n);
  let counts = new Array<number>(k).fill(0);
  for (let iter = 0; iter < iterations; iter++) {
    let changed = 0;
    const sums = new Float64Array(k * 3);
    counts = new Array<number>(k).fill(0);
    for (let p = 0; p < n; p++) {
      const r = samples[p * 3];
      const g = samples[p * 3 + 1];
      const b = samples[p * 3 + 2];
      let best = 0;
      let bestD = Infinity;
      for (let c = 0; c < k; c++) {
        const d = (r - centres[c][0]) ** 2 + (g - centres[c][1]) ** 2 + (b - centres[c][2]) ** 2;
        if (d < bestD) {
          bestD = d;
          best = c;
        }
      }
      if (labels[p] !== best || iter === 0) changed++;
      labels[p] = best;
      counts[best]++;
      sums[best * 3] += r;
      sums[best * 3 + 1] += g;
      sums[best * 3 + 2] += b;
    }
    for (let c = 0; c < k; c++) {
      if (counts[c] > 0) centres[c] = [sums[c * 3] / counts[c], sums[c * 3 + 1] / counts[c], sums[c * 3 + 2] / counts[c]];
    }
    if (changed === 0) break;
  }
  return { centres, counts };
}

/** Dominant colours of the product's opaque pixels with their shares, most dominant first. */
export function dominantPalette(img: RawImage, opts: PaletteOptions = {}): PaletteEntry[] {
  const { k, minAlpha, maxSamples, iterations } = { ...DEFAULTS, ...opts };
  const samples = sampleOpaque(img, minAlpha, maxSamples);
  const n = samples.length / 3;
  if (n === 0) return [];
  const { centres, counts } = kMeans(samples, seedCentres(samples, Math.max(1, Math.min(k, 255))), iterations);
  let entries = centres
    .map((c, i) => ({ c, weight: counts[i] }))
    .filter((e) => e.weight > 0)
    .sort((a, b) => b.weight - a.weight);
  // Merge near-duplicates into the larger cluster (weighted mean).
  const merged: { c: number[]; weight: number }[] = [];
  for (const e of entries) {
    const twin = merged.find((m) => Math.hypot(m.c[0] - e.c[0], m.c[1] - e.c[1], m.c[2] - e.c[2]) < MERGE_DISTANCE);
    if (!twin) {
      merged.push({ c: [...e.c], weight: e.weight });
      continue;
    }
    const w = twin.weight + e.weight;
    twin.c = twin.c.map((v, i) => (v * twin.weight + e.c[i] * e.weight) / w);
    twin.weight = w;
  }
  entries = merged.sort((a, b) => b.weight - a.weight);
  return entries.map((e) => ({
    color: [Math.round(e.c[0]), Math.round(e.c[1]), Math.round(e.c[2])] as Rgb,
    share: e.weight / n,
  }));
}

/** Dominant colours of the product's opaque pixels (alpha >= 200), most dominant first. */
export function dominantColors(rgba: RawImage, opts?: PaletteOptions): Rgb[] {
  return dominantPalette(rgba, opts).map((e) => e.color);
}
