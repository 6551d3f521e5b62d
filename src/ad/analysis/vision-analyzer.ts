import { Injectable } from '@nestjs/common';
import sharp from 'sharp';
import { z } from 'zod';
import { ChatApiRepository } from '../../providers/chat-api.repository';
import type { Box, Rgb } from '../../vision/image.types';
import type { AnalyzeRequest, ImageAnalysis, ImageAnalyzer, VisionReading } from './analysis.types';
import { EmbeddedImageAnalyzer } from './embedded-analyzer';
import { boxIntersectionArea } from '../../vision/box-geometry';
import { AA_CONTRAST, worstContrast } from '../../vision/text-color';

const SYSTEM =
  'You read a product photo that will become an advertisement and say where its copy can go. ' +
  'Describe the scene and its mood in a few words each, name up to five dominant colours as #rrggbb, ' +
  'give up to four free regions where text could sit (calm areas that do not cover the product), as boxes with x, y, width, height ' +
  'in fractions 0..1 of the image, the best text position (top, center or bottom) and a text colour (#rrggbb) that reads there. ' +
  'Answer as JSON only.';

const region = z.object({ x: z.number().min(0).max(1), y: z.number().min(0).max(1), width: z.number().gt(0).max(1), height: z.number().gt(0).max(1) });
const ANSWER = z.object({
  scene: z.string().max(300),
  mood: z.string().max(200),
  dominant_colors: z.array(z.string()).max(8),
  free_regions: z.array(region).max(8),
  text_position: z.enum(['top', 'center', 'bottom']),
  text_color: z.string(),
});
type Answer = z.infer<typeof ANSWER>;

const number = { type: 'number', minimum: 0, maximum: 1 };
const ANSWER_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: ['scene', 'mood', 'dominant_colors', 'free_regions', 'text_position', 'text_color'],
  properties: {
    scene: { type: 'string' },
    mood: { type: 'string' },
    dominant_colors: { type: 'array', items: { type: 'string' } },
    free_regions: {
      type: 'array',
      items: { type: 'object', additionalProperties: false, required: ['x', 'y', 'width', 'height'], properties: { x: number, y: number, width: number, height: number } },
    },
    text_position: { type: 'string', enum: ['top', 'center', 'bottom'] },
    text_color: { type: 'string' },
  },
};

/** A region may cover this share of the product at most: models draw boxes loosely. */
const MAX_PRODUCT_SHARE = 0.02;
/** Share of a region that must lie inside the placement's text-safe zone. */
const MIN_SAFE_SHARE = 0.9;
const SEND_SIDE = 1024;

/**
 * The seed's Qwen2-VL reading of the composite (`use_qwen_analysis`), checked before use. The
 * embedded analysis always runs first; the vision model's free regions pick among its
 * candidates only when they stay clear of the product and inside the safe zone, and its text
 * colour is taken only when it reaches WCAG AA on the measured pixels. Whatever it proposed that
 * was not used is kept in `vision` with the reason, so a job says why the embedded choice won.
 */
@Injectable()
export class VisionImageAnalyzer implements ImageAnalyzer {
  constructor(
    private readonly embedded: EmbeddedImageAnalyzer,
    private readonly chat: ChatApiRepository,
  ) {}

  get id(): string {
    const s = this.chat.settings('vision');
    return s ? `vision:${s.model}` : this.embedded.id;
  }

  async analyze(request: AnalyzeRequest): Promise<ImageAnalysis> {
    const base = await this.embedded.analyze(request);
    const settings = this.chat.settings('vision');
    if (!settings || request.useVision === false) return base;
    const { data, width, height } = request.image;
    const jpeg = await sharp(data, { raw: { width, height, channels: 3 } }).resize(SEND_SIDE, SEND_SIDE, { fit: 'inside' }).jpeg({ quality: 85 }).toBuffer();
    try {
      const answer = await this.chat.complete({
        role: 'vision',
        system: SYSTEM,
        user: `The image is ${width}x${height}. The copy to place: a short headline.`,
        image: jpeg,
        schema: { name: 'scene_analysis', json: ANSWER_SCHEMA, parse: ANSWER },
        signal: request.signal,
      });
      return reconcile(base, answer.value, request, answer.model);
    } catch (error) {
      if (!this.chat.fallsBackFrom(error)) throw error;
      const vision: VisionReading = { model: settings.model, used: false, notes: [`${error.code}: ${error.message}`] };
      return { ...base, vision };
    }
  }
}

