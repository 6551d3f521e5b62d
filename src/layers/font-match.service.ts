import { Inject, Injectable } from '@nestjs/common';
import sharp from 'sharp';
import { escapeHtml } from '../common/html';
import { FontsService } from '../fonts/fonts.service';
import type { FontFamily } from '../fonts/fonts.types';
import { HTML_RENDERER, type HtmlRenderer } from '../renderer/renderer.types';
import type { Box } from '../vision/image.types';
import { hexOf } from '../vision/color-math';
import type { DecomposedLayer } from './decomposition.types';
import { type FitCell, type FitTarget, fitPage, fitted, inkIou, overlap, resized, strip, stripWidth } from './text-fit';
import { type InkMeasure, type TextTypography, turned, type Upright, upright } from './typography';

/** Each candidate is drawn at this size in a cell this large; the renderer's page is two cells wide. */
const PROBE_PX = 48;
const CELL = { width: 1024, height: 96 };
const MAX_CELLS = 160;
/** The best-ranked families (by glyph strips) drawn at full size and fitted; the closest is kept (3 -> 5: ink IoU 0.849 -> 0.856, 0.08 s). */
const FINALISTS = 5;
/** The fit page's height limit (px): Chromium captures up to 16384, and a smaller page renders faster. */
const MAX_FIT_PAGE = 8192;
const DEFAULT_LINE_HEIGHT = 1.25;

interface Candidate {
  family: FontFamily;
  weight: 400 | 700;
}

interface Cell {
  at: number;
  candidate: Candidate;
  text: string;
  /** Outline width (probe px) for outlined type, 0 for filled. */
  stroke: number;
}

/**
 * Live text: each text layer's typography, by drawing its longest line in every installed family
 * that has its characters, regular and bold, in one Chromium page, and keeping the drawing whose
 * glyphs overlap the layer's best (both scaled to one height, the widths' ratio counted against
 * it). The size then comes from the heights, the letter spacing from the widths, the text frame
 * from where the glyphs sit in their line.
 */
@Injectable()
export class FontMatchService {
  constructor(
    private readonly fonts: FontsService,
    @Inject(HTML_RENDERER) private readonly renderer: HtmlRenderer,
  ) {}

  async typeset(layers: DecomposedLayer[], w: number, h: number, signal?: AbortSignal): Promise<void> {
    const texts = layers.filter((l) => l.kind === 'text' && l.text && l.box.width > 0);
    const measured = (await Promise.all(texts.map((layer) => upright(layer, w)))).filter((t) => t.ink.lines.length > 0 && t.line);
    if (!measured.length) return;
    // A tilted layer is also measured as it stands: a short word's axis can lean when its type does not.
    const all = measured.flatMap((t) => (t.flat ? [t, t.flat] : [t]));
    const families = this.fonts.list('Hangul');
    const cells: Cell[] = [];
    all.forEach((t, at) => {
      // Outlined type is drawn outlined: its strokes are what the layer holds.
      const main = t.ink.lines[t.inkLine];
      const stroke = t.ink.outlinePx ? Math.max(0.5, (t.ink.outlinePx * 0.9 * PROBE_PX) / main.height) : 0;
      for (const family of families.filter((f) => this.fonts.drawableBy(f, t.line).replace(/\s/g, '') === t.line.replace(/\s/g, ''))) {
        for (const weight of [400, 700] as const) cells.push({ at, candidate: { family, weight }, text: t.line, stroke });
      }
    });
    // Each drawing's glyph box and its text's layout box in its cell, and its glyphs as a strip.
    const drawn: Array<Box | null> = [];
    const advances: Array<Box | null> = [];
    const strips: Array<Float32Array | null> = [];
    for (let start = 0; start < cells.length; start += MAX_CELLS) {
      const batch = cells.slice(start, start + MAX_CELLS);
      const { boxes, layout, alpha, width } = await this.draw(batch, signal);
      batch.forEach((_, i) => {
        const [box, advance] = [boxes[i], layout[i]];
        const [ox, oy] = [(i % 2) * CELL.width, Math.floor(i / 2) * CELL.height];
        drawn.push(box && { ...box, x: box.x - ox, y: box.y - oy });
        advances.push(advance && { ...advance, x: advance.x - ox, y: advance.y - oy });
        strips.push(box ? strip(alpha, width, box, stripWidth(box)) : null);
      });
    }
    const options = all.map((t, at) => {
      const line = t.ink.lines[t.inkLine];
      const target = strip(t.ink.own, t.width, line, stripWidth(line), 255);
      const ranked = cells
        .flatMap((cell, k) => {
          const box = drawn[k];
          if (cell.at !== at || !box || !strips[k] || !advances[k]) return [];
          const aspect = Math.abs(Math.log(line.width / line.height / (box.width / box.height)));
          return [{ score: overlap(target, resized(strips[k]!, stripWidth(box), stripWidth(line))) - aspect, k }];
        })
        .sort((a, b) => b.score - a.score);
      const sets = ranked.slice(0, t.turn ? 1 : FINALISTS).map(({ k }) => typography(t.ink, t, cells[k].candidate, { drawn: drawn[k]!, advance: advances[k]! }, t.width, t.height));
      if (!sets.length) sets.push(typography(t.ink, t, null, null, t.width, t.height));
      return t.turn ? [turned(sets[0], t.ink.lines.length, t.turn)] : sets;
    });
    const optionsOf = (t: Upright) => options[all.indexOf(t)];
    measured.forEach((t) => (t.layer.typography = optionsOf(t)[0]));
    await this.fit(
      measured.map((t) => (t.flat ? { t: t.flat, options: optionsOf(t.flat), fixed: optionsOf(t) } : { t, options: optionsOf(t), fixed: [] })),
      signal,
    );
  }

