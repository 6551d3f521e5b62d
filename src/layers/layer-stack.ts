import type { Box, Rgb } from '../vision/image.types';
import type { DecomposedLayer, LayerKind } from './decomposition.types';
import { hexOf as hex } from '../vision/color-math';

/** A layer before its colours are known: its coverage, given what is below it. */
export interface LayerDraft {
  kind: LayerKind;
  name: string;
  alpha: (below: Float32Array) => Uint8Array;
  /** A flat shape's colour, used where something in front hides it (the pixels there are not its own). */
  fill?: Rgb;
}


/**
 * Stacks the drafts on the filled background, back to front, unblending each layer's colour from
 * the picture: F = (I - B(1 - a)) / a, with B what the layers below composite to. A layer with
 * soft edges then restacks to the picture's own pixels instead of a halo of its old background.
 */
export function stackLayers(rgb: Uint8Array, background: Uint8Array, drafts: LayerDraft[], w: number, h: number): DecomposedLayer[] {
  const below = Float32Array.from(background);
  const bgRgba = new Uint8Array(w * h * 4);
  for (let p = 0; p < w * h; p++) {
    bgRgba.set(background.subarray(p * 3, p * 3 + 3), p * 4);
    bgRgba[p * 4 + 3] = 255;
  }
  const layers: DecomposedLayer[] = [finish('background', 'background', bgRgba, w, h)];
  const covered = new Uint8Array(w * h);
  for (const draft of drafts) {
    const alpha = draft.alpha(below);
    const rgba = new Uint8Array(w * h * 4);
    for (let p = 0; p < w * h; p++) {
      if (alpha[p] === 0) continue;
      covered[p] = 1;
      const fill = draft.fill;
      let a = alpha[p] / 255;
      // Inside a shape, a pixel far from what the shape would show there (its colour over what is
      // below, at its alpha) is something in front of it: the shape is its own colour there.
      const hidden =
        fill !== undefined &&
        Math.hypot(...[0, 1, 2].map((c) => rgb[p * 3 + c] - fill[c] * a - below[p * 3 + c] * (1 - a))) > 24;
      // The least alpha whose unblended colour stays in 0..255: with it the pixel restacks exactly.
      if (!hidden) a = leastAlpha(rgb, p, below.subarray(p * 3, p * 3 + 3), a);
      const a8 = Math.round(a * 255);
      a = a8 / 255;
      for (let c = 0; c < 3; c++) {
        const i = rgb[p * 3 + c];
        const b = below[p * 3 + c];
        const f = hidden ? fill[c] : Math.max(0, Math.min(255, Math.round((i - b * (1 - a)) / a)));
        rgba[p * 4 + c] = f;
        below[p * 3 + c] = f * a + b * (1 - a);
      }
      rgba[p * 4 + 3] = a8;
    }
    const layer = finish(draft.kind, draft.name, rgba, w, h);
    if (layer.area > 0) layers.push(layer);
  }
  // Where no layer drew, the background is the poster itself: the fill was only a guess for what lies under the layers.
  for (let p = 0; p < w * h; p++) if (!covered[p]) bgRgba.set(rgb.subarray(p * 3, p * 3 + 3), p * 4);
  absorbResidue(rgb, layers, w, h);
  return layers;
}

/** The least alpha, from `a` up, at which (i - b(1 - alpha)) / alpha stays in 0..255 for every channel. */
function leastAlpha(rgb: Uint8Array, p: number, below: ArrayLike<number>, a: number): number {
  for (let c = 0; c < 3; c++) {
    const i = rgb[p * 3 + c];
    const b = below[c];
    const need = i > b ? (i - b) / (255 - b || 1) : i < b ? (b - i) / (b || 1) : 0;
    if (need > a) a = Math.min(1, need);
  }
  return Math.round(a * 255) / 255;
}

/**
 * Where the stack still misses the poster (ink a text mask missed, a shape's guessed colour with
 * nothing in front of it after all), the topmost layer whose box holds the pixel takes the
 * difference, unblended like the rest: the layers always restack to the poster.
 */
