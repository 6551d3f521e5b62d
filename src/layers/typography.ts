import sharp from 'sharp';
import type { Box, Rgb } from '../vision/image.types';
import { hexOf } from '../vision/color-math';
import type { DecomposedLayer } from './decomposition.types';

/** Ink this far (RGB distance) from a text layer's main colour is another ink: a drop shadow, a glow. */
const OTHER_INK = 120;

/** How much of the RGBA pixel at byte offset `i` is ink of `main` (1) rather than another ink (0). */
export function mainInkShare(rgba: Uint8Array, i: number, main: readonly number[]): number {
  return Math.max(0, 1 - Math.hypot(rgba[i] - main[0], rgba[i + 1] - main[1], rgba[i + 2] - main[2]) / OTHER_INK);
}
/** Strokes thinner than this share of the font size are an outline around a transparent fill. */
const OUTLINE_STROKE = 0.045;

/** A drop shadow is cast at most this far (over the ink's line height); further off, the other ink is something else. */
const SHADOW_REACH = 0.12;

/** A text layer's typography as a designer would set it again (metadata, PSD, HTML export). */
export interface TextTypography {
  /** The nearest installed family and weight, by drawing the first line in each. */
  family: string;
  weight: 400 | 700;
  size_px: number;
  color: string;
  align: 'left' | 'center' | 'right';
  /** Line distance over the size (CSS line-height); 1.25 for one line, where nothing says otherwise. */
  line_height: number;
  letter_spacing_px: number;
  rotation_deg: number;
  /** CSS text-shadow, or null. */
  shadow: string | null;
  /** CSS -webkit-text-stroke around a transparent fill, or null. */
  outline: string | null;
  /** The text frame (page px) that, with the values above, puts the glyphs where the poster has them. */
  frame: { x: number; y: number; width: number };
}

/** What the pixels alone say of a text layer, before a family is matched. */
export interface InkMeasure {
  /** Its lines' ink bands, top to bottom (page px). */
  lines: Box[];
  color: Rgb;
  rotationDeg: number;
  shadow: string | null;
  /** The stroke width (px) when the ink is an outline around a transparent fill. */
  outlinePx: number | null;
  /** Alpha of the main colour's ink (0-255), full canvas. */
  own: Uint8Array;
}

/**
 * Lines from the rows that hold the main colour's ink; the colour; the tilt of a single line (the
 * ink's principal axis); a drop shadow from the other-coloured ink (its offset, spread, colour);
 * an outline when the strokes are far thinner than a glyph's.
 */
export function measureInk(layer: Pick<DecomposedLayer, 'rgba' | 'box' | 'colors'>, w: number): InkMeasure {
  const { x: bx, y: by, width: bw, height: bh } = layer.box;
  const color = solidColor(layer, w) ?? layer.colors[0] ?? ([0, 0, 0] as Rgb);
  const own = new Uint8Array(layer.rgba.length / 4);
  const rows = new Float64Array(bh);
  const [mOwn, mOther] = [[0, 0, 0], [0, 0, 0]];
  const otherColor = [0, 0, 0];
  let otherPixels = 0;
  let [area, perimeter] = [0, 0];
  for (let y = by; y < by + bh; y++) {
    for (let x = bx; x < bx + bw; x++) {
      const p = y * w + x;
      const a = layer.rgba[p * 4 + 3];
      if (!a) continue;
      const share = mainInkShare(layer.rgba, p * 4, color);
      own[p] = Math.round(a * share);
      rows[y - by] += own[p];
      const weights: Array<[number[], number]> = [[mOwn, own[p]], [mOther, a - own[p]]];
      for (const [m, wgt] of weights) [m[0], m[1], m[2]] = [m[0] + wgt, m[1] + wgt * x, m[2] + wgt * y];
      for (let c = 0; c < 3; c++) otherColor[c] += (a - own[p]) * layer.rgba[p * 4 + c];
      if (a - own[p] > 0) otherPixels++;
    }
  }
  for (let y = by; y < by + bh; y++) {
    for (let x = bx; x < bx + bw; x++) {
      const p = y * w + x;
      if (own[p] < 128) continue;
      area++;
      if (own[p - 1] < 128 || own[p + 1] < 128 || own[p - w] < 128 || own[p + w] < 128) perimeter++;
    }
  }
  const lines = inkLines(rows, bx, by, bw, own, w);
  const lineHeight = lines.length ? lines.map((l) => l.height).sort((a, b) => a - b)[lines.length >> 1] : bh;
  const stroke = perimeter ? (2 * area) / perimeter : 0;
  return {
    lines,
    color,
    rotationDeg: lines.length === 1 ? tilt(own, lines[0], w) : 0,
    shadow: shadowOf(mOwn, mOther, otherColor, otherPixels, lineHeight),
    outlinePx: stroke > 0 && stroke < OUTLINE_STROKE * (lineHeight / 0.9) ? Math.max(1, Math.round(stroke)) : null,
    own,
  };
}

