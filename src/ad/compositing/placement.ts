import type { Box } from '../../vision/image.types';
import { cutSides, type FrameCuts, NO_CUTS } from './frame-cuts';

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
  /** Sides of the photo the subject runs off: it bleeds off the same sides of the canvas. */
  cuts?: FrameCuts;
  /** False when the ad has no copy: nothing needs the room beside a thin subject (default true). */
  copy?: boolean;
  /** The most this product may be enlarged and stay sharp (placeSharply); MAX_UPSCALE when unset. */
  maxUpscale?: number;
}

export interface Placement {
  /** Where the product's bbox lands on the canvas (integer pixels); beyond its edges where it bleeds. */
  box: Box;
  /** The part of `box` on the canvas. */
  visible: Box;
  /** Cutout pixels → canvas pixels. */
  scale: number;
  /** Canvas y of the product's base: box.y + box.height, the canvas's bottom when it bleeds off it. */
  floorY: number;
  /** Canvas sides the product runs off (its photo's cut sides); nothing stands on a floor at a bled bottom. */
  bleed: FrameCuts;
}

export interface CanvasSize {
  width: number;
  height: number;
}

/** Upscaling a small cutout past this blurs it visibly; better a smaller product than a soft one. */
export const MAX_UPSCALE = 2;
/** A subject cut on opposite sides must span the canvas: a little softness beats a straight cut edge in mid-air. */
export const MAX_BLEED_UPSCALE = 4;
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
/** Height over width from which a subject counts as thin and stands beside the copy. */
export const THIN_ASPECT = 2.4;
/** Share of the canvas height kept for a headline block above or below the product. */
const TEXT_BAND = 0.24;
/** Floor visible in front of the product, so it stands in the set rather than on the frame edge. */
const FLOOR_ROOM = 0.07;
/**
 * 'center' copy: the product's top stands this far down the canvas, so the free room above it
 * (less the text's gap to the product) holds a text box whose middle lies in the canvas's middle
 * third. Over the product the copy would hide what the ad sells.
 */
const CENTER_PRODUCT_TOP = 0.54;

/**
 * Target area on the canvas for the product's bbox, then the largest scale that fits it.
 *
 * 1. Usable frame = canvas minus margins (and minus the 9:16 safe zones on tall canvases).
 * 2. Text room: 'top' and 'auto' reserve a band at the top of the frame, 'bottom' at the
 *    bottom; 'center' keeps the middle for the copy and stands the product below it (without
 *    copy, 'center' centres the product). Wide canvases reserve the left ~half for text
 *    instead and put the product on the right.
 * 3. Size: the bbox fits the area and also ≤ 62% of canvas height / 70% of width (wide: 70% of
 *    height / 42% of width), so the product reads as a product on a set, not a crop; never
 *    more than 2x the cutout's own pixels.
 * 4. Position: horizontally centred in the area; the base stands on the area's floor line
 *    (its bottom edge, a strip of floor above the frame's bottom margin), except 'center'
 *    without copy, which centres the product vertically in the frame.
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

  // A thin, tall subject (a bottle, a rocket) takes the canvas's height; the copy goes beside it.
  const thin = !wide && !tall && opts.textPosition === 'auto' && opts.copy !== false && productBox.height >= productBox.width * THIN_ASPECT;
  if (wide) {
    // Text on the left (read first), product on the right.
    left = cw * 0.5;
  } else if (thin) {
    left = cw * 0.5;
  } else if (opts.textPosition === 'top' || opts.textPosition === 'auto') {
    top += ch * TEXT_BAND;
  } else if (opts.textPosition === 'bottom') {
    bottom -= ch * TEXT_BAND;
  } else if (opts.copy !== false) {
    top = Math.max(top, ch * CENTER_PRODUCT_TOP);
  }
  // Tall canvases already keep 20% free below, and a bottom text band is floor too; elsewhere
  // leave a strip of floor in front of the product.
  if (!tall && (wide || opts.textPosition !== 'bottom')) bottom -= ch * FLOOR_ROOM;

  const cuts = opts.cuts ?? NO_CUTS;
  if (cutSides(cuts).length) return placeCutSubject(productBox, canvas, cuts, { left, right, top, bottom: Math.max(bottom, ch * (1 - margins.y)), wide }, opts);

  const maxW = Math.min(right - left, cw * (wide ? 0.42 : 0.7));
  const maxH = Math.min(bottom - top, ch * (wide ? 0.7 : thin ? 0.86 : 0.62));
  const fit = Math.min(maxW / productBox.width, maxH / productBox.height);
  const relative = Math.min(1, Math.max(0.05, opts.scale ?? 1));
  const scale = Math.min(fit * relative, opts.maxUpscale ?? MAX_UPSCALE, MAX_UPSCALE);

  // Floor rounding keeps the scaled bbox inside the area.
  const width = Math.max(1, Math.floor(productBox.width * scale));
  const height = Math.max(1, Math.floor(productBox.height * scale));
  const x = Math.round(left + (right - left - width) / 2);
  const y = opts.textPosition === 'center' && opts.copy === false && !wide ? Math.round(top + (bottom - top - height) / 2) : Math.floor(bottom - height);
  const box = { x, y, width, height };
  return { box, visible: box, scale, floorY: y + height, bleed: NO_CUTS };
}

/**
 * A subject the photo's frame cuts (a face cut at the chin, a sofa cut at the side) is laid out
 * as in a magazine: each cut side lies on the same canvas side, so the cut is the canvas's edge,
 * never a straight line in mid-air. Its area reaches the canvas edge on the cut sides and keeps
 * the text band and margins on the others; cut on opposite sides, it spans the canvas.
 */
