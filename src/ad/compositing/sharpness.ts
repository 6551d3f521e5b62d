import sharp from 'sharp';
import type { Box, RawImage } from '../../vision/image.types';

/** Alpha from which a pixel is the product's own (not its anti-aliased outline). */
const SOLID = 250;
/** Share of the interior's steepest steps the measure averages: rims, print, highlights. */
const TOP_SHARE = 0.01;
/** The sharpness an enlargement must keep, final over source, each in its own pixels. */
export const KEEP_SHARPNESS = 0.9;

/**
 * How crisp a product's own detail is, in the pixels of this image: the mean of the steepest 1%
 * of luminance steps between neighbouring pixels that both lie inside the product (the cutout's
 * edge against transparency is left out: the matte, not the photo, draws that). An enlargement
 * spreads every step over more pixels, so the measure falls with it; a sharper resampler holds it.
 * RGBA in; 0 when the product has no interior. `region`: where the product is (a canvas-sized
 * layer is mostly transparent); nothing outside it is read.
 */
export function detailSharpness(data: Uint8Array, width: number, height: number, region?: Box): number {
  const histogram = new Uint32Array(256);
  let count = 0;
  const lum = (i: number) => (data[i] * 77 + data[i + 1] * 150 + data[i + 2] * 29) >> 8;
  const [x0, y0] = region ? [Math.max(0, region.x), Math.max(0, region.y)] : [0, 0];
  const [x1, y1] = region ? [Math.min(width, region.x + region.width), Math.min(height, region.y + region.height)] : [width, height];
  for (let y = y0; y < Math.min(y1, height - 1); y++) {
    for (let x = x0; x < Math.min(x1, width - 1); x++) {
      const i = (y * width + x) * 4;
      const right = i + 4;
      const below = i + width * 4;
      if (data[i + 3] < SOLID || data[right + 3] < SOLID || data[below + 3] < SOLID) continue;
      const l = lum(i);
      const step = Math.max(Math.abs(lum(right) - l), Math.abs(lum(below) - l));
      histogram[step]++;
      count++;
    }
  }
  if (count === 0) return 0;
  let take = Math.max(1, Math.round(count * TOP_SHARE));
  let sum = 0;
  const taken = take;
  for (let v = 255; v >= 0 && take > 0; v--) {
    const n = Math.min(take, histogram[v]);
    sum += n * v;
    take -= n;
  }
  return sum / taken;
}

/** detailSharpness of the product in the photo: its box cut out of the cutout. */
export function productSharpness(cutout: RawImage, box: Box): number {
  const crop = cropRgba(cutout, box);
  return detailSharpness(crop.data, crop.width, crop.height);
}

/** The product's bbox cut out of a 4-channel cutout, as its own RGBA image. */
export function cropRgba(cutout: RawImage, box: Box): { data: Buffer; width: number; height: number } {
  const width = box.width;
  const height = box.height;
  const data = Buffer.alloc(width * height * 4);
  for (let y = 0; y < height; y++) {
    const from = ((box.y + y) * cutout.width + box.x) * 4;
    cutout.data.copy(data, y * width * 4, from, from + width * 4);
  }
  return { data, width, height };
}

/**
 * An enlargement's unsharp mask, applied only where the product is solid: inside the matte the
 * resampler's softening is taken back; the outline keeps lanczos3's clean alpha ramp (sharpening
 * it would draw a halo against whatever backdrop comes behind). Larger scales get a wider mask.
 */
export async function sharpenInside(rgba: Buffer, width: number, height: number, scale: number): Promise<Buffer> {
  if (scale <= 1) return rgba;
  // Even a slight enlargement resamples every pixel at a subpixel offset: the mask starts at 0.6 px.
  // Strength grows with the scale (tuned so a 1.05x enlargement keeps about 1.0 of the photo's
  // sharpness, not more: past that it would be a halo).
  const sigma = Math.min(1.6, 0.6 + 0.5 * (scale - 1));
  const sharpened = await sharp(rgba, { raw: { width, height, channels: 4 } })
    .sharpen({ sigma, m1: 0.5, m2: Math.min(3, 0.6 + 2 * (scale - 1)), x1: 2, y2: 12, y3: 20 })
    .raw()
    .toBuffer();
  const out = Buffer.from(rgba);
  for (let i = 0; i < out.length; i += 4) {
    if (rgba[i + 3] < SOLID) continue;
    out[i] = sharpened[i];
    out[i + 1] = sharpened[i + 1];
    out[i + 2] = sharpened[i + 2];
  }
  return out;
}

/** Below this the product shows no detail to lose (a plain glazed mug): enlarging it costs nothing visible. */
export const NO_DETAIL = 6;
