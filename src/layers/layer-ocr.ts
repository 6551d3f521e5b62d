import sharp from 'sharp';
import type { TesseractRepository } from '../vision/text/tesseract.repository';
import type { DecomposedLayer } from './decomposition.types';
import { describe } from './layer-stack';
import { mainInkShare } from './typography';


/**
 * Each text layer's words, read by Tesseract from its alpha as black ink on white, enlarged
 * (what was behind it no longer matters); the text names the layer. A layer with ink of another
 * colour (a drop shadow or a glow it keeps, which thickens every stroke into a blob) is read a
 * second time from its main colour's ink alone, and the reading Tesseract is surer of wins.
 */
export async function readTextLayers(ocr: TesseractRepository, layers: DecomposedLayer[], w: number, h: number, signal?: AbortSignal): Promise<void> {
  for (const layer of layers) {
    if (layer.kind !== 'text' || layer.box.width === 0) continue;
    const { all, own, other } = inkOf(layer, w);
    const readings = [await ocr.readScored(await page(all, layer.box), signal)];
    if (other > 0.05 * (other + own.mass)) readings.push(await ocr.readScored(await page(own.ink, layer.box), signal));
    const best = readings.filter((r) => r !== null && r.text !== '').sort((a, b) => b!.confidence - a!.confidence)[0];
    if (best) {
      layer.text = best.text;
      layer.name = `text: ${best.text.replace(/\n/g, ' ').slice(0, 40)}`;
    }
    layer.description = describe(layer, w, h);
  }
}

/** The layer's ink (255 - alpha, black on white) over its box; and the same counting only its main colour. */
function inkOf(layer: DecomposedLayer, w: number) {
  const { x, y, width, height } = layer.box;
  const main = layer.colors[0] ?? [0, 0, 0];
  const [all, ownInk] = [Buffer.alloc(width * height), Buffer.alloc(width * height)];
  let [mass, other] = [0, 0];
  for (let r = 0; r < height; r++) {
    for (let c = 0; c < width; c++) {
      const p = ((y + r) * w + x + c) * 4;
      const a = layer.rgba[p + 3];
      const share = mainInkShare(layer.rgba, p, main);
      all[r * width + c] = 255 - a;
      ownInk[r * width + c] = 255 - Math.round(a * share);
      mass += a * share;
      other += a * (1 - share);
    }
  }
  return { all, own: { ink: ownInk, mass }, other };
}

/** Black ink on white, enlarged so a line is about 32 px high, with a white margin. */
function page(ink: Buffer, box: { width: number; height: number }): Promise<Buffer> {
  const { width, height } = box;
  const scale = Math.max(1, Math.min(4, 64 / Math.max(8, height / 2)));
  return sharp(ink, { raw: { width, height, channels: 1 } })
    .resize(Math.round(width * scale), Math.round(height * scale))
    .extend({ top: 16, bottom: 16, left: 16, right: 16, background: '#ffffff' })
    .png()
    .toBuffer();
}
