import { expandBox } from '../vision/box-geometry';
import type { Box } from '../vision/image.types';
import { unionOf } from '../vision/masks';
import type { FoundShape } from './shape-detection';
import { dist } from './ink-separation';

/** An edge steps at least this much (RGB distance across 2 px) ... */
const EDGE_STEP = 20;
/** ... along this share of its middle, at one row or column: a straight cut, not a photo's contour. */
const EDGE_SHARE = 0.7;
/** Each end of a side left out of its test, for rounded corners (a card's radius is a few % of it). */
const CORNER = 0.1;
/** A card's sides are at least this long (px). */
const MIN_SIDE = 32;

export interface Card {
  box: Box;
  /** Corner radius (px), 0 for square corners. */
  radius: number;
  /** How far its drop shadow reaches beyond the box (px), 0 without one. */
  shadow: number;
}

/**
 * A photo card around part of a salient region: a rectangle (corners rounded or not) whose four
 * sides are straight steps in the poster. The salient matte cuts a card where the photo's subject
 * ends (half a cup, two cards in one); a designer placed the whole rectangle. Each side is the
 * first row or column, from a little inside the hint outwards (up to its size beyond it),
 * that steps along most of its middle; twice, the second time along the sides the first found.
 * Null when a side has no such edge.
 */
export function cardAround(rgb: Uint8Array, w: number, h: number, hint: Box): Card | null {
  const reach = Math.max(hint.width, hint.height) + 4;
  let box = hint;
  for (let round = 0; round < 2; round++) {
    const [x0, x1, y0, y1] = [box.x, box.x + box.width, box.y, box.y + box.height];
    const [inX, inY] = [Math.round(0.1 * box.width), Math.round(0.1 * box.height)];
    const top = nearest(h, y0 + inY, y0 - reach, -1, (y) => rowSteps(rgb, w, y, x0, x1));
    const bottom = nearest(h, y1 - inY, y1 + reach, 1, (y) => rowSteps(rgb, w, y, x0, x1));
    const left = nearest(w, x0 + inX, x0 - reach, -1, (x) => columnSteps(rgb, w, x, y0, y1));
    const right = nearest(w, x1 - inX, x1 + reach, 1, (x) => columnSteps(rgb, w, x, y0, y1));
    if (top === null || bottom === null || left === null || right === null) return null;
    box = { x: left, y: top, width: right - left + 1, height: bottom - top + 1 };
    if (box.width < MIN_SIDE || box.height < MIN_SIDE) return null;
  }
  // The card holds most of what the matte saw: it is not a panel far larger than the subject.
  if (box.width * box.height > 6 * hint.width * hint.height) return null;
  // Every corner is the card's, rounded a little: around a bottle's cap the page reaches far in.
  const radii = cornerRadii(rgb, w, box);
  if (Math.max(...radii) > 0.3 * Math.min(box.width, box.height)) return null;
  radii.sort((a, b) => a - b);
  return { box, radius: Math.round((radii[1] + radii[2]) / 2), shadow: shadowReach(rgb, w, h, box) };
}

/** The card's coverage (0-255): 255 inside, anti-aliased at its rounded corners. */
export function cardCoverage(card: Card, w: number, h: number): Uint8Array {
  const { box, radius: r } = card;
  const out = new Uint8Array(w * h);
  for (let y = Math.max(0, box.y); y < Math.min(h, box.y + box.height); y++) {
    for (let x = Math.max(0, box.x); x < Math.min(w, box.x + box.width); x++) {
      const cx = Math.min(Math.max(x + 0.5, box.x + r), box.x + box.width - r);
      const cy = Math.min(Math.max(y + 0.5, box.y + r), box.y + box.height - r);
      const d = Math.hypot(x + 0.5 - cx, y + 0.5 - cy);
      out[y * w + x] = r === 0 ? 255 : Math.round(255 * Math.max(0, Math.min(1, r - d + 0.5)));
    }
  }
  return out;
}

