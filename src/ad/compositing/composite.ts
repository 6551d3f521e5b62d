import sharp from 'sharp';
import { throwIfAborted } from '../../common/errors/domain.exception';
import type { Box, RawImage } from '../../vision/image.types';
import type { Placement } from './placement';
import { buildShadow, type PlacedMatte } from './shadow';
import { sharpenInside } from './sharpness';

export interface ComposeInput {
  /** 3 channels, canvas size. */
  background: RawImage;
  /** 4 channels, source resolution. */
  cutout: RawImage;
  /** Bbox of the product's alpha in the cutout. */
  productBox: Box;
  placement: Placement;
  /** Key light position on the canvas (BackgroundResult.meta.keyLight); shadows fall away from it. */
  keyLight?: { x: number; y: number };
  /** Photographed from above: the shadow lies under the product (a flat lay), not cast along a floor. */
  flat?: boolean;
  /**
   * The result of `scaleProduct` for this cutout and placement, if the caller started it early:
   * the resize runs on libvips' threads, so it can overlap the backdrop's JS rendering.
   */
  scaled?: Promise<ScaledProduct> | ScaledProduct;
  signal?: AbortSignal;
}

export interface ComposeResult {
  /** 3 channels, canvas size: background, shadow, product. */
  image: RawImage;
  /** 4 channels, canvas size: black with alpha, the shadow layer. */
  shadow: RawImage;
  /** 4 channels, canvas size: the scaled cutout placed. */
  product: RawImage;
  /** Product bbox on the canvas. */
  productBox: Box;
}

/** Source pixels kept around the bbox so the resize kernel sees the real transparent edge. */
const SOURCE_PAD = 3;

export interface ScaledProduct {
  data: Buffer;
  width: number;
  height: number;
  /** Canvas position of the scaled patch's top-left corner. */
  x: number;
  y: number;
}

/**
 * Crops the bbox (plus a small pad) and resizes it (lanczos3, re-sharpened inside the matte when
 * enlarged) so the bbox lands exactly on `target`. Cropping first keeps the cost proportional to
 * the product, not the whole photo.
 */
export async function scaleProduct(cutout: RawImage, productBox: Box, target: Box): Promise<ScaledProduct> {
  if (cutout.channels !== 4) throw new RangeError('cutout must have 4 channels');
  const sx = target.width / productBox.width;
  const sy = target.height / productBox.height;
  const left = Math.max(0, productBox.x - SOURCE_PAD);
  const top = Math.max(0, productBox.y - SOURCE_PAD);
  const right = Math.min(cutout.width, productBox.x + productBox.width + SOURCE_PAD);
  const bottom = Math.min(cutout.height, productBox.y + productBox.height + SOURCE_PAD);
  const padL = productBox.x - left;
  const padT = productBox.y - top;
  const width = Math.max(1, Math.round((right - left) * sx));
  const height = Math.max(1, Math.round((bottom - top) * sy));
  const resized = await sharp(cutout.data, { raw: { width: cutout.width, height: cutout.height, channels: 4 } })
    .extract({ left, top, width: right - left, height: bottom - top })
    .resize(width, height, { kernel: 'lanczos3', fit: 'fill' })
    .raw()
    .toBuffer();
  // Enlarged, the product's own detail is re-sharpened inside its matte (see sharpness.ts).
  const data = await sharpenInside(resized, width, height, Math.min(sx, sy));
  return { data, width, height, x: target.x - Math.round(padL * sx), y: target.y - Math.round(padT * sy) };
}

/** The product layer: the scaled patch clipped to a canvas, RGBA, transparent elsewhere. */
export function productLayer(scaled: ScaledProduct, cw: number, ch: number): Buffer {
  const product = Buffer.alloc(cw * ch * 4);
  const x0 = Math.max(0, scaled.x);
  const x1 = Math.min(cw, scaled.x + scaled.width);
  for (let y = Math.max(0, scaled.y); y < Math.min(ch, scaled.y + scaled.height); y++) {
    const from = ((y - scaled.y) * scaled.width + (x0 - scaled.x)) * 4;
    scaled.data.copy(product, (y * cw + x0) * 4, from, from + (x1 - x0) * 4);
  }
  return product;
}

