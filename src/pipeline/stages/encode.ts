import sharp from 'sharp';
import type { RawImage } from '../image.types';

/** PNG at a moderate zlib level: artifacts are written once and read rarely, so favour speed. */
export function encodePng(image: RawImage): Promise<Buffer> {
  return sharp(image.data, { raw: { width: image.width, height: image.height, channels: image.channels } })
    .png({ compressionLevel: 6, adaptiveFiltering: false })
    .toBuffer();
}
