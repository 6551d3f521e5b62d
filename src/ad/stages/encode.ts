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
