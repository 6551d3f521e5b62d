import { escapeHtml } from '../common/html';
import type { Box } from '../vision/image.types';
import { textStyle } from './layer-html';
import { linesOf, type TextTypography } from './typography';

/** A text layer to fit: its typography so far, its text, its own ink (poster alpha, 0-255) and that ink's lines. */
export interface FitTarget {
  typography: TextTypography;
  text: string;
  own: Uint8Array;
  lines: Box[];
}

/** Where a target's text is drawn on the fit page: the poster region it stands for, at a row of the page. */
export interface FitCell {
  region: Box;
  top: number;
}

/** Ink's alpha mass, centroid and spread (page px): what fitting compares, to a fraction of a pixel. */
interface Moments {
  mass: number;
  cx: number;
  cy: number;
  sx: number;
  sy: number;
}

/**
 * One page that draws every target's text in black exactly as the HTML export would set it, each
 * in its own band (the poster region round its ink), so one render measures them all.
 */
export function fitPage(targets: FitTarget[]): { html: string; width: number; height: number; cells: FitCell[] } {
  const cells: FitCell[] = [];
  const divs: string[] = [];
  let top = 0;
  for (const { typography: t, text, lines } of targets) {
    const pad = Math.ceil(0.6 * t.size_px);
    const [x0, y0] = [Math.min(...lines.map((l) => l.x)) - pad, Math.min(...lines.map((l) => l.y)) - pad];
    const [x1, y1] = [Math.max(...lines.map((l) => l.x + l.width)) + pad, Math.max(...lines.map((l) => l.y + l.height)) + pad];
    const region = { x: x0, y: y0, width: x1 - x0, height: y1 - y0 };
    cells.push({ region, top });
    const style = textStyle(t, t.frame.x - region.x, t.frame.y - region.y, true);
    divs.push(`<section style="top:${top}px;width:${region.width}px;height:${region.height}px"><div style="${escapeHtml(style)}">${escapeHtml(text)}</div></section>`);
    top += region.height;
  }
  const width = Math.max(1, ...cells.map((c) => c.region.width));
  // Each band clips its own text, so a neighbour's ink never counts as another's.
  const html = `<!doctype html><html lang="ko"><head><meta charset="utf-8"><style>
html,body{margin:0;background:transparent}section{position:absolute;left:0;overflow:hidden}div{position:absolute;margin:0;white-space:pre}
</style></head><body>${divs.join('')}</body></html>`;
  return { html, width, height: Math.max(1, top), cells };
}

/**
 * The typography corrected by comparing the drawn text with the poster's ink. `scale` sets the
 * size from the spread of the glyphs (across when the lines' widths and heights agree, else
 * down), the line height from the lines' pitch, and moves the frame as the new size will;
 * `shift` moves the frame by the difference of the centroids, to a fraction of a pixel.
 */
export function fitted(target: FitTarget, w: number, alpha: Uint8Array, pageWidth: number, cell: FitCell, pass: 'scale' | 'shift'): TextTypography {
  const t = target.typography;
  const { region, top } = cell;
  const drawnLines = linesOf(alpha, pageWidth, { x: 0, y: top, width: region.width, height: region.height });
  if (!drawnLines.length) return t;
  const h = target.own.length / w;
  const clip = { x: Math.max(0, region.x), y: Math.max(0, region.y), width: Math.min(w, region.x + region.width) - Math.max(0, region.x), height: 0 };
  const truth = bands(target.lines).map((b) => moments(target.own, w, { ...clip, y: Math.max(0, b[0]), height: Math.min(h, b[1]) - Math.max(0, b[0]) }, 0, 0));
  const drawn = bands(drawnLines).map((b) => moments(alpha, pageWidth, { x: 0, y: b[0], width: region.width, height: b[1] - b[0] }, region.x, region.y - top));
  const paired = truth.length === drawn.length ? truth.map((m, i) => [m, drawn[i]] as const) : [[merged(truth), merged(drawn)] as const];
  const usable = paired.filter(([a, b]) => a.mass > 0 && b.mass > 0 && b.sx > 0 && b.sy > 0);
  if (!usable.length) return t;
  if (pass === 'shift') {
    const [a, b] = [merged(usable.map((p) => p[0])), merged(usable.map((p) => p[1]))];
    return { ...t, frame: { ...t.frame, x: round2(t.frame.x + a.cx - b.cx), y: round2(t.frame.y + a.cy - b.cy) } };
  }
  const [across, down] = [median(usable.map(([a, b]) => a.sx / b.sx)), median(usable.map(([a, b]) => a.sy / b.sy))];
  // Across is the surer measure (a line is far wider than high); when down disagrees, the text
  // read or the family differs from the poster's and neither says the size better than before.
  const raw = Math.abs(across / down - 1) < 0.05 ? across : 1;
  const s = Math.abs(raw - 1) < 0.002 ? 1 : Math.min(1.25, Math.max(0.8, raw));
  const size = round2(t.size_px * s);
  let lineHeight = t.line_height;
  if (usable.length >= 2 && usable.length === paired.length) {
    const pitch = (ms: Moments[]) => slope(ms.map((m) => m.cy));
    const [want, got] = [pitch(usable.map((p) => p[0])), pitch(usable.map((p) => p[1]))];
    if (want > 0 && got > 0) lineHeight = Math.round(((t.line_height * want) / got) * (t.size_px / size) * 1000) / 1000;
  }
  // Type grows from its anchor (the frame's left, right or centre) and from the frame's top.
  const width = Math.round(t.frame.width * s);
  const anchor = t.align === 'left' ? t.frame.x : t.align === 'right' ? t.frame.x + t.frame.width : t.frame.x + t.frame.width / 2;
  const [a, b] = [merged(usable.map((p) => p[0])), merged(usable.map((p) => p[1]))];
  const dx = a.cx - (anchor + s * (b.cx - anchor));
  const dy = a.cy - (t.frame.y + s * (b.cy - t.frame.y));
  const left = t.align === 'left' ? anchor : t.align === 'right' ? anchor - width : anchor - width / 2;
  return { ...t, size_px: size, line_height: lineHeight, frame: { x: round2(left + dx), y: round2(t.frame.y + dy), width } };
}

