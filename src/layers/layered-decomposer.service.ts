import { Injectable } from '@nestjs/common';
import sharp from 'sharp';
import { DomainException, throwIfAborted } from '../common/errors/domain.exception';
import { ErrorCode } from '../common/errors/error-codes';
import type { RawImage } from '../vision/image.types';
import { TextDetectionService } from '../vision/text/text-detection.service';
import { TesseractRepository } from '../vision/text/tesseract.repository';
import type { DecomposedLayer, Decomposition, LayerKind } from './decomposition.types';
import type { DecomposeOptions } from './embedded-decomposer.service';
import { LayeredApiRepository } from './layered-api.repository';
import { readTextLayers } from './layer-ocr';
import { absorbResidue, finish, mergeTo, psnr, recompose } from './layer-stack';

/** Layers that stack to less than this against the poster are not a decomposition of it. */
const MIN_PROVIDER_PSNR = 20;
/** What `auto` asks a layered provider for: Qwen-Image-Layered's own default, which the model was tuned at. */
const LAYERED_AUTO_LAYERS = 4;

/**
 * Poster decomposition by Qwen-Image-Layered (LAYERED_API_BASE_URL). Its answer is normalized:
 * layers scaled to the poster, a leading full composite dropped, the order made back to front,
 * the back-most made opaque; checked by recomposition; each layer's kind found (text where the
 * PP-OCRv4 detector saw lines, flat colour a shape, else an object), its text read, what the
 * model's layers miss of the poster folded into them so the stack restacks exactly.
 */
@Injectable()
export class LayeredDecomposer {
  constructor(
    private readonly api: LayeredApiRepository,
    private readonly detector: TextDetectionService,
    private readonly ocr: TesseractRepository,
  ) {}

  get configured(): boolean {
    return this.api.endpoint !== null;
  }

  async decompose(image: RawImage, opts: DecomposeOptions & { seed: number }): Promise<Decomposition> {
    const { width: w, height: h } = image;
    const rgb = new Uint8Array(image.data);
    const report = opts.onProgress ?? (() => undefined);
    const timings: Record<string, number> = {};
    const host = new URL(this.api.endpoint!).host;

    report(0.05, 'provider');
    let started = performance.now();
    const png = await sharp(image.data, { raw: { width: w, height: h, channels: 3 } }).png().toBuffer();
    const images = await this.api.decompose({ png, layers: opts.layers === 'auto' ? LAYERED_AUTO_LAYERS : opts.layers, seed: opts.seed, signal: opts.signal });
    timings.provider = Math.round(performance.now() - started);

    throwIfAborted(opts.signal);
    report(0.7, 'normalize');
    started = performance.now();
    const { planes, droppedComposite, reversed } = await normalize(images, rgb, w, h, host);
    const own = psnr(stackRgb(planes, w, h), rgb);
    if (own < MIN_PROVIDER_PSNR) {
      throw new DomainException(ErrorCode.PROVIDER_ERROR, `the layered provider (${host}) answered layers that stack to ${own.toFixed(1)} dB of the poster, below ${MIN_PROVIDER_PSNR} dB`, { role: 'layered' });
    }
    const textZone = await this.textZone(image, opts.signal);
    const counts: Record<string, number> = {};
    const layers: DecomposedLayer[] = planes.map((rgba, i) => {
      const kind: LayerKind = i === 0 ? 'background' : kindOf(rgba, textZone, w, h);
      counts[kind] = (counts[kind] ?? 0) + 1;
      return finish(kind, kind === 'background' ? 'background' : `${kind} ${counts[kind]}`, rgba, w, h);
    });
    absorbResidue(rgb, layers, w, h);
    timings.normalize = Math.round(performance.now() - started);

    report(0.8, 'read');
    started = performance.now();
    await readTextLayers(this.ocr, layers, w, h, opts.signal);
    timings.read = Math.round(performance.now() - started);
    const merged = mergeTo(layers.filter((l, i) => i === 0 || l.area > 0), opts.layers, w, h);
    const notes = [droppedComposite && 'its leading composite dropped', reversed && 'its order reversed to back-to-front'].filter(Boolean).join(', ');
    return {
      width: w,
      height: h,
      layers: merged,
      psnr: psnr(recompose(merged, w, h), rgb),
      requested: opts.layers,
      engines: {
        layers: `qwen-image-layered at ${host}: its layers stack to ${Number.isFinite(own) ? `${own.toFixed(1)} dB` : 'the poster exactly'}${notes ? `; ${notes}` : ''}; what they missed folded into them`,
        text: `${this.detector.modelId} (kinds) + ${this.ocr.available ? 'tesseract (kor+eng)' : 'no OCR (tesseract not installed)'}`,
      },
      timings,
    };
  }

