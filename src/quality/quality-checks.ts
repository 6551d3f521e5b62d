import type { Box, RawImage } from '../vision/image.types';
import { boxIntersectionArea } from '../vision/box-geometry';

/** Alpha counted as "uncertain": neither clearly background nor clearly product (10%-90%). */
const UNCERTAIN_LO = 26;
const UNCERTAIN_HI = 229;
/** Half-width of the band around the matte's 50% contour that the confidence looks at. */
const BAND_RADIUS = 2;

export interface CutoutCheck {
  /** 1 - share of uncertain alpha in the edge band: near 1 is a crisp, trustworthy cutout. */
  confidence: number;
  edgePixels: number;
  uncertainPixels: number;
  verdict: 'good' | 'check' | 'poor';
}

/**
 * How trustworthy the matte is: in a band around its 50% contour, a clean cutout has only a
 * pixel or two of anti-aliasing, while a hesitant one (hair, glass, a product that blends into
 * its background) leaves wide soft zones.
 */
export function cutoutConfidence(matte: RawImage, productBox?: Box | null): CutoutCheck {
  // The band can only lie around the product: scan its box plus the band, not the whole photo.
  const pad = BAND_RADIUS + 1;
  const ox = productBox ? Math.max(0, productBox.x - pad) : 0;
  const oy = productBox ? Math.max(0, productBox.y - pad) : 0;
  const w = productBox ? Math.min(matte.width, productBox.x + productBox.width + pad) - ox : matte.width;
  const h = productBox ? Math.min(matte.height, productBox.y + productBox.height + pad) - oy : matte.height;
  const at = (x: number, y: number) => matte.data[((y + oy) * matte.width + x + ox) * matte.channels];
  // Integral image of "alpha >= 128" so each pixel's (2r+1)^2 window is counted in O(1).
  const integral = new Uint32Array((w + 1) * (h + 1));
  for (let y = 0; y < h; y++) {
    let row = 0;
    for (let x = 0; x < w; x++) {
      row += at(x, y) >= 128 ? 1 : 0;
      integral[(y + 1) * (w + 1) + x + 1] = integral[y * (w + 1) + x + 1] + row;
    }
  }
  let edge = 0;
  let uncertain = 0;
  const r = BAND_RADIUS;
  for (let y = 0; y < h; y++) {
    const y0 = Math.max(0, y - r);
    const y1 = Math.min(h, y + r + 1);
    for (let x = 0; x < w; x++) {
      const x0 = Math.max(0, x - r);
      const x1 = Math.min(w, x + r + 1);
      const inside = integral[y1 * (w + 1) + x1] - integral[y0 * (w + 1) + x1] - integral[y1 * (w + 1) + x0] + integral[y0 * (w + 1) + x0];
      const area = (y1 - y0) * (x1 - x0);
      if (inside === 0 || inside === area) continue;
      edge += 1;
      const a = at(x, y);
      if (a >= UNCERTAIN_LO && a <= UNCERTAIN_HI) uncertain += 1;
    }
  }
  const confidence = edge === 0 ? 0 : round(1 - uncertain / edge, 3);
  return { confidence, edgePixels: edge, uncertainPixels: uncertain, verdict: confidence >= 0.7 ? 'good' : confidence >= 0.5 ? 'check' : 'poor' };
}

export interface FidelityCheck {
  /** Opaque product pixels compared (not covered by the copy). */
  corePixels: number;
  /** Mean and max absolute RGB difference between the placed product and the final: 0 by design. */
  meanDelta: number;
  maxDelta: number;
  /** Share of the product's opaque pixels that the copy covers. */
  coveredByText: number;
  unchanged: boolean;
}

/** Compares the product's opaque pixels in the final with the placed product layer. */
export function productFidelity(product: RawImage, final: RawImage, text?: RawImage): FidelityCheck {
  let core = 0;
  let covered = 0;
  let sum = 0;
  let max = 0;
  const n = product.width * product.height;
  for (let i = 0; i < n; i++) {
    if (product.data[i * 4 + 3] !== 255) continue;
    if (text && text.data[i * 4 + 3] > 0) {
      covered += 1;
      continue;
    }
    core += 1;
    for (let c = 0; c < 3; c++) {
      const d = Math.abs(product.data[i * 4 + c] - final.data[i * final.channels + c]);
      sum += d;
      if (d > max) max = d;
    }
  }
  const meanDelta = core ? round(sum / (core * 3), 4) : 0;
  return { corePixels: core, meanDelta, maxDelta: max, coveredByText: core + covered ? round(covered / (core + covered), 4) : 0, unchanged: max === 0 };
}

export interface TextCheck {
  contrast: number;
  contrastOk: boolean;
  insideSafeZone: boolean;
  overlapsProduct: boolean;
  /** Share of the text box's area that falls on the product's box. */
  productOverlap: number;
}

export function textPlacement(textBox: Box, safeZone: Box, productBox: Box | null | undefined, contrast: number): TextCheck {
  const overlap = productBox ? boxIntersectionArea(textBox, productBox) : 0;
  return {
    contrast: round(contrast, 2),
    contrastOk: contrast >= 4.5,
    insideSafeZone:
      textBox.x >= safeZone.x - 1 &&
      textBox.y >= safeZone.y - 1 &&
      textBox.x + textBox.width <= safeZone.x + safeZone.width + 1 &&
      textBox.y + textBox.height <= safeZone.y + safeZone.height + 1,
    overlapsProduct: overlap > 0,
    productOverlap: textBox.width * textBox.height ? round(overlap / (textBox.width * textBox.height), 4) : 0,
  };
}

const round = (v: number, digits: number) => Math.round(v * 10 ** digits) / 10 ** digits;