/**
 * The first position from `from` (a little inside the hint) outwards to `to` where `share`
 * reaches EDGE_SHARE: outwards, because the next card's edge lies beyond this one's.
 */
function nearest(limit: number, from: number, to: number, step: 1 | -1, share: (at: number) => number): number | null {
  for (let at = from; step > 0 ? at <= to : at >= to; at += step) {
    if (at < 1 || at > limit - 2) continue;
    if (share(at) >= EDGE_SHARE) return at;
  }
  return null;
}

/** The share of a row's middle (its corners may be rounded) where it steps from the row above to the row below. */
function rowSteps(rgb: Uint8Array, w: number, y: number, x0: number, x1: number): number {
  const [a, b] = [Math.max(0, Math.round(x0 + CORNER * (x1 - x0))), Math.min(w, Math.round(x1 - CORNER * (x1 - x0)))];
  let on = 0;
  for (let x = a; x < b; x++) if (dist(rgb, ((y - 1) * w + x) * 3, rgb, ((y + 1) * w + x) * 3) >= EDGE_STEP) on++;
  return b > a ? on / (b - a) : 0;
}

function columnSteps(rgb: Uint8Array, w: number, x: number, y0: number, y1: number): number {
  const h = rgb.length / 3 / w;
  const [a, b] = [Math.max(0, Math.round(y0 + CORNER * (y1 - y0))), Math.min(h, Math.round(y1 - CORNER * (y1 - y0)))];
  let on = 0;
  for (let y = a; y < b; y++) if (dist(rgb, (y * w + x - 1) * 3, rgb, (y * w + x + 1) * 3) >= EDGE_STEP) on++;
  return b > a ? on / (b - a) : 0;
}

/**
 * Down the diagonal from each corner, the distance to the first pixel that is no longer what lies
 * outside that corner; a quarter circle of radius r leaves r(1 - 1/sqrt 2) of it. One radius a
 * corner.
 */
function cornerRadii(rgb: Uint8Array, w: number, box: Box): number[] {
  const h = rgb.length / 3 / w;
  const corners: Array<[number, number, number, number]> = [
    [box.x, box.y, 1, 1],
    [box.x + box.width - 1, box.y, -1, 1],
    [box.x, box.y + box.height - 1, 1, -1],
    [box.x + box.width - 1, box.y + box.height - 1, -1, -1],
  ];
  return corners.map(([x, y, sx, sy]) => {
    const [ox, oy] = [Math.min(w - 1, Math.max(0, x - 2 * sx)), Math.min(h - 1, Math.max(0, y - 2 * sy))];
    const outside = (oy * w + ox) * 3;
    const limit = Math.min(box.width, box.height) / 4;
    let k = 0;
    while (k < limit && dist(rgb, ((y + k * sy) * w + x + k * sx) * 3, rgb, outside) < EDGE_STEP) k++;
    return k / (1 - Math.SQRT1_2);
  });
}

/**
 * A drop shadow darkens the page just outside the card: the mean brightness 3 px outside a side
 * against the same side further out, on the side where it is darkest (a shadow falls below and
 * aside). Its reach is where the darkening has faded there.
 */
function shadowReach(rgb: Uint8Array, w: number, h: number, box: Box): number {
  const sideMean = (side: number, gap: number) => {
    let [sum, n] = [0, 0];
    const add = (x: number, y: number) => {
      if (x < 0 || y < 0 || x >= w || y >= h) return;
      const p = (y * w + x) * 3;
      sum += rgb[p] + rgb[p + 1] + rgb[p + 2];
      n++;
    };
    const [x1, y1] = [box.x + box.width - 1, box.y + box.height - 1];
    if (side === 0) for (let x = box.x; x <= x1; x += 2) add(x, box.y - gap);
    if (side === 1) for (let x = box.x; x <= x1; x += 2) add(x, y1 + gap);
    if (side === 2) for (let y = box.y; y <= y1; y += 2) add(box.x - gap, y);
    if (side === 3) for (let y = box.y; y <= y1; y += 2) add(x1 + gap, y);
    return n ? sum / n / 3 : NaN;
  };
  const far = Math.round(0.08 * Math.max(box.width, box.height)) + 6;
  let best = { side: -1, darker: 3 };
  for (let side = 0; side < 4; side++) {
    const darker = sideMean(side, far) - sideMean(side, 3);
    if (darker >= best.darker) best = { side, darker };
  }
  if (best.side < 0) return 0;
  let reach = 3;
  while (reach < far && sideMean(best.side, far) - sideMean(best.side, reach) >= 1) reach++;
  return reach + 2;
}

