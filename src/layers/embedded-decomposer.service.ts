import { Injectable } from '@nestjs/common';
import sharp from 'sharp';
import { isDomainException, throwIfAborted } from '../common/errors/domain.exception';
import type { Box, RawImage } from '../vision/image.types';
import { inpaint } from '../vision/inpaint';
import { dilate, unionOf } from '../vision/masks';
import { type SegmentationResult, SegmentationService } from '../vision/segmentation/segmentation.service';
import { TextDetectionService, type TextLine } from '../vision/text/text-detection.service';
import { TesseractRepository } from '../vision/text/tesseract.repository';
import type { Decomposition } from './decomposition.types';
import { inkOver, softAlpha, textInk } from './ink-separation';
import { completeBehind, type FoundShape, findShapes, overlayOf } from './shape-detection';
import { readTextLayers } from './layer-ocr';
import { findRules } from './rule-detection';
import { findPanels } from './panel-detection';
import { type LayerDraft, mergeTo, psnr, recompose, stackLayers } from './layer-stack';
import { salientObjects } from './salient-objects';

export interface DecomposeOptions {
  /** Layers wanted, background included, or `auto`: as many as were found (see mergeTo). */
  layers: number | 'auto';
  signal?: AbortSignal;
  onProgress?: (fraction: number, step: string) => void;
}

/**
 * The embedded decomposer (no key, no GPU): text blocks by the PP-OCRv4 detector with their ink
 * separated from what lies behind and read by Tesseract; objects from the segmentation matte;
 * flat shapes by colour clustering; the background filled where they stood; every layer's colour
 * unblended so the stack restacks to the poster.
 */
@Injectable()
export class EmbeddedDecomposer {
  constructor(
    private readonly detector: TextDetectionService,
    private readonly segmentation: SegmentationService,
    private readonly ocr: TesseractRepository,
  ) {}

  async decompose(image: RawImage, opts: DecomposeOptions): Promise<Decomposition> {
    const { width: w, height: h } = image;
    const rgb = new Uint8Array(await sharp(image.data, { raw: { width: w, height: h, channels: image.channels } }).removeAlpha().raw().toBuffer());
    const report = opts.onProgress ?? (() => undefined);
    const timings: Record<string, number> = {};
    const timed = async <T>(name: string, fraction: number, work: () => Promise<T> | T): Promise<T> => {
      throwIfAborted(opts.signal);
      report(fraction, name);
      const started = performance.now();
      try {
        return await work();
      } finally {
        timings[name] = Math.round(performance.now() - started);
      }
    };

    // The salient matte needs only the image: its inference runs beside text detection and the
    // shapes (plain JS), and the objects stage takes it when it gets there.
    const salient = this.segmentation.segment(image, { signal: opts.signal, draft: true }).then(
      (result) => ({ result }),
      (error: unknown) => ({ error }),
    );
    const blocks = await timed('text', 0.05, async () => textBlocks(await this.detector.detect({ data: Buffer.from(rgb), width: w, height: h, channels: 3 }, opts.signal), w, h));
    const textMasks = blocks.map((box) => {
      const mask = new Uint8Array(w * h);
      textInk(rgb, w, h, box, mask);
      return mask;
    });
    const textUnion = unionOf(textMasks, w * h);
    const shapes = await timed('shapes', 0.25, () => {
      const flat = findShapes(rgb, w, h, textUnion);
      const panels = [...flat, ...findPanels(rgb, w, h, textUnion, flat)];
      return [...panels, ...findRules(rgb, w, h, textUnion, panels)];
    });
    const objects = await timed('objects', 0.35, () => this.objects(image, rgb, textUnion, shapes, salient));
    const occluders = dilate(unionOf([textUnion, ...objects.map((o) => o.hard)], w * h), w, h, 2);
    for (const s of shapes) {
      s.mask = completeBehind(s.mask, occluders, w, h);
      Object.assign(s, overlayOf(rgb, s.mask, w, h, occluders));
    }

    // Under an overlay the background shows through and is recovered, B = (I - oC) / (1 - o);
    // under everything else (and the overlays' rims) it is filled.
    const base = Uint8Array.from(rgb);
    const overlays = shapes.filter((s) => s.opacity < 1);
    for (const s of overlays) {
      for (let p = 0; p < w * h; p++) {
        if (!s.mask[p] || occluders[p]) continue;
        for (let c = 0; c < 3; c++) base[p * 3 + c] = Math.max(0, Math.min(255, Math.round((rgb[p * 3 + c] - s.opacity * s.color[c]) / (1 - s.opacity))));
      }
    }
    const rims = overlays.map((s) => {
      const grown = dilate(s.mask, w, h, 1);
      return grown.map((v, p) => (v && !erode1(s.mask, w, h, p) ? 1 : 0));
    });
    const hole = unionOf([dilate(textUnion, w, h, 2), ...objects.map((o) => dilate(o.hard, w, h, 2)), ...shapes.filter((s) => s.opacity === 1).map((s) => dilate(s.mask, w, h, 1)), ...rims], w * h);
    const background = await timed('background', 0.6, () => inpaint(base, hole, w, h));

    const drafts: LayerDraft[] = [
      ...shapes
        .map((s) => ({ s, area: s.mask.reduce((n, v) => n + v, 0) }))
        .sort((a, b) => b.area - a.area)
        .map(({ s }, i) => ({
          kind: 'shape' as const,
          name: `shape ${i + 1}`,
          fill: s.color,
          alpha: (below: Float32Array) => softAlpha(rgb, below, s.mask, w, h, s.color).map((a) => Math.min(a, Math.round(255 * s.opacity))),
        })),
      ...objects.map((o, i) => ({ kind: 'object' as const, name: `object ${i + 1}`, alpha: () => o.alpha })),
      ...blocks.map((box, i) => ({ kind: 'text' as const, name: `text ${i + 1}`, alpha: (below: Float32Array) => softAlpha(rgb, below, inkOver(rgb, below, box, w, h), w, h) })),
    ];
    const stacked = await timed('unblend', 0.7, () => stackLayers(rgb, background, drafts, w, h));
    await timed('read', 0.8, () => readTextLayers(this.ocr, stacked, w, h, opts.signal));
    const layers = mergeTo(stacked, opts.layers, w, h);
    return {
      width: w,
      height: h,
      layers,
      psnr: psnr(recompose(layers, w, h), rgb),
      requested: opts.layers,
      engines: {
        text: `${this.detector.modelId} + ${this.ocr.available ? 'tesseract (kor+eng)' : 'no OCR (tesseract not installed)'}`,
        objects: objects.model,
        shapes: 'colour clustering + straight sides (panels over photos)',
        background: 'Telea (thin) + harmonic fill (wide)',
      },
      timings,
    };
  }

