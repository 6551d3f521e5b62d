import { Injectable } from '@nestjs/common';
import sharp from 'sharp';
import { isDomainException, throwIfAborted } from '../common/errors/domain.exception';
import type { Box, RawImage } from '../vision/image.types';
import { inpaint } from '../vision/inpaint';
import { dilate, labelComponents } from '../vision/masks';
import { type SegmentationResult, SegmentationService } from '../vision/segmentation/segmentation.service';
import { TextDetectionService, type TextLine } from '../vision/text/text-detection.service';
import { TesseractRepository } from '../vision/text/tesseract.repository';
import type { Decomposition } from './decomposition.types';
import { dist, inkOver, softAlpha, textInk } from './ink-separation';
import { completeBehind, type FoundShape, findShapes, overlayOf } from './shape-detection';
import { readTextLayers } from './layer-ocr';
import { photoCards } from './card-detection';
import { findRules } from './rule-detection';
import { findPanels } from './panel-detection';
import { type LayerDraft, mergeTo, psnr, recompose, stackLayers } from './layer-stack';

/** An object smaller than this share of the poster is a speck of the matte, not a layer. */
const MIN_OBJECT_SHARE = 0.004;
/** An object's edge is at least this sharp (see edgeSharpness); a blurred photo's subject is not. */
const MIN_EDGE_SHARPNESS = 0.45;
/** Around a photograph's own subject: at least this many colours (5 bits a channel) and this share of fine texture. */
const PHOTO_COLOURS = 150;
const PHOTO_TEXTURE = 0.4;
/** Share of a salient region's edge pixels that must step in colour for its sharpness to be read at all. */
const MIN_STEPPING_EDGE = 0.05;
/** A region along this share of a canvas edge runs off the poster: it is part of the page's photo. */
const BLEED_SHARE = 0.25;

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
    const textUnion = union(textMasks, w * h);
    const shapes = await timed('shapes', 0.25, () => {
      const flat = findShapes(rgb, w, h, textUnion);
      const panels = [...flat, ...findPanels(rgb, w, h, textUnion, flat)];
      return [...panels, ...findRules(rgb, w, h, textUnion, panels)];
    });
    const objects = await timed('objects', 0.35, () => this.objects(image, rgb, textUnion, shapes, salient));
    const occluders = dilate(union([textUnion, ...objects.map((o) => o.hard)], w * h), w, h, 2);
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
    const hole = union([dilate(textUnion, w, h, 2), ...objects.map((o) => dilate(o.hard, w, h, 2)), ...shapes.filter((s) => s.opacity === 1).map((s) => dilate(s.mask, w, h, 1)), ...rims], w * h);
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

  /** Salient objects: the matte's solid components, less text and less what is a flat shape. */
  private async objects(image: RawImage, rgb: Uint8Array, text: Uint8Array, shapes: FoundShape[], salient: Promise<{ result: SegmentationResult } | { error: unknown }>) {
    const { width: w, height: h } = image;
    const found: Array<{ hard: Uint8Array; alpha: Uint8Array }> & { model: string } = Object.assign([], { model: 'none' });
    const segmented = await salient;
    if ('error' in segmented) {
      // A poster with no salient object is a poster without object layers, not a failed job.
      if (isDomainException(segmented.error) && segmented.error.code === 'INVALID_IMAGE') return found;
      throw segmented.error;
    }
    const matte = new Uint8Array(segmented.result.matte.data);
    found.model = segmented.result.modelId;
    const nearText = dilate(text, w, h, 3);
    // A line inside what the matte holds (a bottle's highlight) is the object's, not a rule on it.
    for (let k = shapes.length - 1; k >= 0; k--) {
      const { own, thin } = shapes[k];
      if (!thin) continue;
      const grown = dilate(own, w, h, 3);
      let [inside, all] = [0, 0];
      for (let p = 0; p < w * h; p++) if (grown[p]) [inside, all] = [inside + (matte[p] >= 128 ? 1 : 0), all + 1];
      if (inside >= 0.9 * all) shapes.splice(k, 1);
    }
    const anyShape = dilate(union(shapes.map((s) => s.own), w * h), w, h, 2);
    const solid = new Uint8Array(w * h);
    for (let p = 0; p < w * h; p++) solid[p] = matte[p] >= 128 && !nearText[p] && !anyShape[p] ? 1 : 0;
    const { labels, components } = labelComponents(solid, w, h);
    const kept: Array<{ hard: Uint8Array; area: number; box: Box }> = [];
    for (const c of components) {
      if (c.area < MIN_OBJECT_SHARE * w * h) continue;
      const hard = new Uint8Array(w * h);
      for (let p = 0; p < w * h; p++) hard[p] = labels[p] === c.id ? 1 : 0;
      // A salient region whose edge is out of focus, or that runs off the canvas, is the subject
      // of the page's photo (a full-bleed photo is the background), not an object set on the poster.
      if (edgeSharpness(rgb, hard, w, h) >= MIN_EDGE_SHARPNESS && !bleeds(hard, w, h)) kept.push({ hard, area: c.area, box: c.box });
    }
    // A salient shape touching a much larger object is a part of it (a bottle's cap); a salient
    // panel, or a box standing next to a product, stays a shape.
    for (let k = shapes.length - 1; k >= 0; k--) {
      const own = shapes[k].own;
      const size = own.reduce((n, v) => n + v, 0);
      if (own.reduce((n, v, p) => n + (v && matte[p] >= 128 ? 1 : 0), 0) < 0.6 * size) continue;
      const owner = kept.find((o) => o.area > 3 * size && dilate(o.hard, w, h, 3).some((v, p) => v && own[p]));
      if (!owner) continue;
      for (let p = 0; p < w * h; p++) if (own[p]) owner.hard[p] = 1;
      shapes.splice(k, 1);
    }
    found.push(...photoCards(rgb, w, h, kept, shapes, nearText));
    const shapeOwn = dilate(union(shapes.map((s) => s.own), w * h), w, h, 2);
    const besideOthers = union([nearText, anyShape], w * h);
    for (const { hard } of kept) {
      // Sharp, not bleeding, yet the photograph's own subject: the page around it is that photo.
      if (photoAround(rgb, hard, w, h, besideOthers)) continue;
      const reach = dilate(hard, w, h, 6);
      // Its soft edge over a shape is its own; what is further off and the shape's colour is the shape's.
      const edge = dilate(hard, w, h, 3);
      const alpha = new Uint8Array(w * h);
      for (let p = 0; p < w * h; p++) if (reach[p] && !nearText[p] && (edge[p] || !shapeOwn[p])) alpha[p] = matte[p];
      found.push({ hard: alpha.map((a) => (a >= 8 ? 1 : 0)), alpha });
    }
    return found;
  }
}