export function absorbResidue(rgb: Uint8Array, layers: DecomposedLayer[], w: number, h: number): void {
  const stacked = recompose(layers, w, h);
  const touched = new Set<number>();
  for (let p = 0; p < w * h; p++) {
    if (stacked[p * 3] === rgb[p * 3] && stacked[p * 3 + 1] === rgb[p * 3 + 1] && stacked[p * 3 + 2] === rgb[p * 3 + 2]) continue;
    const [x, y] = [p % w, Math.floor(p / w)];
    let t = layers.length - 1;
    while (t > 0 && !(x >= layers[t].box.x && y >= layers[t].box.y && x < layers[t].box.x + layers[t].box.width && y < layers[t].box.y + layers[t].box.height)) t--;
    const below = [...layers[0].rgba.subarray(p * 4, p * 4 + 3)];
    if (t === 0) {
      layers[0].rgba.set(rgb.subarray(p * 3, p * 3 + 3), p * 4);
      continue;
    }
    for (let k = 1; k < t; k++) {
      const a = layers[k].rgba[p * 4 + 3] / 255;
      for (let c = 0; c < 3; c++) below[c] = layers[k].rgba[p * 4 + c] * a + below[c] * (1 - a);
    }
    const a = leastAlpha(rgb, p, below, layers[t].rgba[p * 4 + 3] / 255);
    if (a === 0) continue;
    for (let c = 0; c < 3; c++) layers[t].rgba[p * 4 + c] = Math.max(0, Math.min(255, Math.round((rgb[p * 3 + c] - below[c] * (1 - a)) / a)));
    layers[t].rgba[p * 4 + 3] = Math.round(a * 255);
    touched.add(t);
  }
  for (const t of touched) layers[t] = finish(layers[t].kind, layers[t].name, layers[t].rgba, w, h, layers[t].text);
}

/** Box, area and colours of a finished layer; its description is written once its text is known. */
export function finish(kind: LayerKind, name: string, rgba: Uint8Array, w: number, h: number, text?: string): DecomposedLayer {
  let x0 = w, y0 = h, x1 = -1, y1 = -1, area = 0;
  const histogram = new Map<number, number>();
  for (let p = 0; p < w * h; p++) {
    const a = rgba[p * 4 + 3];
    if (a === 0) continue;
    const x = p % w;
    const y = (p - x) / w;
    if (x < x0) x0 = x;
    if (x > x1) x1 = x;
    if (y < y0) y0 = y;
    if (y > y1) y1 = y;
    if (a < 128) continue;
    area++;
    const key = ((rgba[p * 4] >> 4) << 8) | ((rgba[p * 4 + 1] >> 4) << 4) | (rgba[p * 4 + 2] >> 4);
    histogram.set(key, (histogram.get(key) ?? 0) + 1);
  }
  const colors = [...histogram.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, 3)
    .map(([key]) => [((key >> 8) & 15) * 17, ((key >> 4) & 15) * 17, (key & 15) * 17] as Rgb);
  const box: Box = x1 < 0 ? { x: 0, y: 0, width: 0, height: 0 } : { x: x0, y: y0, width: x1 - x0 + 1, height: y1 - y0 + 1 };
  const layer: DecomposedLayer = { kind, name, rgba, box, area, colors, description: '', ...(text !== undefined ? { text } : {}) };
  layer.description = describe(layer, w, h);
  return layer;
}

/** "상단 가운데 도형, #3366cc": where it is, what it is, its main colours; text layers say their text. */
export function describe(layer: DecomposedLayer, w: number, h: number): string {
  const colors = layer.colors.slice(0, 2).map(hex).join(', ');
  if (layer.kind === 'background') return `배경 (주요 색 ${colors})`;
  if (layer.kind === 'text') return layer.text ? `텍스트: ${layer.text}` : `텍스트 (읽지 못함), ${colors}`;
  const cx = (layer.box.x + layer.box.width / 2) / w;
  const cy = (layer.box.y + layer.box.height / 2) / h;
  const row = cy < 1 / 3 ? '상단' : cy < 2 / 3 ? '중앙' : '하단';
  const col = cx < 1 / 3 ? '왼쪽' : cx < 2 / 3 ? '가운데' : '오른쪽';
  return `${row} ${col} ${layer.kind === 'object' ? '오브젝트' : '도형'}, ${colors}`;
}