/** Soft IoU of the drawn glyphs (their cell) and the layer's own ink (the poster region the cell stands for). */
export function inkIou(target: FitTarget, w: number, alpha: Uint8Array, pageWidth: number, cell: FitCell): number {
  const { region, top } = cell;
  const h = target.own.length / w;
  let [inter, union] = [0, 0];
  for (let r = 0; r < region.height; r++) {
    for (let c = 0; c < region.width; c++) {
      const [x, y] = [region.x + c, region.y + r];
      const truth = x >= 0 && y >= 0 && x < w && y < h ? target.own[y * w + x] : 0;
      const drawn = alpha[(top + r) * pageWidth + c];
      [inter, union] = [inter + Math.min(truth, drawn), union + Math.max(truth, drawn)];
    }
  }
  return union ? inter / union : 0;
}

/** The compared glyph strips (the family ranking's) are this high. */
const STRIP_H = 24;

export const stripWidth = (box: Box) => Math.max(1, Math.round((box.width / box.height) * STRIP_H));

/** A box's alpha resampled (box filter) to STRIP_H rows of `sw` columns, 0-1. */
export function strip(alpha: Uint8Array, w: number, box: Box, sw: number, full = 255): Float32Array {
  const out = new Float32Array(sw * STRIP_H);
  const counts = new Float32Array(sw * STRIP_H);
  for (let y = box.y; y < box.y + box.height; y++) {
    const sy = Math.min(STRIP_H - 1, Math.floor(((y - box.y) * STRIP_H) / box.height));
    for (let x = box.x; x < box.x + box.width; x++) {
      const sx = Math.min(sw - 1, Math.floor(((x - box.x) * sw) / box.width));
      out[sy * sw + sx] += alpha[y * w + x] / full;
      counts[sy * sw + sx]++;
    }
  }
  for (let i = 0; i < out.length; i++) out[i] = counts[i] ? out[i] / counts[i] : 0;
  return out;
}

/** A strip stretched to another width (nearest column). */
export function resized(s: Float32Array, from: number, to: number): Float32Array {
  if (from === to) return s;
  const out = new Float32Array(to * STRIP_H);
  for (let y = 0; y < STRIP_H; y++) for (let x = 0; x < to; x++) out[y * to + x] = s[y * from + Math.min(from - 1, Math.floor((x * from) / to))];
  return out;
}

/** Soft IoU of two strips of one size. */
export function overlap(a: Float32Array, b: Float32Array): number {
  let [inter, union] = [0, 0];
  for (let i = 0; i < a.length; i++) [inter, union] = [inter + Math.min(a[i], b[i]), union + Math.max(a[i], b[i])];
  return union ? inter / union : 0;
}

/** Each line's rows, widened by 2 px either way (anti-aliasing), never into the next line. */
function bands(lines: Box[]): Array<[number, number]> {
  return lines.map((l, i) => [
    Math.max(l.y - 2, i ? Math.ceil((lines[i - 1].y + lines[i - 1].height + l.y) / 2) : -Infinity),
    Math.min(l.y + l.height + 2, i < lines.length - 1 ? Math.ceil((l.y + l.height + lines[i + 1].y) / 2) : Infinity),
  ]);
}

function moments(alpha: Uint8Array, w: number, box: Box, ox: number, oy: number): Moments {
  let [n, sx, sy, sxx, syy] = [0, 0, 0, 0, 0];
  for (let y = box.y; y < box.y + box.height; y++) {
    for (let x = box.x; x < box.x + box.width; x++) {
      const a = alpha[y * w + x];
      if (!a) continue;
      [n, sx, sy, sxx, syy] = [n + a, sx + a * x, sy + a * y, sxx + a * x * x, syy + a * y * y];
    }
  }
  if (!n) return { mass: 0, cx: 0, cy: 0, sx: 0, sy: 0 };
  const [mx, my] = [sx / n, sy / n];
  return { mass: n, cx: mx + ox, cy: my + oy, sx: Math.sqrt(Math.max(0, sxx / n - mx * mx)), sy: Math.sqrt(Math.max(0, syy / n - my * my)) };
}

/** Several lines' moments as one ink's (the spread is the lines' own, mass-weighted, not the block's). */
function merged(ms: Moments[]): Moments {
  const mass = ms.reduce((s, m) => s + m.mass, 0);
  if (!mass) return { mass: 0, cx: 0, cy: 0, sx: 0, sy: 0 };
  const mean = (k: keyof Moments) => ms.reduce((s, m) => s + m[k] * m.mass, 0) / mass;
  return { mass, cx: mean('cx'), cy: mean('cy'), sx: mean('sx'), sy: mean('sy') };
}

/** Least-squares slope of values over their index. */
function slope(v: number[]): number {
  const n = v.length;
  const mean = v.reduce((s, x) => s + x, 0) / n;
  let [num, den] = [0, 0];
  v.forEach((y, i) => {
    num += (i - (n - 1) / 2) * (y - mean);
    den += (i - (n - 1) / 2) ** 2;
  });
  return den ? num / den : 0;
}

const median = (v: number[]) => [...v].sort((a, b) => a - b)[v.length >> 1];
const round2 = (v: number) => Math.round(v * 100) / 100;
