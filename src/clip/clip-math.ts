import type { ClipPairScore } from './clip.types';

/**
 * CLIPScore's rescaling weight. Hessel et al. (2021), "CLIPScore: A Reference-free Evaluation
 * Metric for Image Captioning", EMNLP: CLIP-S(c, v) = w * max(cos(c, v), 0) with w = 2.5, which
 * stretches the narrow range of cosines CLIP ViT-B/32 produces towards [0, 1].
 */
export const CLIP_SCORE_WEIGHT = 2.5;

export function clipScoreOf(cosine: number): number {
  return CLIP_SCORE_WEIGHT * Math.max(cosine, 0);
}

/** Rows of a row-major [rows, width] matrix, each scaled to unit length. */
export function l2NormalizeRows(data: Float32Array, rows: number, width: number): Float64Array[] {
  const out: Float64Array[] = [];
  for (let r = 0; r < rows; r++) {
    const row = Float64Array.from(data.subarray(r * width, (r + 1) * width));
    let norm = 0;
    for (const v of row) norm += v * v;
    // Same floor as torch.nn.functional.normalize: an all-zero row stays zero (cosine 0), not NaN.
    norm = Math.max(Math.sqrt(norm), 1e-12);
    for (let i = 0; i < width; i++) row[i] /= norm;
    out.push(row);
  }
  return out;
}

/** Dot product of two unit vectors, clamped because rounding can step just outside [-1, 1]. */
export function cosineOfUnit(a: Float64Array, b: Float64Array): number {
  let dot = 0;
  for (let i = 0; i < a.length; i++) dot += a[i] * b[i];
  return Math.min(1, Math.max(-1, dot));
}

/** scores[i][j] for every image row i and text row j (both already unit length). */
export function scoreMatrix(images: Float64Array[], texts: Float64Array[]): ClipPairScore[][] {
  return images.map((image) =>
    texts.map((text) => {
      const cosine = cosineOfUnit(image, text);
      return { cosine, clipScore: clipScoreOf(cosine) };
    }),
  );
}

/** Throws unless every value is finite: a NaN embedding means a broken export, not a low score. */
export function assertFinite(data: Float32Array, what: string): void {
  for (const v of data) {
    if (!Number.isFinite(v)) throw new Error(`${what} contains ${v}`);
  }
}
