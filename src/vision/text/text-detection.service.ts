import { Injectable } from '@nestjs/common';
import { Tensor } from 'onnxruntime-node';
import sharp from 'sharp';
import { throwIfAborted } from '../../common/errors/domain.exception';
import { ModelRegistry } from '../../models/model-registry.service';
import type { Box, RawImage } from '../image.types';
import { labelComponents } from '../masks';

/** PP-OCR's DB post-processing constants (PaddleOCR det_db_thresh, box_thresh, unclip_ratio). */
const PIXEL_THRESHOLD = 0.3;
const BOX_THRESHOLD = 0.55;
const UNCLIP_RATIO = 1.6;
const MAX_SIDE = 960;
const MEAN = [0.485, 0.456, 0.406];
const STD = [0.229, 0.224, 0.225];

export interface TextLine {
  box: Box;
  /** Mean text probability inside the detected region. */
  score: number;
}

/**
 * Text lines by the PP-OCRv4 detector (DBNet): a probability map at up to 960 px, thresholded,
 * each region grown back by DB's unclip distance (the model is trained on shrunk text kernels)
 * and scaled to the image. Lines, not words: Korean posters set words apart by spaces the
 * detector bridges, which is what a text layer wants.
 */
@Injectable()
export class TextDetectionService {
  constructor(private readonly registry: ModelRegistry) {}

  get modelId(): string {
    return this.registry.preferred('text-detection').id;
  }

  async detect(image: RawImage, signal?: AbortSignal): Promise<TextLine[]> {
    throwIfAborted(signal);
    const { width, height } = image;
    const scale = Math.min(1, MAX_SIDE / Math.max(width, height));
    const tw = Math.max(32, Math.round((width * scale) / 32) * 32);
    const th = Math.max(32, Math.round((height * scale) / 32) * 32);
    const rgb = await sharp(image.data, { raw: { width, height, channels: image.channels } }).removeAlpha().resize(tw, th, { fit: 'fill' }).raw().toBuffer();
    const input = new Float32Array(3 * tw * th);
    for (let i = 0; i < tw * th; i++) {
      for (let c = 0; c < 3; c++) input[c * tw * th + i] = (rgb[i * 3 + c] / 255 - MEAN[c]) / STD[c];
    }
    const lease = await this.registry.acquire(this.registry.preferred('text-detection').id);
    let prob: Float32Array;
    try {
      throwIfAborted(signal);
      const out = await lease.run({ [lease.inputNames[0]]: new Tensor('float32', input, [1, 3, th, tw]) });
      prob = out[lease.outputNames[0]].data as Float32Array;
    } finally {
      lease.release();
    }
    return linesFromProbability(prob, tw, th, width / tw, height / th, width, height);
  }
}

/** DB post-processing on the probability map; boxes in image pixels (sx, sy: map -> image). */
export function linesFromProbability(prob: Float32Array, w: number, h: number, sx: number, sy: number, width: number, height: number): TextLine[] {
  const mask = new Uint8Array(w * h);
  for (let i = 0; i < w * h; i++) mask[i] = prob[i] > PIXEL_THRESHOLD ? 1 : 0;
  const { labels, components } = labelComponents(mask, w, h);
  const sums = new Float64Array(components.length + 1);
  for (let i = 0; i < w * h; i++) if (labels[i]) sums[labels[i]] += prob[i];
  const lines: TextLine[] = [];
  for (const c of components) {
    const score = sums[c.id] / c.area;
    if (c.area < 10 || score < BOX_THRESHOLD || Math.min(c.box.width, c.box.height) < 3) continue;
    // DB unclip: grow the kernel by area * ratio / perimeter (the box stands in for the polygon).
    const d = (c.area * UNCLIP_RATIO) / (2 * (c.box.width + c.box.height));
    const x0 = Math.max(0, Math.floor((c.box.x - d) * sx));
    const y0 = Math.max(0, Math.floor((c.box.y - d) * sy));
    const x1 = Math.min(width, Math.ceil((c.box.x + c.box.width + d) * sx));
    const y1 = Math.min(height, Math.ceil((c.box.y + c.box.height + d) * sy));
    lines.push({ box: { x: x0, y: y0, width: x1 - x0, height: y1 - y0 }, score });
  }
  return lines.sort((a, b) => a.box.y - b.box.y || a.box.x - b.box.x);
}
