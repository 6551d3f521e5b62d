import type { Box } from '../../vision/image.types';
import { labelComponents } from '../../vision/masks';
import type { Thumbnail } from './raster-stats';

/** Mask values at or above this are product; the soft matte edge below it is not. */
const MASK_THRESHOLD = 128;

/** Bounding box of the mask's product pixels in canvas pixels, or null for an empty mask. */
export function boxFromMask(mask: Buffer, width: number, height: number): Box | null {
  let minX = width;
  let minY = height;
  let maxX = -1;
  let maxY = -1;
  for (let y = 0; y < height; y++) {
    const row = y * width;
    let first = -1;
    let last = -1;
    for (let x = 0; x < width; x++) {
      if (mask[row + x] >= MASK_THRESHOLD) {
        if (first < 0) first = x;
        last = x;
      }
    }
    if (first < 0) continue;
    if (first < minX) minX = first;
    if (last > maxX) maxX = last;
    if (minY === height) minY = y;
    maxY = y;
  }
  if (maxX < 0) return null;
  return { x: minX, y: minY, width: maxX - minX + 1, height: maxY - minY + 1 };
}

/** Otsu's threshold (1979) of values in [0, max]: the split that maximises between-class variance. */
function otsu(values: Float32Array, max: number): number {
  const bins = 128;
  const hist = new Float64Array(bins);
  for (const v of values) hist[Math.min(bins - 1, Math.floor((v / max) * bins))]++;
  const total = values.length;
  let sumAll = 0;
  for (let b = 0; b < bins; b++) sumAll += b * hist[b];
  let sumB = 0;
  let weightB = 0;
  let best = 0;
  let bestVar = -1;
  for (let b = 0; b < bins; b++) {
    weightB += hist[b];
    if (weightB === 0 || weightB === total) continue;
    sumB += b * hist[b];
    const meanB = sumB / weightB;
    const meanF = (sumAll - sumB) / (total - weightB);
    const between = weightB * (total - weightB) * (meanB - meanF) ** 2;
    if (between > bestVar) {
      bestVar = between;
      best = b;
    }
  }
  return ((best + 1) / bins) * max;
}

/**
 * Estimates the product when Stage 1 did not hand over a mask or box (an uploaded finished shot).
 * A studio backdrop varies mostly from top to bottom (wall, sweep, floor), so each row's
 * background colour is taken from the row's outer 6% on both sides; saliency is the colour
 * distance from that plus the edge strength. The largest connected salient region (and regions
 * touching its box) is the product.
 */
export function estimateProductBox(thumb: Thumbnail): Box | null {
  const { width: w, height: h, rgb, gradient } = thumb;
  const side = Math.max(1, Math.round(w * 0.06));
  const saliency = new Float32Array(w * h);
  for (let y = 0; y < h; y++) {
    const bg = [0, 0, 0];
    for (const x of Array.from({ length: side * 2 }, (_, i) => (i < side ? i : w - 1 - (i - side)))) {
      for (let c = 0; c < 3; c++) bg[c] += rgb[(y * w + x) * 3 + c] / (side * 2);
    }
    for (let x = 0; x < w; x++) {
      const p = y * w + x;
      const d = Math.hypot(rgb[p * 3] - bg[0], rgb[p * 3 + 1] - bg[1], rgb[p * 3 + 2] - bg[2]);
      saliency[p] = Math.min(255, d + 0.5 * gradient[p]);
    }
  }
  // Vignettes and light pools shift the backdrop by 10-30 levels; a product stands out by more.
  const threshold = Math.max(40, otsu(saliency, 255));
  const salient = new Uint8Array(w * h);
  for (let p = 0; p < w * h; p++) salient[p] = saliency[p] >= threshold ? 1 : 0;
  const { components: regions } = labelComponents(salient, w, h);
  if (regions.length === 0) return null;
  regions.sort((a, b) => b.area - a.area);
  const main = regions[0];
  // Specks (grain, a floor vein) are not a product.
  if (main.area < w * h * 0.004) return null;
  let box = main.box;
  const pad = 2;
  for (const r of regions.slice(1)) {
    const near =
      r.box.x <= box.x + box.width + pad && box.x <= r.box.x + r.box.width + pad && r.box.y <= box.y + box.height + pad && box.y <= r.box.y + r.box.height + pad;
    if (near && r.area >= main.area * 0.02) box = union(box, r.box);
  }
  const x = Math.max(0, Math.floor((box.x - 1) * thumb.scaleX));
  const y = Math.max(0, Math.floor((box.y - 1) * thumb.scaleY));
  const right = Math.min(Math.round(w * thumb.scaleX), Math.ceil((box.x + box.width + 1) * thumb.scaleX));
  const bottom = Math.min(Math.round(h * thumb.scaleY), Math.ceil((box.y + box.height + 1) * thumb.scaleY));
  return { x, y, width: right - x, height: bottom - y };
}

function union(a: Box, b: Box): Box {
  const x = Math.min(a.x, b.x);
  const y = Math.min(a.y, b.y);
  return { x, y, width: Math.max(a.x + a.width, b.x + b.width) - x, height: Math.max(a.y + a.height, b.y + b.height) - y };
}
