import { type Layer, type Psd, writePsdBuffer } from 'ag-psd';
import { strToU8, zipSync } from 'fflate';
import sharp from 'sharp';
import type { Box, Rgb } from '../vision/image.types';
import { rgbOf } from '../vision/color-math';
import type { TextTypography } from './typography';

/** One layer to export: full-canvas straight-alpha RGBA, and what a PSD should know about it. */
export interface ExportLayer {
  name: string;
  rgba: Uint8Array;
  box: Box;
  blend?: 'normal' | 'multiply';
  opacity?: number;
  /** Text a PSD keeps editable beside the pixels, with the colour it is drawn in. */
  text?: { value: string; color?: Rgb; font?: string; typography?: TextTypography };
}

const PREVIEW_TILE = 256;

/** The layer's pixels inside its box, as ag-psd wants them. */
function cropped(layer: ExportLayer, width: number): { width: number; height: number; data: Uint8ClampedArray } {
  const { x, y, width: w, height: h } = layer.box;
  const data = new Uint8ClampedArray(Math.max(1, w) * Math.max(1, h) * 4);
  for (let r = 0; r < h; r++) data.set(layer.rgba.subarray(((y + r) * width + x) * 4, ((y + r) * width + x + w) * 4), r * w * 4);
  return { width: Math.max(1, w), height: Math.max(1, h), data };
}

/**
 * A layered PSD (Photoshop, Photopea, GIMP): every layer's pixels at its offset with its name,
 * blend mode and opacity, text layers with their text as editable type data over the same
 * pixels (Photoshop offers to update them when opened), and the flattened composite.
 */
export function psdOf(width: number, height: number, layers: ExportLayer[], composite: Uint8Array): Buffer {
  const children: Layer[] = layers.map((layer) => {
    const image = cropped(layer, width);
    const out: Layer = {
      name: layer.name.slice(0, 250),
      left: layer.box.x,
      top: layer.box.y,
      imageData: image,
      opacity: layer.opacity ?? 1,
      blendMode: layer.blend === 'multiply' ? 'multiply' : 'normal',
    };
    if (layer.text?.value) out.text = psdText(layer);
    return out;
  });
  const rgba = new Uint8ClampedArray(width * height * 4);
  for (let p = 0; p < width * height; p++) {
    rgba.set(composite.subarray(p * 3, p * 3 + 3), p * 4);
    rgba[p * 4 + 3] = 255;
  }
  const psd: Psd = { width, height, channels: 3, bitsPerChannel: 8, colorMode: 3, children, imageData: { width, height, data: rgba } };
  return writePsdBuffer(psd, { generateThumbnail: false, trimImageData: false });
}

/**
 * Editable type over the layer's pixels: with matched typography, its family (the PostScript
 * name fonts-nanum uses, Bold for 700), size, colour, tracking (thousandths of an em), leading and
 * justification, anchored where a point text's first baseline starts; without, the copy in the
 * layer's colour at a size from its box.
 */
function psdText(layer: ExportLayer): NonNullable<Layer['text']> {
  const { value, typography: t } = layer.text!;
  const color = (t && rgbOf(t.color)) || (layer.text!.color ?? [0, 0, 0]);
  const size = t?.size_px ?? Math.max(6, Math.round(layer.box.height * 0.7));
  const anchorX = !t ? layer.box.x : t.align === 'left' ? t.frame.x : t.align === 'right' ? t.frame.x + t.frame.width : t.frame.x + t.frame.width / 2;
  const baseline = t ? t.frame.y + ((t.line_height - 1) * size) / 2 + 0.88 * size : layer.box.y + size;
  return {
    text: value.replace(/\n/g, '\r'),
    transform: [1, 0, 0, 1, anchorX, baseline],
    style: {
      font: { name: t ? `${t.family}${t.weight >= 700 ? 'Bold' : ''}` : (layer.text!.font ?? 'NanumGothic') },
      fontSize: size,
      fillColor: { r: color[0], g: color[1], b: color[2] },
      ...(t ? { tracking: Math.round((t.letter_spacing_px / size) * 1000), leading: Math.round(t.line_height * size), autoLeading: false } : {}),
    },
    ...(t ? { paragraphStyle: { justification: t.align } } : {}),
  };
}

/** Full-canvas RGBA PNG of one layer: every file in a ZIP stacks on the others as it is. */
export function layerPng(layer: ExportLayer, width: number, height: number): Promise<Buffer> {
  return sharp(Buffer.from(layer.rgba.buffer, layer.rgba.byteOffset, layer.rgba.byteLength), { raw: { width, height, channels: 4 } })
    .png({ compressionLevel: 6 })
    .toBuffer();
}

/** The files, uncompressed where they already are (PNG, JPEG), deflated otherwise. */
export function zipOf(files: Record<string, Buffer | string>): Buffer {
  const entries: Record<string, [Uint8Array, { level: 0 | 6 }]> = {};
  for (const [name, data] of Object.entries(files)) {
    const bytes = typeof data === 'string' ? strToU8(data) : new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    entries[name] = [bytes, { level: /\.(png|jpe?g)$/i.test(name) ? 0 : 6 }];
  }
  return Buffer.from(zipSync(entries));
}

/** A contact sheet: the poster, then each layer on a checkerboard, 256 px tiles, as JPEG. */
export async function previewOf(width: number, height: number, composite: Uint8Array, layers: ExportLayer[]): Promise<Buffer> {
  const scale = PREVIEW_TILE / Math.max(width, height);
  const tw = Math.max(1, Math.round(width * scale));
  const th = Math.max(1, Math.round(height * scale));
  const checker = await sharp(
    Buffer.from(`<svg xmlns="http://www.w3.org/2000/svg" width="${tw}" height="${th}"><defs><pattern id="c" width="16" height="16" patternUnits="userSpaceOnUse"><rect width="16" height="16" fill="#fff"/><rect width="8" height="8" fill="#ddd"/><rect x="8" y="8" width="8" height="8" fill="#ddd"/></pattern></defs><rect width="100%" height="100%" fill="url(#c)"/></svg>`),
  )
    .png()
    .toBuffer();
  const tiles = [await sharp(Buffer.from(composite), { raw: { width, height, channels: 3 } }).resize(tw, th).png().toBuffer()];
  for (const layer of layers) {
    const small = await sharp(Buffer.from(layer.rgba), { raw: { width, height, channels: 4 } }).resize(tw, th).png().toBuffer();
    tiles.push(await sharp(checker).composite([{ input: small }]).png().toBuffer());
  }
  const cols = Math.min(4, tiles.length);
  const rows = Math.ceil(tiles.length / cols);
  const gap = 8;
  return sharp({ create: { width: cols * (tw + gap) + gap, height: rows * (th + gap) + gap, channels: 3, background: '#f4f2ee' } })
    .composite(tiles.map((input, i) => ({ input, left: gap + (i % cols) * (tw + gap), top: gap + Math.floor(i / cols) * (th + gap) })))
    .jpeg({ quality: 85 })
    .toBuffer();
}
