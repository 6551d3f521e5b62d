import { Injectable } from '@nestjs/common';
import sharp from 'sharp';
import { z } from 'zod';
import { ChatApiRepository } from '../providers/chat-api.repository';
import type { DecomposedLayer } from './decomposition.types';

const SYSTEM =
  'You describe one layer of a poster that was split into editable layers, for the designer who will edit it. ' +
  'The image shows the layer alone on grey. In one short Korean sentence say what it shows and its part in the poster ' +
  '(e.g. "빨간 원형 배지", "제품 사진: 갈색 유리병"). Answer as JSON only.';
const ANSWER = z.object({ description: z.string().min(1).max(400) });
const SCHEMA = { type: 'object', additionalProperties: false, required: ['description'], properties: { description: { type: 'string' } } };
const SEND_SIDE = 512;
/** Layers described at once: a poster has at most ten. */
const PARALLEL = 4;

/**
 * A sentence per layer from the vision provider, as the seed's Gemini step gave. The answer is
 * untrusted text: control characters and markup-like runs go, it is cut to 200 characters, and
 * it lands only in metadata (shown escaped). All layers or none: a failure part-way leaves the
 * embedded descriptions, and says why.
 */
@Injectable()
export class LayerDescriber {
  constructor(private readonly chat: ChatApiRepository) {}

  /** Which describer wrote the descriptions, for the result's engines. */
  async describe(layers: DecomposedLayer[], w: number, h: number, signal?: AbortSignal): Promise<string> {
    const model = this.chat.settings('vision')?.model;
    if (!model) return 'embedded';
    const sentences: string[] = [];
    try {
      for (let i = 0; i < layers.length; i += PARALLEL) {
        const batch = layers.slice(i, i + PARALLEL).map(async (layer, k) => {
          const answer = await this.chat.complete({
            role: 'vision',
            system: SYSTEM,
            user: `Layer ${i + k + 1} of ${layers.length}, back to front; found as: ${layer.kind}${layer.text ? `; the text read in it: ${JSON.stringify(layer.text)}` : ''}.`,
            image: await layerJpeg(layer, w, h),
            schema: { name: 'layer_description', json: SCHEMA, parse: ANSWER },
            signal,
          });
          sentences[i + k] = clean(answer.value.description);
        });
        await Promise.all(batch);
      }
    } catch (error) {
      if (!this.chat.fallsBackFrom(error)) throw error;
      return `embedded (the vision provider failed: ${error.message})`;
    }
    layers.forEach((layer, i) => (layer.description = sentences[i] || layer.description));
    return `vision: ${model}`;
  }
}

/** The layer cropped to its box (with a margin) over mid grey, at most 512 px. */
async function layerJpeg(layer: DecomposedLayer, w: number, h: number): Promise<Buffer> {
  const m = 16;
  const left = Math.max(0, layer.box.x - m);
  const top = Math.max(0, layer.box.y - m);
  const width = Math.max(1, Math.min(w, layer.box.x + layer.box.width + m) - left);
  const height = Math.max(1, Math.min(h, layer.box.y + layer.box.height + m) - top);
  return sharp(Buffer.from(layer.rgba), { raw: { width: w, height: h, channels: 4 } })
    .extract({ left, top, width, height })
    .resize(SEND_SIDE, SEND_SIDE, { fit: 'inside', withoutEnlargement: true })
    .flatten({ background: '#808080' })
    .jpeg({ quality: 85 })
    .toBuffer();
}

/** One line of plain text: no control characters, no angle brackets, at most 200 characters. */
function clean(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u001f\u007f-\u009f<>]/g, ' ').replace(/\s+/g, ' ').trim().slice(0, 200);
}