/**
 * Photo cards around salient regions, one object each: the matte's parts inside a card (half a
 * cup, a saucer) and flat patches of its photo found as shapes go into it. Its drop shadow is
 * part of it (text in its reach aside): alpha 1 there lets the stacking raise it to the least
 * alpha that explains the darkened page, and the page is filled under it.
 */
export function photoCards(rgb: Uint8Array, w: number, h: number, kept: Array<{ hard: Uint8Array; box: Box }>, shapes: FoundShape[], nearText: Uint8Array) {
  const within = (mask: Uint8Array, b: Box) => {
    let [all, inside] = [0, 0];
    for (let p = 0; p < w * h; p++) {
      if (!mask[p]) continue;
      all++;
      const [x, y] = [p % w, Math.floor(p / w)];
      if (x >= b.x && y >= b.y && x < b.x + b.width && y < b.y + b.height) inside++;
    }
    return all ? inside / all : 0;
  };
  const shapeOwn = unionOf(shapes.map((s) => s.own), w * h);
  const cards: Card[] = [];
  for (const o of kept) {
    const [cx, cy] = [o.box.x + o.box.width / 2, o.box.y + o.box.height / 2];
    if (cards.some(({ box: b }) => cx >= b.x && cy >= b.y && cx < b.x + b.width && cy < b.y + b.height)) continue;
    const card = cardAround(rgb, w, h, o.box);
    // What the matte saw stays inside a card (a bottle's straight flank is not a card's edge),
    // and a card does not run into a panel (whose edge it would have taken for its own).
    if (card && within(o.hard, card.box) >= 0.9 && !bordersShape(card.box, shapeOwn, w, h)) cards.push(card);
  }
  return cards.map((card) => {
    for (let k = kept.length - 1; k >= 0; k--) if (within(kept[k].hard, card.box) >= 0.6) kept.splice(k, 1);
    for (let k = shapes.length - 1; k >= 0; k--) if (within(shapes[k].own, card.box) >= 0.8) shapes.splice(k, 1);
    const alpha = cardCoverage(card, w, h);
    const reach = expandBox(card.box, card.shadow, w, h);
    const hard = new Uint8Array(w * h);
    for (let y = reach.y; y < reach.y + reach.height; y++) {
      for (let x = reach.x; x < reach.x + reach.width; x++) {
        hard[y * w + x] = 1;
        if (!alpha[y * w + x] && card.shadow && !nearText[y * w + x]) alpha[y * w + x] = 1;
      }
    }
    return { hard, alpha };
  });
}

/** Whether the 3 px just outside some side of a box are mostly a shape's: the box took that shape's edge for its own. */
function bordersShape(box: Box, shape: Uint8Array, w: number, h: number): boolean {
  const share = (xs: [number, number], ys: [number, number]) => {
    let [on, all] = [0, 0];
    for (let y = Math.max(0, ys[0]); y < Math.min(h, ys[1]); y++) for (let x = Math.max(0, xs[0]); x < Math.min(w, xs[1]); x++) [on, all] = [on + shape[y * w + x], all + 1];
    return all ? on / all : 0;
  };
  const [x0, y0, x1, y1] = [box.x, box.y, box.x + box.width, box.y + box.height];
  return [share([x0, x1], [y0 - 3, y0]), share([x0, x1], [y1, y1 + 3]), share([x0 - 3, x0], [y0, y1]), share([x1, x1 + 3], [y0, y1])].some((s) => s > 0.5);
}