/** The median colour of the layer's opaque pixels (the histogram's colours are rounded to 16 levels). */
function solidColor(layer: Pick<DecomposedLayer, 'rgba' | 'box'>, w: number): Rgb | null {
  const channels: number[][] = [[], [], []];
  const { x: bx, y: by, width: bw, height: bh } = layer.box;
  for (let y = by; y < by + bh; y++) {
    for (let x = bx; x < bx + bw; x++) {
      const p = (y * w + x) * 4;
      if (layer.rgba[p + 3] < 240) continue;
      for (let c = 0; c < 3; c++) channels[c].push(layer.rgba[p + c]);
    }
  }
  if (channels[0].length === 0) return null;
  return channels.map((v) => v.sort((a, b) => a - b)[v.length >> 1]) as Rgb;
}

/** The ink's lines (as measureInk finds them) in any alpha (0-255) within a box. */
export function linesOf(alpha: Uint8Array, w: number, box: Box): Box[] {
  const rows = new Float64Array(box.height);
  for (let r = 0; r < box.height; r++) for (let x = box.x; x < box.x + box.width; x++) rows[r] += alpha[(box.y + r) * w + x];
  return inkLines(rows, box.x, box.y, box.width, alpha, w);
}

/** Bands of rows with ink (over 3% of the fullest row), gaps under a fifth of a band closed. */
function inkLines(rows: Float64Array, bx: number, by: number, bw: number, own: Uint8Array, w: number): Box[] {
  const max = Math.max(0, ...rows);
  const bands: Array<[number, number]> = [];
  let start = -1;
  for (let r = 0; r <= rows.length; r++) {
    const on = r < rows.length && rows[r] > 0.03 * max;
    if (on && start < 0) start = r;
    if (!on && start >= 0) {
      const last = bands.at(-1);
      if (last && start - last[1] < 0.2 * Math.min(last[1] - last[0], r - start)) last[1] = r;
      else bands.push([start, r]);
      start = -1;
    }
  }
  return bands.map(([r0, r1]) => {
    let [x0, x1] = [bx + bw, bx - 1];
    for (let y = by + r0; y < by + r1; y++) {
      for (let x = bx; x < bx + bw; x++) {
        if (own[y * w + x] < 64) continue;
        x0 = Math.min(x0, x);
        x1 = Math.max(x1, x);
      }
    }
    return { x: x0, y: by + r0, width: Math.max(0, x1 - x0 + 1), height: r1 - r0 };
  });
}

/** The angle (degrees, clockwise as CSS rotates) of a line's ink's principal axis; 0 under 2 degrees. */
function tilt(own: Uint8Array, line: Box, w: number): number {
  let [n, sx, sy, sxx, syy, sxy] = [0, 0, 0, 0, 0, 0];
  for (let y = line.y; y < line.y + line.height; y++) {
    for (let x = line.x; x < line.x + line.width; x++) {
      const a = own[y * w + x] / 255;
      [n, sx, sy, sxx, syy, sxy] = [n + a, sx + a * x, sy + a * y, sxx + a * x * x, syy + a * y * y, sxy + a * x * y];
    }
  }
  if (n === 0) return 0;
  const [mx, my] = [sx / n, sy / n];
  const deg = (0.5 * Math.atan2(2 * (sxy / n - mx * my), sxx / n - mx * mx - (syy / n - my * my)) * 180) / Math.PI;
  return Math.abs(deg) < 2 ? 0 : Math.round(deg * 10) / 10;
}

/**
 * A shadow when the other-coloured ink holds over 8% of the mass and sits off the glyphs (its
 * centre 1.5 px or more away; anti-aliased rims sit evenly round them) and no further than a
 * drop shadow is cast (a patch of the page the layer kept sits anywhere): offset, spread, colour.
 */