  /**
   * The finalists drawn again as the export sets them and corrected against the layer's ink:
   * first the size and line height, then the frame's place (twice), each pass one render of all.
   * The finalist whose glyphs then cover the layer's ink best is the layer's typography; `fixed`
   * ones (a tilted layer's, set upright and turned back) only compete.
   */
  private async fit(items: Array<{ t: Upright; options: TextTypography[]; fixed: TextTypography[] }>, signal?: AbortSignal): Promise<void> {
    const all = items.flatMap(({ t, options, fixed }) => [
      ...options.map((typography) => ({ t, typography, iou: 0, fixed: false })),
      ...fixed.map((typography) => ({ t, typography, iou: 0, fixed: true })),
    ]);
    if (!all.length) return;
    for (const pass of ['scale', 'shift', 'shift'] as const) {
      const targets: FitTarget[] = all.map(({ t, typography }) => ({ typography, text: t.layer.text!, own: t.ink.own, lines: t.ink.lines }));
      const drawn = await this.drawFit(targets, signal);
      all.forEach((option, i) => {
        if (!drawn[i]) return;
        const { alpha, pageWidth, cell } = drawn[i];
        option.iou = inkIou(targets[i], option.t.width, alpha, pageWidth, cell);
        if (!option.fixed) option.typography = fitted(targets[i], option.t.width, alpha, pageWidth, cell, pass);
      });
    }
    for (const { t } of items) t.layer.typography = all.filter((o) => o.t === t).sort((a, b) => b.iou - a.iou)[0].typography;
  }

  /**
   * The fit page of these targets rendered: each target's page alpha, width and cell. A page taller
   * than Chromium draws in one capture is split in halves; a single target taller than that is not
   * fitted (null).
   */
  private async drawFit(targets: FitTarget[], signal?: AbortSignal): Promise<Array<{ alpha: Uint8Array; pageWidth: number; cell: FitCell } | null>> {
    const page = fitPage(targets);
    if (page.height > MAX_FIT_PAGE) {
      if (targets.length === 1) return [null];
      const half = targets.length >> 1;
      return [...(await this.drawFit(targets.slice(0, half), signal)), ...(await this.drawFit(targets.slice(half), signal))];
    }
    const rendered = await this.renderer.render({ html: page.html, width: page.width, height: page.height, fonts: [], signal });
    const alpha = new Uint8Array(await sharp(rendered.png).ensureAlpha().extractChannel(3).raw().toBuffer());
    return page.cells.map((cell) => ({ alpha, pageWidth: page.width, cell }));
  }

