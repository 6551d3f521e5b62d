import sharp from 'sharp';
import type { Decomposition } from '../../src/layers/decomposition.types';
import type { EmbeddedDecomposer } from '../../src/layers/embedded-decomposer.service';
import type { DesignPoster } from './design-poster';
import { layerdScores, type MetricLayer } from './layerd-metric';

/**
 * How a decomposition of a designed poster compares with its true elements (issue 25's table):
 * elements found (a single layer at soft IoU >= 0.5), the best soft IoU per element, LayerD's
 * metric with no merges, text read per element, the background under the elements, alpha a
 * matched layer holds outside its element, and the time. Scored at LayerD's 360 px short side.
 */

const METRIC_SIDE = 360;

export interface ElementScore {
  name: string;
  kind: string;
  /** Best soft alpha IoU with any one layer. */
  iou: number;
  /** Share of the matched layer's alpha mass outside the element (grown by a pixel). */
  outside: number;
  /** The index of the matched layer in the result (-1: none). */
  layer: number;
  /** Text elements: character similarity of what the matched layer read. */
  similarity?: number;
  read?: string;
}

export interface DesignScore {
  family: string;
  seed: number;
  size: string;
  elements: ElementScore[];
  rgbL1: number;
  alphaIou: number;
  /** Mean |predicted - true| background (0-1) where elements cover it. */
  backgroundL1: number;
  psnr: number;
  seconds: number;
  layers: number;
}

async function metricLayer(rgba: Uint8Array | Buffer, width: number, height: number): Promise<MetricLayer> {
  const side = Math.min(width, height);
  const out = await sharp(Buffer.from(rgba.buffer, rgba.byteOffset, rgba.byteLength), { raw: { width, height, channels: 4 } })
    .resize(Math.round((width * METRIC_SIDE) / side), Math.round((height * METRIC_SIDE) / side), { fit: 'fill' })
    .raw()
    .toBuffer();
  return { rgba: new Uint8Array(out) };
}

function softIou(a: Uint8Array, b: Uint8Array): number {
  let [inter, union] = [0, 0];
  for (let i = 3; i < a.length; i += 4) {
    inter += Math.min(a[i], b[i]);
    union += Math.max(a[i], b[i]);
  }
  return union === 0 ? 0 : inter / union;
}

/** Alpha mass of `layer` where the element (grown by one pixel) has none, over the layer's mass. */
function outsideShare(layer: Uint8Array, element: Uint8Array, w: number): number {
  const n = layer.length / 4;
  let [mass, outside] = [0, 0];
  for (let p = 0; p < n; p++) {
    const a = layer[p * 4 + 3];
    if (!a) continue;
    mass += a;
    const near = [p, p - 1, p + 1, p - w, p + w].some((q) => q >= 0 && q < n && element[q * 4 + 3] > 0);
    if (!near) outside += a;
  }
  return mass ? outside / mass : 0;
}

/** 1 - edit distance / longer length, spaces and line breaks ignored. */
export function characterSimilarity(read: string, truth: string): number {
  const [a, b] = [[...read.replace(/\s+/g, '')], [...truth.replace(/\s+/g, '')]];
  if (!a.length && !b.length) return 1;
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) row[j] = Math.min(prev[j] + 1, row[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = row;
  }
  return 1 - prev[b.length] / Math.max(a.length, b.length);
}

export async function scoreDesign(decomposer: EmbeddedDecomposer, poster: DesignPoster, layers: number | 'auto' = 'auto'): Promise<{ score: DesignScore; result: Decomposition }> {
  const { data, info } = await sharp(poster.png).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  const started = performance.now();
  const result = await decomposer.decompose({ data, width: info.width, height: info.height, channels: 3 }, { layers });
  const seconds = (performance.now() - started) / 1000;
  const pred = await Promise.all(result.layers.map((l) => metricLayer(l.rgba, result.width, result.height)));
  const truth = await Promise.all(poster.layers.map((l) => metricLayer(l.rgba, poster.width, poster.height)));
  const mw = Math.round((poster.width * METRIC_SIDE) / Math.min(poster.width, poster.height));

  const elements: ElementScore[] = poster.layers.slice(1).map((element, k) => {
    const t = truth[k + 1].rgba;
    let [best, at] = [0, -1];
    for (let i = 1; i < pred.length; i++) {
      const iou = softIou(pred[i].rgba, t);
      if (iou > best) [best, at] = [iou, i];
    }
    const score: ElementScore = { name: element.name, kind: element.kind, iou: best, layer: at, outside: at > 0 ? outsideShare(pred[at].rgba, t, mw) : 1 };
    if (element.kind === 'text') {
      const read = at > 0 ? (result.layers[at].text ?? '') : '';
      Object.assign(score, { read, similarity: characterSimilarity(read, element.text ?? '') });
    }
    return score;
  });

  // The background where the elements hid it: what a designer's clean plate would show there.
  const [bg, trueBg] = [pred[0].rgba, truth[0].rgba];
  let [diff, covered] = [0, 0];
  for (let i = 0; i < bg.length; i += 4) {
    if (!truth.slice(1).some((l) => l.rgba[i + 3] >= 128)) continue;
    covered += 1;
    diff += (Math.abs(bg[i] - trueBg[i]) + Math.abs(bg[i + 1] - trueBg[i + 1]) + Math.abs(bg[i + 2] - trueBg[i + 2])) / (3 * 255);
  }
  const [none] = layerdScores(pred, truth, 0);
  return {
    result,
    score: {
      family: poster.family,
      seed: poster.seed,
      size: `${poster.width}x${poster.height}`,
      elements,
      rgbL1: none.rgbL1,
      alphaIou: none.alphaIou,
      backgroundL1: covered ? diff / covered : 0,
      psnr: result.psnr,
      seconds,
      layers: result.layers.length,
    },
  };
}

const median = (v: number[]) => {
  const s = [...v].sort((a, b) => a - b);
  return s.length ? (s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2) : 0;
};
const mean = (v: number[]) => (v.length ? v.reduce((a, b) => a + b, 0) / v.length : 0);

/** The table over a set: shares and means over all elements, medians over posters. */
export function summarizeDesigns(scores: DesignScore[]) {
  const all = scores.flatMap((s) => s.elements);
  const texts = all.filter((e) => e.kind === 'text');
  return {
    posters: scores.length,
    elements: all.length,
    found: all.filter((e) => e.iou >= 0.5).length / Math.max(1, all.length),
    meanBestIou: mean(all.map((e) => e.iou)),
    rgbL1: median(scores.map((s) => s.rgbL1)),
    alphaIou: median(scores.map((s) => s.alphaIou)),
    textSimilarity: mean(texts.map((e) => e.similarity ?? 0)),
    backgroundL1: median(scores.map((s) => s.backgroundL1)),
    psnr: median(scores.map((s) => Math.min(99, s.psnr))),
    outside: mean(all.filter((e) => e.iou >= 0.5).map((e) => e.outside)),
    seconds: median(scores.map((s) => s.seconds)),
  };
}