function assertLayers(background: RawImage, cutout: RawImage): void {
  if (background.channels !== 3) throw new RangeError('background must have 3 channels');
  if (cutout.channels !== 4) throw new RangeError('cutout must have 4 channels');
  if (background.data.length !== background.width * background.height * 3) throw new RangeError('background buffer size mismatch');
  if (cutout.data.length !== cutout.width * cutout.height * 4) throw new RangeError('cutout buffer size mismatch');
}

/**
 * Background, then the shadow as darkening (bg × (1 - a): what a black layer at alpha a does,
 * and what a multiply blend with grey 1 - a does), then the product with alpha "over".
 * Where the scaled alpha is 255 the product's RGB is copied unchanged.
 */
export async function composeProductShot(input: ComposeInput): Promise<ComposeResult> {
  const { background, cutout, productBox, placement, signal } = input;
  // If validation throws first, an early-started resize must not become an unhandled rejection.
  if (input.scaled instanceof Promise) input.scaled.catch(() => undefined);
  assertLayers(background, cutout);
  throwIfAborted(signal);
  const { width: cw, height: ch } = background;
  const scaled = await (input.scaled ?? scaleProduct(cutout, productBox, placement.box));
  throwIfAborted(signal);

  const product = productLayer(scaled, cw, ch);
  const x0 = Math.max(0, scaled.x);
  const y0 = Math.max(0, scaled.y);
  const x1 = Math.min(cw, scaled.x + scaled.width);
  const y1 = Math.min(ch, scaled.y + scaled.height);
  const matteAlpha = new Uint8Array(scaled.width * scaled.height);
  for (let i = 0; i < matteAlpha.length; i++) matteAlpha[i] = scaled.data[i * 4 + 3];
  const matte: PlacedMatte = { alpha: matteAlpha, width: scaled.width, height: scaled.height, x: scaled.x, y: scaled.y };

  // A subject that bleeds off the bottom has no base on a floor: no shadow along the canvas edge.
  const shadowLayer = placement.bleed.bottom
    ? { alpha: new Uint8Array(cw * ch), region: { x: 0, y: 0, width: 0, height: 0 } }
    : buildShadow({ matte, box: placement.visible, floorY: placement.floorY, canvas: { width: cw, height: ch }, keyLight: input.keyLight, flat: input.flat });
  throwIfAborted(signal);

  const image = Buffer.from(background.data);
  const shadow = Buffer.alloc(cw * ch * 4);
  const { region } = shadowLayer;
  for (let y = region.y; y < region.y + region.height; y++) {
    for (let x = region.x; x < region.x + region.width; x++) {
      const p = y * cw + x;
      const a = shadowLayer.alpha[p];
      if (a === 0) continue;
      shadow[p * 4 + 3] = a;
      const keep = 255 - a;
      const o = p * 3;
      image[o] = (image[o] * keep + 127) / 255;
      image[o + 1] = (image[o + 1] * keep + 127) / 255;
      image[o + 2] = (image[o + 2] * keep + 127) / 255;
    }
  }

  for (let y = y0; y < y1; y++) {
    for (let x = x0; x < x1; x++) {
      const p = y * cw + x;
      const a = product[p * 4 + 3];
      if (a === 0) continue;
      const o = p * 3;
      const s = p * 4;
      if (a === 255) {
        image[o] = product[s];
        image[o + 1] = product[s + 1];
        image[o + 2] = product[s + 2];
        continue;
      }
      const keep = 255 - a;
      image[o] = (product[s] * a + image[o] * keep + 127) / 255;
      image[o + 1] = (product[s + 1] * a + image[o + 1] * keep + 127) / 255;
      image[o + 2] = (product[s + 2] * a + image[o + 2] * keep + 127) / 255;
    }
  }

  return {
    image: { data: image, width: cw, height: ch, channels: 3 },
    shadow: { data: shadow, width: cw, height: ch, channels: 4 },
    product: { data: product, width: cw, height: ch, channels: 4 },
    productBox: { ...placement.visible },
  };
}
