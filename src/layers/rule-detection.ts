import type { Rgb } from '../vision/image.types';
import { labelComponents, unionOf } from '../vision/masks';
import { dist } from './ink-separation';
import type { FoundShape } from './shape-detection';

/** A rule is at most this thick (a share of the poster's long side, at least RULE_MIN_THICK px). */
const RULE_THICK = 0.006;
const RULE_MIN_THICK = 4;
/** And at least this long (a share of its side, at least 24 px). */
const RULE_LENGTH = 0.08;
/** It differs from what lies a little above and below it (across it) by at least this, and they from each other by less than half as much. */
const RULE_STEP = 20;
/** Along its length it keeps one colour within this. */
const RULE_EVEN = 24;

/**
 * Thin straight rules: dividers, underlines, frames drawn as borders. The colour clustering sees
 * them on a 256 px thumbnail, where a 3 px line is averaged away; here they are found at full
 * resolution as runs of one colour, long along a row (or a column) and different from the
 * pixels a little across them on both sides. Rules that meet (a frame's four sides) are one
 * shape. Text (`exclude`) is not a rule, nor is what `shapes` already holds.
 */
export function findRules(rgb: Uint8Array, w: number, h: number, exclude: Uint8Array, shapes: FoundShape[]): FoundShape[] {
  const thick = Math.max(RULE_MIN_THICK, Math.ceil(RULE_THICK * Math.max(w, h)));
  const lines = new Uint8Array(w * h);
  runs(rgb, w, h, exclude, thick, lines, true);
  runs(rgb, w, h, exclude, thick, lines, false);
  const taken = unionOf(shapes.map((s) => s.own), w * h);
  const { labels, components } = labelComponents(lines, w, h);
  const found: FoundShape[] = [];
  for (const c of components) {
    const { width: bw, height: bh } = c.box;
    // Thin: a rule, or rules that meet round a box far larger than they are thick (a frame).
    const line = Math.min(bw, bh) <= thick + 2;
    if (!line && (c.area > 2 * (thick + 2) * (bw + bh) || Math.min(bw, bh) < 4 * thick)) continue;
    const own = new Uint8Array(w * h);
    const colors: number[][] = [[], [], []];
    let already = 0;
    for (let p = 0; p < w * h; p++) {
      if (labels[p] !== c.id) continue;
      own[p] = 1;
      already += taken[p];
      for (let k = 0; k < 3; k++) colors[k].push(rgb[p * 3 + k]);
    }
    if (already > 0.5 * c.area) continue;
    const color = colors.map((v) => v.sort((a, b) => a - b)[v.length >> 1]) as Rgb;
    if (isGap(rgb, w, h, c.box, color)) continue;
    found.push({ own, mask: own, color, opacity: 1, thin: true });
  }
  return found;
}

/** Marks in `lines` the pixels of long even runs that step from both sides across them. */
function runs(rgb: Uint8Array, w: number, h: number, exclude: Uint8Array, thick: number, lines: Uint8Array, rows: boolean): void {
  const [along, across] = rows ? [w, h] : [h, w];
  const at = (i: number, j: number) => (rows ? j * w + i : i * w + j);
  const d = thick + 2;
  const minLength = Math.max(24, Math.round(RULE_LENGTH * along));
  const steps = (i: number, j: number) => {
    if (j < d || j >= across - d) return false;
    const [p, a, b] = [at(i, j), at(i, j - d), at(i, j + d)];
    if (exclude[p]) return false;
    // Drawn on one surface: the same on both sides (a card's edge or its shadow is not).
    const step = Math.min(dist(rgb, p * 3, rgb, a * 3), dist(rgb, p * 3, rgb, b * 3));
    return step >= RULE_STEP && dist(rgb, a * 3, rgb, b * 3) < 0.5 * step;
  };
  for (let j = d; j < across - d; j++) {
    let start = -1;
    for (let i = 0; i <= along; i++) {
      const on = i < along && steps(i, j);
      const even = on && start >= 0 && dist(rgb, at(i, j) * 3, rgb, at(start, j) * 3) < RULE_EVEN;
      if (on && (start < 0 || even)) {
        if (start < 0) start = i;
        continue;
      }
      if (start >= 0 && i - start >= minLength) for (let k = start; k < i; k++) lines[at(k, j)] = 1;
      start = on ? i : -1;
    }
  }
}

/**
 * The page seen through a narrow gap between two panels looks like a rule, but it runs on past
 * the panels' ends in its own colour, where a drawn rule stops on something else.
 */
function isGap(rgb: Uint8Array, w: number, h: number, box: { x: number; y: number; width: number; height: number }, color: Rgb): boolean {
  const horizontal = box.width >= box.height;
  const [cx, cy] = [Math.round(box.x + box.width / 2), Math.round(box.y + box.height / 2)];
  const ends = horizontal
    ? [[box.x - 3, cy], [box.x + box.width + 2, cy]]
    : [[cx, box.y - 3], [cx, box.y + box.height + 2]];
  const inside = ends.filter(([x, y]) => x >= 0 && y >= 0 && x < w && y < h);
  return inside.length > 0 && inside.every(([x, y]) => dist(rgb, (y * w + x) * 3, color, 0) < RULE_EVEN);
}