/**
 * How sharp a region's edge is in the picture: the largest colour step across 2 px near each edge
 * pixel over the step across 12 px, summed where there is a step at all. About 1 for a cut-out
 * set on a poster, anti-aliased or not; about 0.2 at the edge of a subject in a blurred photo; 0
 * when almost none of the edge steps at all (a blurred patch the matte half-saw: nothing in the
 * picture separates it from what is around it).
 */
function edgeSharpness(rgb: Uint8Array, hard: Uint8Array, w: number, h: number): number {
  let [near, wide, edge, steps] = [0, 0, 0, 0];
  const at = (x: number, y: number) => (y * w + x) * 3;
  for (let y = 8; y < h - 8; y++) {
    for (let x = 8; x < w - 8; x++) {
      const p = y * w + x;
      if (!hard[p] || (hard[p - 1] && hard[p + 1] && hard[p - w] && hard[p + w])) continue;
      edge++;
      for (const [dx, dy] of [[1, 0], [0, 1]]) {
        const step = dist(rgb, at(x + 6 * dx, y + 6 * dy), rgb, at(x - 6 * dx, y - 6 * dy));
        if (step < 30) continue;
        let best = 0;
        for (let s = -2; s <= 2; s++) best = Math.max(best, dist(rgb, at(x + (s + 1) * dx, y + (s + 1) * dy), rgb, at(x + (s - 1) * dx, y + (s - 1) * dy)));
        near += best;
        wide += step;
        steps++;
      }
    }
  }
  if (!edge) return 1;
  return steps >= MIN_STEPPING_EDGE * edge ? near / wide : 0;
}

/**
 * Whether what lies just around a region (4-12 px out, less text and shapes) is a photograph: many
 * colours (a flat, gradient or patterned page has a few dozen at 5 bits a channel; a photo has
 * hundreds) and fine texture on most of it (neighbour steps of 3-40: a gradient steps less, a
 * pattern only at its edges, a blurred photo hardly at all, so a product set on one is kept).
 */
function photoAround(rgb: Uint8Array, hard: Uint8Array, w: number, h: number, exclude: Uint8Array): boolean {
  const [outer, inner] = [dilate(hard, w, h, 12), dilate(hard, w, h, 4)];
  const colours = new Set<number>();
  let [ring, textured] = [0, 0];
  for (let y = 0; y < h - 1; y++) {
    for (let x = 0; x < w - 1; x++) {
      const p = y * w + x;
      if (!outer[p] || inner[p] || exclude[p]) continue;
      const step = Math.max(dist(rgb, p * 3, rgb, (p + 1) * 3), dist(rgb, p * 3, rgb, (p + w) * 3));
      ring++;
      if (step >= 3 && step < 40) textured++;
      colours.add(((rgb[p * 3] >> 3) << 10) | ((rgb[p * 3 + 1] >> 3) << 5) | (rgb[p * 3 + 2] >> 3));
    }
  }
  return ring >= 500 && colours.size >= PHOTO_COLOURS && textured >= PHOTO_TEXTURE * ring;
}

/** Whether a region runs along a canvas edge for a quarter of its length or more. */
function bleeds(hard: Uint8Array, w: number, h: number): boolean {
  const run = (n: number, at: (i: number) => number) => {
    let on = 0;
    for (let i = 0; i < n; i++) on += hard[at(i)];
    return on >= BLEED_SHARE * n;
  };
  return run(w, (x) => x) || run(w, (x) => (h - 1) * w + x) || run(h, (y) => y * w) || run(h, (y) => y * w + w - 1);
}

/** Whether pixel p and its four neighbours are all inside the mask. */
function erode1(mask: Uint8Array, w: number, h: number, p: number): boolean {
  const [x, y] = [p % w, Math.floor(p / w)];
  return !!mask[p] && x > 0 && y > 0 && x < w - 1 && y < h - 1 && !!mask[p - 1] && !!mask[p + 1] && !!mask[p - w] && !!mask[p + w];
}

function union(masks: Uint8Array[], n: number): Uint8Array {
  const out = new Uint8Array(n);
  for (const m of masks) for (let i = 0; i < n; i++) out[i] |= m[i];
  return out;
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
