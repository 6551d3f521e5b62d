import sharp from 'sharp';
import type { TesseractRepository } from '../vision/text/tesseract.repository';
import type { DecomposedLayer } from './decomposition.types';
import { describe } from './layer-stack';

/**
 * Each text layer's words, read by Tesseract from its alpha as black ink on white, enlarged
 * (the ink's own colour and what was behind it no longer matter); the text names the layer.
 */
export async function readTextLayers(ocr: TesseractRepository, layers: DecomposedLayer[], w: number, h: number, signal?: AbortSignal): Promise<void> {
  for (const layer of layers) {
    if (layer.kind !== 'text' || layer.box.width === 0) continue;
    const { x, y, width, height } = layer.box;
    const ink = Buffer.alloc(width * height);
    for (let r = 0; r < height; r++) for (let c = 0; c < width; c++) ink[r * width + c] = 255 - layer.rgba[((y + r) * w + x + c) * 4 + 3];
    const scale = Math.max(1, Math.min(4, 64 / Math.max(8, height / 2)));
    const png = await sharp(ink, { raw: { width, height, channels: 1 } })
      .resize(Math.round(width * scale), Math.round(height * scale))
      .extend({ top: 16, bottom: 16, left: 16, right: 16, background: '#ffffff' })
      .png()
      .toBuffer();
    const text = await ocr.read(png, signal);
    if (text) {
      layer.text = text;
      layer.name = `text: ${text.slice(0, 40)}`;
    }
    layer.description = describe(layer, w, h);
  }
}