/** `top` over `bottom`, straight alpha (Porter-Duff over). */
function over(top: Uint8Array, bottom: Uint8Array, n: number): Uint8Array {
  const out = new Uint8Array(n * 4);
  for (let p = 0; p < n; p++) {
    const at = top[p * 4 + 3] / 255;
    const ab = bottom[p * 4 + 3] / 255;
    const ao = at + ab * (1 - at);
    if (ao === 0) continue;
    for (let c = 0; c < 3; c++) out[p * 4 + c] = Math.round((top[p * 4 + c] * at + bottom[p * 4 + c] * ab * (1 - at)) / ao);
    out[p * 4 + 3] = Math.round(ao * 255);
  }
  return out;
}

/** What a designer loses most by merging: editable text first, then objects, then flat shapes. */
const KEEP_WEIGHT: Record<LayerKind, number> = { background: Infinity, text: 50, object: 5, shape: 1 };

/** Layers a request may ask for, background included; `auto` keeps what was found up to this. */
export const MAX_LAYERS = 20;

/** Two layers are neighbours when their boxes come this close (a share of the poster's long side). */
const NEIGHBOUR_GAP = 0.02;

/**
 * Down to `count` layers (`auto`: what was found, up to MAX_LAYERS). The least significant
 * layer (its area, weighted by kind) goes down into the nearest layer below it that it touches:
 * its badge, its panel, else the background. Nothing between the two touches it, so the stack
 * still restacks to the poster; and a title is never joined with a caption far away.
 */
export function mergeTo(layers: DecomposedLayer[], count: number | 'auto', w: number, h: number): DecomposedLayer[] {
  const out = [...layers];
  const weight = (l: DecomposedLayer) => l.area * KEEP_WEIGHT[l.kind];
  const gap = NEIGHBOUR_GAP * Math.max(w, h);
  while (out.length > Math.max(1, count === 'auto' ? MAX_LAYERS : count)) {
    let i = 1;
    for (let j = 2; j < out.length; j++) if (weight(out[j]) < weight(out[i])) i = j;
    let k = i - 1;
    while (k > 0 && !boxesTouch(out[k].box, out[i].box, gap)) k--;
    const [lower, upper] = [out[k], out[i]];
    const kind = k === 0 ? 'background' : lower.area >= upper.area ? lower.kind : upper.kind;
    const text = [lower.text, upper.text].filter(Boolean).join(' ') || undefined;
    out.splice(i, 1);
    out[k] = finish(kind, `${lower.name} + ${upper.name}`, over(upper.rgba, lower.rgba, w * h), w, h, text);
  }
  return out;
}

function boxesTouch(a: Box, b: Box, gap: number): boolean {
  const dx = Math.max(a.x, b.x) - Math.min(a.x + a.width, b.x + b.width);
  const dy = Math.max(a.y, b.y) - Math.min(a.y + a.height, b.y + b.height);
  return dx <= gap && dy <= gap;
}

/** The layers stacked again, as RGB. */
export function recompose(layers: Array<{ rgba: Uint8Array }>, w: number, h: number): Uint8Array {
  let acc = layers[0].rgba;
  for (const layer of layers.slice(1)) acc = over(layer.rgba, acc, w * h);
  const rgb = new Uint8Array(w * h * 3);
  for (let p = 0; p < w * h; p++) rgb.set(acc.subarray(p * 4, p * 4 + 3), p * 3);
  return rgb;
}

export function psnr(a: Uint8Array, b: Uint8Array): number {
  let se = 0;
  for (let i = 0; i < a.length; i++) se += (a[i] - b[i]) ** 2;
  const mse = se / a.length;
  return mse === 0 ? Infinity : 10 * Math.log10((255 * 255) / mse);
}