  /** The objects in the salient matte (salient-objects.ts); none when the matte saw nothing. */
  private async objects(image: RawImage, rgb: Uint8Array, text: Uint8Array, shapes: FoundShape[], salient: Promise<{ result: SegmentationResult } | { error: unknown }>) {
    const { width: w, height: h } = image;
    const found: Array<{ hard: Uint8Array; alpha: Uint8Array }> & { model: string } = Object.assign([], { model: 'none' });
    const segmented = await salient;
    if ('error' in segmented) {
      // A poster with no salient object is a poster without object layers, not a failed job.
      if (isDomainException(segmented.error) && segmented.error.code === 'INVALID_IMAGE') return found;
      throw segmented.error;
    }
    found.model = segmented.result.modelId;
    found.push(...salientObjects(rgb, w, h, new Uint8Array(segmented.result.matte.data), text, shapes));
    return found;
  }
}

/** Whether pixel p and its four neighbours are all inside the mask. */
function erode1(mask: Uint8Array, w: number, h: number, p: number): boolean {
  const [x, y] = [p % w, Math.floor(p / w)];
  return !!mask[p] && x > 0 && y > 0 && x < w - 1 && y < h - 1 && !!mask[p - 1] && !!mask[p + 1] && !!mask[p - w] && !!mask[p + w];
}

/**
 * Detected lines grouped into blocks (a headline's two lines, a word the detector split), each
 * grown by a margin so its rim is background: the ink separation predicts the background from it.
 */
export function textBlocks(lines: TextLine[], w: number, h: number): Box[] {
  // Each block keeps the height of its lines: a block of five lines is still lines of one size,
  // and a sixth line of that size belongs to it.
  const blocks: Array<Box & { line: number }> = [];
  for (const { box } of [...lines].sort((a, b) => a.box.y - b.box.y)) {
    const near = blocks.find((b) => {
      const lineH = Math.min(b.line, box.height);
      const sameRow = Math.min(b.y + b.height, box.y + box.height) - Math.max(b.y, box.y) > 0.5 * lineH;
      const hGap = Math.max(b.x, box.x) - Math.min(b.x + b.width, box.x + box.width);
      const vGap = Math.max(b.y, box.y) - Math.min(b.y + b.height, box.y + box.height);
      const hOverlap = hGap < 0;
      return (sameRow && hGap < lineH) || (hOverlap && vGap < 0.6 * lineH && box.height < 2 * b.line && b.line < 2 * box.height);
    });
    if (near) {
      const x1 = Math.max(near.x + near.width, box.x + box.width);
      const y1 = Math.max(near.y + near.height, box.y + box.height);
      near.x = Math.min(near.x, box.x);
      near.y = Math.min(near.y, box.y);
      near.width = x1 - near.x;
      near.height = y1 - near.y;
    } else blocks.push({ ...box, line: box.height });
  }
  return blocks.map((b) => {
    // The detector's boxes are already grown (DB unclip); a little more keeps the rim off the ink.
    const m = 3;
    const x = Math.max(0, b.x - m);
    const y = Math.max(0, b.y - m);
    return { x, y, width: Math.min(w, b.x + b.width + m) - x, height: Math.min(h, b.y + b.height + m) - y };
  });
}