function placeCutSubject(
  productBox: Box,
  canvas: CanvasSize,
  cuts: FrameCuts,
  area: { left: number; right: number; top: number; bottom: number; wide: boolean },
  opts: PlacementOptions,
): Placement {
  const { width: cw, height: ch } = canvas;
  let { left, right } = area;
  // Wide canvases keep the left half for text; a subject cut at the left takes it instead.
  if (area.wide && cuts.left && !cuts.right) [left, right] = [0, cw * 0.5];
  if (cuts.left) left = 0;
  if (cuts.right) right = cw;
  const top = cuts.top ? 0 : area.top;
  const bottom = cuts.bottom ? ch : area.bottom;
  const fit = Math.min((right - left) / productBox.width, (bottom - top) / productBox.height);
  const relative = Math.min(1, Math.max(0.05, opts.scale ?? 1));
  const spans = Math.max(cuts.left && cuts.right ? cw / productBox.width : 0, cuts.top && cuts.bottom ? ch / productBox.height : 0);
  const scale = Math.min(Math.max(Math.min(fit * relative, opts.maxUpscale ?? MAX_UPSCALE, MAX_UPSCALE), spans), MAX_BLEED_UPSCALE);
  const width = Math.max(1, Math.ceil(productBox.width * scale));
  const height = Math.max(1, Math.ceil(productBox.height * scale));
  const x = cuts.left && cuts.right ? Math.round((cw - width) / 2) : cuts.left ? 0 : cuts.right ? cw - width : Math.round(left + (right - left - width) / 2);
  const y = cuts.top && cuts.bottom ? Math.round((ch - height) / 2) : cuts.top ? 0 : cuts.bottom ? ch - height : Math.floor(bottom - height);
  const box = { x, y, width, height };
  const visible = { x: Math.max(0, x), y: Math.max(0, y), width: Math.min(cw, x + width) - Math.max(0, x), height: Math.min(ch, y + height) - Math.max(0, y) };
  return { box, visible, scale, floorY: cuts.bottom ? ch : y + height, bleed: { ...cuts } };
}

/** How far below the back edge of a painted floor a product's base stands, as a share of the canvas height. */
const FLOOR_DEPTH = 0.03;

/**
 * Moves a product down so its base stands on a generated floor rather than against the wall
 * above it (the model paints the floor where it likes). Never up: a base lower on the floor
 * is just nearer the camera. Never past the canvas's last 1%.
 */
export function standOnFloor(placement: Placement, floorLine: number, canvasHeight: number): Placement {
  if (placement.bleed.bottom || placement.bleed.top) return placement;
  const floorY = Math.round(Math.min(floorLine + canvasHeight * FLOOR_DEPTH, canvasHeight * 0.99));
  const dy = floorY - placement.floorY;
  if (dy <= 0) return placement;
  const box = { ...placement.box, y: placement.box.y + dy };
  return { ...placement, box, visible: { ...placement.visible, y: placement.visible.y + dy }, floorY };
}
