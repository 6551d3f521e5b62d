import type { Box } from '../vision/image.types';
import { dilate, labelComponents, unionOf } from '../vision/masks';
import { photoCards } from './card-detection';
import { dist } from './ink-separation';
import type { FoundShape } from './shape-detection';

/** Matte values the model is sure of, and how far (px) an unsure edge may run from them. */
const SURE = 230;
const SURE_REACH = 6;
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

/**
 * Salient objects: the matte's solid components, less text and less what is a flat shape; photo
 * cards around them as one object each; what is the page's own photograph left to the background.
 * Shapes that turn out to be the objects' (a highlight, a cap) leave `shapes`.
 */
export function salientObjects(rgb: Uint8Array, w: number, h: number, matte: Uint8Array, text: Uint8Array, shapes: FoundShape[]): Array<{ hard: Uint8Array; alpha: Uint8Array }> {
  const found: Array<{ hard: Uint8Array; alpha: Uint8Array }> = [];
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
  const anyShape = dilate(unionOf(shapes.map((s) => s.own), w * h), w, h, 2);
  // Where the matte is unsure (128-229) far from anything it is sure of, it half-saw the page (a
  // blurred photo's saucer beside a bottle): that is no part of an object.
  const sure = dilate(matte.map((v) => (v >= SURE ? 1 : 0)), w, h, SURE_REACH);
  const solid = new Uint8Array(w * h);
  for (let p = 0; p < w * h; p++) solid[p] = matte[p] >= 128 && sure[p] && !nearText[p] && !anyShape[p] ? 1 : 0;
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
  const shapeOwn = dilate(unionOf(shapes.map((s) => s.own), w * h), w, h, 2);
  const textOrShape = unionOf([nearText, anyShape], w * h);
  for (const { hard } of kept) {
    // Sharp, not bleeding, yet the photograph's own subject: the page around it is that photo.
    if (photoAround(rgb, hard, w, h, textOrShape)) continue;
    const reach = dilate(hard, w, h, 6);
    // Its soft edge over a shape is its own; what is further off and the shape's colour is the shape's.
    const edge = dilate(hard, w, h, 3);
    const alpha = new Uint8Array(w * h);
    for (let p = 0; p < w * h; p++) if (reach[p] && !nearText[p] && (edge[p] || !shapeOwn[p])) alpha[p] = matte[p];
    found.push({ hard: alpha.map((a) => (a >= 8 ? 1 : 0)), alpha });
  }
  return found;
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