/** The embedded analysis, steered by what the vision model proposed and the checks allowed. */
export function reconcile(base: ImageAnalysis, answer: Answer, request: AnalyzeRequest, model: string): ImageAnalysis {
  const { width, height } = base;
  const notes: string[] = [];
  const rejected: VisionReading['rejected'] = [];
  const accepted: Box[] = [];
  for (const r of answer.free_regions) {
    const box = clip({ x: r.x * width, y: r.y * height, width: r.width * width, height: r.height * height }, width, height);
    const why = regionProblem(box, base, request);
    if (why) rejected.push({ box, why });
    else accepted.push(box);
  }
  // The embedded candidate the accepted regions agree with most goes first.
  const scored = base.candidates.map((c) => ({ c, overlap: Math.max(0, ...accepted.map((b) => iou(b, c.box))) }));
  const bestMatch = scored.reduce((a, b) => (b.overlap > a.overlap ? b : a), scored[0]);
  let candidates = base.candidates;
  if (bestMatch && bestMatch.overlap > 0.1) {
    candidates = [bestMatch.c, ...base.candidates.filter((c) => c !== bestMatch.c)];
  } else if (request.position === 'auto') {
    const byPosition = base.candidates.find((c) => c.position === answer.text_position);
    if (byPosition) candidates = [byPosition, ...base.candidates.filter((c) => c !== byPosition)];
    notes.push(accepted.length ? 'no embedded candidate matches the free regions; took the suggested position' : 'no free region passed the checks; took the suggested position');
  }
  const best = candidates[0];
  const bg = { mean: best.meanLuminance, p10: best.luminanceP10 ?? best.meanLuminance, p90: best.luminanceP90 ?? best.meanLuminance };
  const suggested = parseHex(answer.text_color);
  let textColor = base.textColor;
  let contrast = best === base.candidates[0] ? base.contrast : worstContrast(base.textColor, bg);
  if (suggested && worstContrast(suggested, bg) >= AA_CONTRAST) {
    textColor = suggested;
    contrast = worstContrast(suggested, bg);
  } else {
    notes.push(`text colour ${answer.text_color} ${suggested ? `reaches ${worstContrast(suggested, bg).toFixed(2)}:1 there, under ${AA_CONTRAST}` : 'is not a #rrggbb colour'}; kept the measured choice`);
  }
  const vision: VisionReading = {
    model,
    used: true,
    scene: answer.scene,
    mood: answer.mood,
    dominantColors: answer.dominant_colors.filter((c) => parseHex(c)),
    suggestedPosition: answer.text_position,
    accepted,
    rejected,
    notes,
  };
  return {
    ...base,
    candidates,
    textColor,
    contrast,
    description: `${answer.scene} (${answer.mood}). ${base.description}`,
    provider: `vision:${model}`,
    vision,
  };
}

function regionProblem(box: Box, base: ImageAnalysis, request: AnalyzeRequest): string | null {
  if (box.width < 8 || box.height < 8) return 'too small';
  const safe = boxIntersectionArea(box, base.safeZone) / (box.width * box.height);
  if (safe < MIN_SAFE_SHARE) return `only ${Math.round(safe * 100)}% inside the text-safe zone`;
  const covered = productShare(box, request, base.productBox);
  if (covered > MAX_PRODUCT_SHARE) return `covers the product (${Math.round(covered * 100)}% of the region)`;
  return null;
}

/** Share of the region's pixels that are product: by the mask where known, else the product box. */
function productShare(box: Box, request: AnalyzeRequest, productBox: Box | null): number {
  const mask = request.productMask;
  if (mask && mask.width === request.image.width && mask.height === request.image.height) {
    let hits = 0;
    for (let y = box.y; y < box.y + box.height; y++) {
      for (let x = box.x; x < box.x + box.width; x++) if (mask.data[y * mask.width + x] >= 128) hits++;
    }
    return hits / (box.width * box.height);
  }
  return productBox ? boxIntersectionArea(box, productBox) / (box.width * box.height) : 0;
}

function clip(b: Box, width: number, height: number): Box {
  const x = Math.max(0, Math.min(width - 1, Math.round(b.x)));
  const y = Math.max(0, Math.min(height - 1, Math.round(b.y)));
  return { x, y, width: Math.max(1, Math.min(width - x, Math.round(b.width))), height: Math.max(1, Math.min(height - y, Math.round(b.height))) };
}

function iou(a: Box, b: Box): number {
  const inter = boxIntersectionArea(a, b);
  return inter / (a.width * a.height + b.width * b.height - inter);
}

function parseHex(value: string): Rgb | null {
  const m = /^#?([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(value.trim());
  return m ? [parseInt(m[1], 16), parseInt(m[2], 16), parseInt(m[3], 16)] : null;
}