function shadowOf(own: number[], other: number[], color: number[], otherPixels: number, lineHeight: number): string | null {
  if (other[0] <= 0.08 * (own[0] + other[0]) || own[0] === 0) return null;
  const [dx, dy] = [other[1] / other[0] - own[1] / own[0], other[2] / other[0] - own[2] / own[0]];
  if (Math.hypot(dx, dy) < 1.5 || Math.hypot(dx, dy) > SHADOW_REACH * lineHeight) return null;
  // A rough blur: the more the shadow spreads past the glyphs' area, the softer it was drawn.
  const blur = Math.max(0, Math.round((other[0] / own[0]) * 2));
  const rgb = color.map((c) => Math.round(c / other[0])) as Rgb;
  // Its opacity: the mean alpha of the pixels it touches.
  const alpha = Math.min(1, other[0] / 255 / Math.max(1, otherPixels));
  return `${Math.round(dx)}px ${Math.round(dy)}px ${blur}px ${hexOf(rgb)}${Math.round(alpha * 255).toString(16).padStart(2, '0')}`;
}

/** A text layer measured upright (see upright): what the typesetter matches and fits. */
export interface Upright {
  layer: DecomposedLayer;
  ink: InkMeasure;
  /** The line the family is matched on: its row in the text, its ink line, its text (mainLine). */
  row: number;
  inkLine: number;
  line: string;
  /** The canvas the ink was measured on: the poster, or the tilted layer's box turned upright. */
  width: number;
  height: number;
  /** For a tilted layer: its angle and where its box's centre is on the poster. */
  turn?: { deg: number; cx: number; cy: number; width: number; height: number };
  /** For a tilted layer: the same layer measured as it stands, untilted. */
  flat?: Upright;
}

/**
 * A tilted line is measured upright: its box turned back by its angle (the canvas grows to hold
 * it). The glyphs' heights and widths are then those of the type, not of a slanted band.
 */
export async function upright(layer: DecomposedLayer, w: number): Promise<Upright> {
  const ink = measureInk(layer, w);
  const flat = { layer, ink: { ...ink, rotationDeg: 0 }, ...mainLine(layer.text!, ink.lines), width: w, height: layer.rgba.length / 4 / w };
  if (!ink.rotationDeg) return flat;
  const { x, y, width: bw, height: bh } = layer.box;
  const crop = Buffer.alloc(bw * bh * 4);
  for (let r = 0; r < bh; r++) crop.set(layer.rgba.subarray(((y + r) * w + x) * 4, ((y + r) * w + x + bw) * 4), r * bw * 4);
  const { data, info } = await sharp(crop, { raw: { width: bw, height: bh, channels: 4 } })
    .rotate(-ink.rotationDeg, { background: { r: 0, g: 0, b: 0, alpha: 0 } })
    .raw()
    .toBuffer({ resolveWithObject: true });
  const turnedLayer = { rgba: new Uint8Array(data), box: { x: 0, y: 0, width: info.width, height: info.height }, colors: layer.colors };
  const turnedInk = { ...measureInk(turnedLayer, info.width), rotationDeg: ink.rotationDeg };
  return {
    layer,
    ink: turnedInk,
    ...mainLine(layer.text!, turnedInk.lines),
    width: info.width,
    height: info.height,
    turn: { deg: ink.rotationDeg, cx: x + bw / 2, cy: y + bh / 2, width: info.width, height: info.height },
    flat,
  };
}

/**
 * Typography measured upright, put back on the poster: the frame's centre, which CSS turns the
 * text about, goes where the upright box's centre maps to (the crop turned about its centre).
 */
export function turned(t: TextTypography, lines: number, turn: NonNullable<Upright['turn']>): TextTypography {
  const frameHeight = lines * t.line_height * t.size_px;
  const [ox, oy] = [t.frame.x + t.frame.width / 2 - turn.width / 2, t.frame.y + frameHeight / 2 - turn.height / 2];
  const a = (turn.deg * Math.PI) / 180;
  const [cx, cy] = [turn.cx + ox * Math.cos(a) - oy * Math.sin(a), turn.cy + ox * Math.sin(a) + oy * Math.cos(a)];
  return { ...t, frame: { x: Math.round(cx - t.frame.width / 2), y: Math.round(cy - frameHeight / 2), width: t.frame.width } };
}

/**
 * The line to match the family on: the text's longest (a stray mark read as a line of one glyph
 * must not set the size) and its ink: the same line when the ink has as many, else the widest.
 */
function mainLine(text: string, ink: Box[]): { row: number; inkLine: number; line: string } {
  const rows = text.split('\n').map((r) => r.trim());
  const row = rows.reduce((best, r, i) => (r.replace(/\s/g, '').length > rows[best].replace(/\s/g, '').length ? i : best), 0);
  const inkLine = rows.length === ink.length ? row : ink.reduce((best, l, i) => (l.width > ink[best].width ? i : best), 0);
  return { row, inkLine, line: rows[row] };
}