  /** The candidates drawn black on transparent, two cells a row; the glyph box of each (cell-relative px) and the page's alpha. */
  private async draw(cells: Cell[], signal?: AbortSignal) {
    const width = 2 * CELL.width;
    const height = Math.ceil(cells.length / 2) * CELL.height;
    // System families are named as the export and the poster name them (a web font's copy loads
    // slower and may draw a hair differently); a FONTS_DIR family is served as a web font.
    const bundles = new Map<string, { css: string; stack: string; assets: Array<{ url: string; path: string }> }>();
    for (const { candidate, text } of cells) {
      const { family } = candidate;
      if (bundles.has(family.family)) continue;
      bundles.set(family.family, family.source === 'system' ? { css: '', stack: `'${family.family.replace(/'/g, '')}'`, assets: [] } : this.fonts.faceBundle(family, text));
    }
    const divs = cells.map(({ candidate, text, stroke }, i) => {
      const [x, y] = [(i % 2) * CELL.width, Math.floor(i / 2) * CELL.height];
      const ink = stroke ? `color:transparent;-webkit-text-stroke:${stroke.toFixed(2)}px #000` : 'color:#000';
      return `<div style="left:${x}px;top:${y}px;font-family:${bundles.get(candidate.family.family)!.stack};font-weight:${candidate.weight};${ink}"><span id="c${i}">${escapeHtml(text)}</span></div>`;
    });
    const html = `<!doctype html><html><head><meta charset="utf-8"><style>${[...bundles.values()].map((b) => b.css).join('\n')}
html,body{margin:0;background:transparent}div{position:absolute;width:${CELL.width}px;height:${CELL.height}px;font-size:${PROBE_PX}px;line-height:${DEFAULT_LINE_HEIGHT};white-space:pre;overflow:hidden}</style></head><body>${divs.join('')}</body></html>`;
    const assets = [...new Map([...bundles.values()].flatMap((b) => b.assets).map((a) => [a.url, a])).values()];
    const measure = cells.map((_, i) => `#c${i}`);
    const rendered = await this.renderer.render({ html, width, height, fonts: assets, measure, signal });
    const alpha = new Uint8Array(await sharp(rendered.png).ensureAlpha().extractChannel(3).raw().toBuffer());
    const boxes = cells.map((_, i) => inkBox(alpha, width, (i % 2) * CELL.width, Math.floor(i / 2) * CELL.height));
    return { boxes, layout: measure.map((selector) => rendered.boxes[selector] ?? null), alpha, width };
  }
}

/** The chosen drawing: its glyphs' box and its text's layout box, in its cell (probe px). */
interface Probe {
  drawn: Box;
  advance: Box;
}

