import sharp from 'sharp';
import type { RawImage } from '../../vision/image.types';

export const OUTPUT_FORMATS = ['png', 'jpeg', 'webp'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];
export const OUTPUT_FILES: Record<OutputFormat, { ext: string; mime: string }> = {
  png: { ext: 'png', mime: 'image/png' },
  jpeg: { ext: 'jpg', mime: 'image/jpeg' },
  webp: { ext: 'webp', mime: 'image/webp' },
};

/** zlib level 3: about 35% less CPU than level 6 for ~3% larger files (measured on 1024px shots). */
export function encodePng(image: RawImage): Promise<Buffer> {
  return sharp(image.data, { raw: { width: image.width, height: image.height, channels: image.channels } })
    .png({ compressionLevel: 3, adaptiveFiltering: false })
    .toBuffer();
}

/**
 * A cutout as a file: RGB cleared where alpha is 0. The job's cutout keeps the photo's pixels
 * under its transparent part (nothing shows them); in the file they cost more than half its
 * bytes and half its encode time (1.86 -> 0.79 MB, 51 -> 26 ms for a 1024x683 cutout).
 */
export function encodeCutoutPng(cutout: RawImage): Promise<Buffer> {
  if (cutout.channels !== 4) return encodePng(cutout);
  // Its own ArrayBuffer at offset 0, so the pixels can be read as aligned 32-bit words.
  const data = Buffer.allocUnsafeSlow(cutout.data.length);
  cutout.data.copy(data);
  const pixels = new Uint32Array(data.buffer, 0, data.length / 4);
  for (let i = 0; i < pixels.length; i++) if (pixels[i] >>> 24 === 0) pixels[i] = 0; // alpha is the high byte (little-endian)
  return encodePng({ ...cutout, data });
}

/**
 * A file a user takes away (step1, the finals): tagged sRGB with its ICC profile and 72 dpi, so
 * print, OCR and colour-managed tools read it as drawn (libvips' default is 1 px/mm, which they
 * read as a 25 dpi image), and no metadata from the photo. JPEG keeps full-resolution chroma for
 * the copy's edges.
 */
export function encodeDeliverable(image: RawImage, format: OutputFormat): Promise<Buffer> {
  const tagged = sharp(image.data, { raw: { width: image.width, height: image.height, channels: image.channels } }).withIccProfile('srgb').withDensity(72);
  if (format === 'jpeg') return tagged.jpeg({ quality: 92, chromaSubsampling: '4:4:4' }).toBuffer();
  if (format === 'webp') return tagged.webp({ quality: 92 }).toBuffer();
  return tagged.png({ compressionLevel: 3, adaptiveFiltering: false }).toBuffer();
}
