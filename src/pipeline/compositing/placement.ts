import type { Box } from '../../vision/image.types';

export type TextPosition = 'auto' | 'top' | 'center' | 'bottom';

export interface PlacementOptions {
  textPosition: TextPosition;
  /**
   * Relative size in (0, 1]: 1 fills the target area (the default). Values above 1 are clamped:
   * the target area and the 2x upscale cap are hard limits.
   */
  scale?: number;
  /** Outer margins as a share of the canvas side (x of width, y of height). */
  margins?: { x: number; y: number };
}

export interface Placement {
  /** Where the product's bbox lands on the canvas (integer pixels). */
  box: Box;
  /** Cutout pixels → canvas pixels. */
  scale: number;
  /** Canvas y of the product's base: box.y + box.height. */
  floorY: number;
}

export interface CanvasSize {
  width: number;
  height: number;
}

/** Upscaling a small cutout past this blurs it visibly; better a smaller product than a soft one. */
export const MAX_UPSCALE = 2;
const DEFAULT_MARGINS = { x: 0.06, y: 0.05 };
/** Wide canvases (1.91:1 link ads) put text beside the product instead of above or below it. */
const WIDE_ASPECT = 1.5;
/** Tall canvases (9:16 Stories / Reels) have platform UI over the top and bottom. */
const TALL_ASPECT = 1 / 1.6;
/**
 * Meta's Stories/Reels guidance: keep about 14% (250 px of 1920) at the top and 20% (340 px) at
 * the bottom free of key content, where the profile header and the CTA / caption sit.
 * Source: Meta Business Help Center, "About safe zones for Stories and Reels ads".
 */
export const TALL_SAFE_ZONE = { top: 0.14, bottom: 0.2 };
/** Share of the canvas height kept for a headline block above or below the product. */
const TEXT_BAND = 0.24;
/** Floor visible in front of the product, so it stands in the set rather than on the frame edge. */
const FLOOR_ROOM = 0.07;

/**
 * Target area on the canvas for the product's bbox, then the largest scale that fits it.
 *
 * 1. Usable frame = canvas minus margins (and minus the 9:16 safe zones on tall canvases).
 * 2. Text room: 'top' and 'auto' reserve a band at the top of the frame, 'bottom' at the
 *    bottom; 'center' reserves nothing (text sits over the middle on a plate). Wide canvases
 *    reserve the left ~half for text instead and put the product on the right.
 * 3. Size: the bbox fits the area and also ≤ 62% of canvas height / 70% of width (wide: 70% of
 *    height / 42% of width), so the product reads as a product on a set, not a crop; never
 *    more than 2x the cutout's own pixels.
 * 4. Position: horizontally centred in the area; the base stands on the area's floor line
 *    (its bottom edge, a strip of floor above the frame's bottom margin), except 'center',
 *    which centres the product vertically in the frame.
 */
export function placeProduct(productBox: Box, cutoutSize: CanvasSize, canvas: CanvasSize, opts: PlacementOptions): Placement {
  const { width: cw, height: ch } = canvas;
  if (productBox.width <= 0 || productBox.height <= 0) throw new RangeError('productBox must have a positive size');
  if (productBox.x < 0 || productBox.y < 0 || productBox.x + productBox.width > cutoutSize.width || productBox.y + productBox.height > cutoutSize.height) {
    throw new RangeError('productBox must lie inside the cutout');
  }
  const aspect = cw / ch;
  const wide = aspect >= WIDE_ASPECT;
  const tall = aspect <= TALL_ASPECT;
  const margins = opts.margins ?? DEFAULT_MARGINS;

  let left = cw * margins.x;
  const right = cw * (1 - margins.x);
  let top = ch * Math.max(margins.y, tall ? TALL_SAFE_ZONE.top : 0);
  let bottom = ch * (1 - Math.max(margins.y, tall ? TALL_SAFE_ZONE.bottom : 0));

  if (wide) {
    // Text on the left (read first), product on the right.
    left = cw * 0.5;
  } else if (opts.textPosition === 'top' || opts.textPosition === 'auto') {
    top += ch * TEXT_BAND;
  } else if (opts.textPosition === 'bottom') {
    bottom -= ch * TEXT_BAND;
  }
  // Tall canvases already keep 20% free below, and a bottom text band is floor too; elsewhere
  // leave a strip of floor in front of the product.
  if (!tall && (wide || opts.textPosition !== 'bottom')) bottom -= ch * FLOOR_ROOM;

  const maxW = Math.min(right - left, cw * (wide ? 0.42 : 0.7));
  const maxH = Math.min(bottom - top, ch * (wide ? 0.7 : 0.62));
  const fit = Math.min(maxW / productBox.width, maxH / productBox.height);
  const relative = Math.min(1, Math.max(0.05, opts.scale ?? 1));
  const scale = Math.min(fit * relative, MAX_UPSCALE);

  // Floor rounding keeps the scaled bbox inside the area.
  const width = Math.max(1, Math.floor(productBox.width * scale));
  const height = Math.max(1, Math.floor(productBox.height * scale));
  const x = Math.round(left + (right - left - width) / 2);
  const y = opts.textPosition === 'center' && !wide ? Math.round(top + (bottom - top - height) / 2) : Math.floor(bottom - height);
  return { box: { x, y, width, height }, scale, floorY: y + height };
}

/** How far below the back edge of a painted floor a product's base stands, as a share of the canvas height. */
const FLOOR_DEPTH = 0.03;

/**
 * Moves a product down so its base stands on a generated floor rather than against the wall
 * above it (the model paints the floor where it likes). Never up: a base lower on the floor
 * is just nearer the camera. Never past the canvas's last 1%.
 */
export function standOnFloor(placement: Placement, floorLine: number, canvasHeight: number): Placement {
  const floorY = Math.round(Math.min(floorLine + canvasHeight * FLOOR_DEPTH, canvasHeight * 0.99));
  const dy = floorY - placement.floorY;
  if (dy <= 0) return placement;
  return { ...placement, box: { ...placement.box, y: placement.box.y + dy }, floorY };
}