function typography(ink: InkMeasure, { row, inkLine, line }: Pick<Upright, 'row' | 'inkLine' | 'line'>, match: Candidate | null, probe: Probe | null, w: number, h: number): TextTypography {
  const ref = ink.lines[inkLine];
  const drawn = probe?.drawn ?? null;
  // Heights are whole pixels (27 px +-1 is 4%); a long line's width is exact to a fraction of
  // that. Widths set the scale unless they disagree with the heights: then it is letter spacing.
  const byHeight = drawn ? ref.height / drawn.height : ref.height / (0.9 * PROBE_PX);
  const byWidth = drawn ? ref.width / drawn.width : byHeight;
  const scale = Math.abs(byWidth / byHeight - 1) < 0.06 ? byWidth : byHeight;
  const size = Math.round(PROBE_PX * scale * 10) / 10;
  const gaps = ink.lines.slice(1).map((l, i) => l.y - ink.lines[i].y);
  const lineHeight = gaps.length ? Math.round((gaps.sort((a, b) => a - b)[gaps.length >> 1] / size) * 100) / 100 : DEFAULT_LINE_HEIGHT;
  // Spacing from a line of a few glyphs is the family's own width error, not the designer's.
  const chars = [...line.replace(/\s/g, '')].length;
  const measuredSpacing = drawn && chars >= 4 ? (ref.width - drawn.width * scale) / (chars - 1) : 0;
  const spacing = Math.abs(measuredSpacing) < 0.03 * size ? 0 : Math.round(measuredSpacing * 10) / 10;
  const align = alignment(ink.lines, w);
  const widest = Math.max(...ink.lines.map((l) => l.width));
  const width = Math.round(widest + size);
  const left = Math.min(...ink.lines.map((l) => l.x));
  const centre = ref.x + ref.width / 2;
  const right = Math.max(...ink.lines.map((l) => l.x + l.width));
  // Where the glyphs sit in their line box: the probe's offset, scaled, plus the extra half-leading.
  const top = ref.y - (drawn ? drawn.y * scale : 0.2 * size) - ((lineHeight - DEFAULT_LINE_HEIGHT) * size) / 2 - row * lineHeight * size;
  // The glyphs sit off their layout box by the side bearings: the frame is placed from the
  // probe's layout box. CSS adds the spacing after the last glyph too (centred text moves left by half).
  const adv = probe?.advance ?? null;
  const leftBearing = drawn && adv ? (drawn.x - adv.x) * scale : 0;
  const rightBearing = drawn && adv ? (adv.x + adv.width - drawn.x - drawn.width) * scale : 0;
  const centreShift = drawn && adv ? (drawn.x + drawn.width / 2 - adv.x - adv.width / 2) * scale : 0;
  const x = align === 'left' ? left - leftBearing : align === 'right' ? right + rightBearing - width + spacing : centre - centreShift - width / 2 + spacing / 2;
  return {
    family: match?.family.family ?? 'NanumGothic',
    weight: match?.weight ?? 400,
    size_px: size,
    color: hexOf(ink.color),
    align,
    line_height: lineHeight,
    letter_spacing_px: spacing,
    rotation_deg: ink.rotationDeg,
    shadow: ink.shadow,
    outline: ink.outlinePx ? `${ink.outlinePx}px ${hexOf(ink.color)}` : null,
    frame: { x: Math.round(Math.max(-width, Math.min(w, x))), y: Math.round(Math.max(-size, Math.min(h, top))), width },
  };
}

/** Lines that share a left edge are left-aligned, a right edge right, a centre centred; one line by its place on the page. */
function alignment(lines: Box[], w: number): TextTypography['align'] {
  const spread = (v: number[]) => Math.max(...v) - Math.min(...v);
  if (lines.length > 1) {
    const [l, c, r] = [spread(lines.map((b) => b.x)), spread(lines.map((b) => b.x + b.width / 2)), spread(lines.map((b) => b.x + b.width))];
    return c <= l && c <= r ? 'center' : l <= r ? 'left' : 'right';
  }
  const [b] = lines;
  if (Math.abs(b.x + b.width / 2 - w / 2) < 0.03 * w) return 'center';
  return b.x + b.width > 0.92 * w && b.x > w / 2 ? 'right' : 'left';
}


/** The glyphs' box inside one cell (page px), or null when nothing was drawn. */
function inkBox(alpha: Uint8Array, width: number, x0: number, y0: number): Box | null {
  let [x1, y1, x2, y2] = [Infinity, Infinity, -1, -1];
  for (let y = y0; y < y0 + CELL.height; y++) {
    for (let x = x0; x < x0 + CELL.width; x++) {
      if (alpha[y * width + x] < 64) continue;
      [x1, y1, x2, y2] = [Math.min(x1, x), Math.min(y1, y), Math.max(x2, x), Math.max(y2, y)];
    }
  }
  return x2 < 0 ? null : { x: x1, y: y1, width: x2 - x1 + 1, height: y2 - y1 + 1 };
}