  /** Where the poster has text lines (0/1, grown a little): a layer mostly there is a text layer. */
  private async textZone(image: RawImage, signal?: AbortSignal): Promise<Uint8Array> {
    const { width: w, height: h } = image;
    const zone = new Uint8Array(w * h);
    for (const { box } of await this.detector.detect(image, signal)) {
      for (let y = Math.max(0, box.y - 3); y < Math.min(h, box.y + box.height + 3); y++) zone.fill(1, y * w + Math.max(0, box.x - 3), y * w + Math.min(w, box.x + box.width + 3));
    }
    return zone;
  }
}

/** The server's images as full-size straight-alpha planes, back to front, the first opaque. */
async function normalize(images: Buffer[], rgb: Uint8Array, w: number, h: number, host: string) {
  const planes = await Promise.all(
    images.map(async (bytes, i) => {
      try {
        return new Uint8Array(await sharp(bytes, { limitInputPixels: 50_000_000 }).ensureAlpha().resize(w, h, { fit: 'fill' }).raw().toBuffer());
      } catch {
        throw new DomainException(ErrorCode.PROVIDER_ERROR, `the layered provider (${host}) answered with layer ${i} that is not an image`, { role: 'layered' });
      }
    }),
  );
  const opaque = planes.map((p) => opaqueShare(p) >= 0.99);
  // Hosted Qwen-Image-Layered answers the whole image first, then the layers: an opaque first
  // image with another opaque one after it can only be that composite (it would hide the rest).
  const droppedComposite = planes.length > 1 && opaque[0] && opaque.slice(1).some(Boolean);
  if (droppedComposite) [planes, opaque].forEach((list) => list.shift());
  const reversed = planes.length > 1 && !opaque[0] && opaque[opaque.length - 1];
  if (reversed) planes.reverse();
  // The back-most layer must cover the canvas: where it does not, the poster shows through.
  const back = planes[0];
  for (let p = 0; p < w * h; p++) {
    const a = back[p * 4 + 3] / 255;
    for (let c = 0; c < 3; c++) back[p * 4 + c] = Math.round(back[p * 4 + c] * a + rgb[p * 3 + c] * (1 - a));
    back[p * 4 + 3] = 255;
  }
  return { planes, droppedComposite, reversed };
}

function opaqueShare(rgba: Uint8Array): number {
  let n = 0;
  for (let i = 3; i < rgba.length; i += 4) if (rgba[i] === 255) n++;
  return n / (rgba.length / 4);
}

function stackRgb(planes: Uint8Array[], w: number, h: number): Uint8Array {
  return recompose(planes.map((rgba) => ({ rgba })), w, h);
}

/** Text where most of the layer lies on detected lines; a shape when its colour is flat; else an object. */
function kindOf(rgba: Uint8Array, textZone: Uint8Array, w: number, h: number): LayerKind {
  let [mass, onText] = [0, 0];
  const sum = [0, 0, 0];
  const sq = [0, 0, 0];
  for (let p = 0; p < w * h; p++) {
    if (rgba[p * 4 + 3] < 128) continue;
    mass++;
    onText += textZone[p];
    for (let c = 0; c < 3; c++) {
      sum[c] += rgba[p * 4 + c];
      sq[c] += rgba[p * 4 + c] ** 2;
    }
  }
  if (mass === 0) return 'object';
  if (onText / mass >= 0.5) return 'text';
  const std = Math.sqrt(sq.reduce((acc, s, c) => acc + s / mass - (sum[c] / mass) ** 2, 0) / 3);
  return std < 12 ? 'shape' : 'object';
}
