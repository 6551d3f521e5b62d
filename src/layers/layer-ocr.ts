import sharp from 'sharp';
import type { TesseractRepository } from '../vision/text/tesseract.repository';
import type { Box } from '../vision/image.types';
import type { DecomposedLayer } from './decomposition.types';
import { describe } from './layer-stack';
import { linesOf, mainInkShare, measureInk } from './typography';

/**
 * Each text layer's words, read by Tesseract from its alpha as black ink on white, enlarged
 * (what was behind it no longer matters); the text names the layer. A layer with ink of another
 * colour (a drop shadow or a glow it keeps, which thickens every stroke into a blob) is read a
 * second time from its main colour's ink alone, and the reading Tesseract is surer of wins.
 * Outlined type is filled in first and tilted type turned upright. When the reading's lines are
 * not the ink's (a stroke read as a line of its own), each ink line is read alone as well.
 */
export async function readTextLayers(ocr: TesseractRepository, layers: DecomposedLayer[], w: number, h: number, signal?: AbortSignal): Promise<void> {
  // Side by side: the repository runs as many Tesseracts as there are cores.
  await Promise.all(layers.filter((l) => l.kind === 'text' && l.box.width > 0).map((layer) => readLayer(ocr, layer, w, h, signal)));
}

async function readLayer(ocr: TesseractRepository, layer: DecomposedLayer, w: number, h: number, signal?: AbortSignal): Promise<void> {
  const { all, own, other } = inkOf(layer, w);
  const measure = measureInk(layer, w);
  const fill = (ink: Buffer) => (measure.outlinePx !== null ? filledOutline(ink, layer.box) : ink);
  const inks = [fill(all), ...(other > 0.05 * (other + own.mass) ? [fill(own.ink)] : [])];
  const readings = await Promise.all(inks.map(async (ink) => ocr.readScored(await page(ink, layer.box, measure.rotationDeg), signal)));
  const lines = measure.rotationDeg ? [] : measure.lines;
  if (lines.length && !readings.some((r) => r?.text.split('\n').length === lines.length)) readings.push(await byLine(ocr, inks.at(-1)!, layer.box, lines, signal));
  const best = readings.filter((r) => r !== null && r.text !== '').sort((a, b) => b!.confidence - a!.confidence)[0];
  if (best) {
    layer.text = spacedByInk(best.text, own.ink, layer.box);
    layer.name = `text: ${layer.text.replace(/\n/g, ' ').slice(0, 40)}`;
  }
  layer.description = describe(layer, w, h);
}

/** Each ink line read alone (page mode 7), the readings joined; the confidence is their mean. */
async function byLine(ocr: TesseractRepository, ink: Buffer, box: Box, lines: Box[], signal?: AbortSignal) {
  const read = await Promise.all(
    lines.map(async (line) => {
      const [top, bottom] = [Math.max(box.y, line.y - 2), Math.min(box.y + box.height, line.y + line.height + 2)];
      const band = ink.subarray((top - box.y) * box.width, (bottom - box.y) * box.width);
      return ocr.readScored(await page(Buffer.from(band), { width: box.width, height: bottom - top }, 0), signal, 'line');
    }),
  );
  if (read.some((r) => !r || !r.text)) return null;
  return { text: read.map((r) => r!.text.replace(/\n/g, ' ')).join('\n'), confidence: read.reduce((s, r) => s + r!.confidence, 0) / read.length };
}

/** The layer's ink (255 - alpha, black on white) over its box; and the same counting only its main colour. */
function inkOf(layer: DecomposedLayer, w: number) {
  const { x, y, width, height } = layer.box;
  const main = layer.colors[0] ?? [0, 0, 0];
  const [all, ownInk] = [Buffer.alloc(width * height), Buffer.alloc(width * height)];
  let [mass, other] = [0, 0];
  for (let r = 0; r < height; r++) {
    for (let c = 0; c < width; c++) {
      const p = ((y + r) * w + x + c) * 4;
      const a = layer.rgba[p + 3];
      const share = mainInkShare(layer.rgba, p, main);
      all[r * width + c] = 255 - a;
      ownInk[r * width + c] = 255 - Math.round(a * share);
      mass += a * share;
      other += a * (1 - share);
    }
  }
  return { all, own: { ink: ownInk, mass }, other };
}

/** Black ink on white, turned upright, enlarged so a line is about 32 px high, with a white margin. */
async function page(ink: Buffer, box: { width: number; height: number }, rotationDeg: number): Promise<Buffer> {
  const { width, height } = box;
  const scale = Math.max(1, Math.min(4, 64 / Math.max(8, height / 2)));
  let image = sharp(ink, { raw: { width, height, channels: 1 } });
  let size = { width, height };
  if (rotationDeg) {
    // Turned on its own first: sharp resizes before it rotates within one pipeline.
    const { data, info } = await image.rotate(-rotationDeg, { background: '#ffffff' }).raw().toBuffer({ resolveWithObject: true });
    image = sharp(data, { raw: { width: info.width, height: info.height, channels: info.channels } });
    size = info;
  }
  return image
    .resize(Math.round(size.width * scale), Math.round(size.height * scale))
    .extend({ top: 16, bottom: 16, left: 16, right: 16, background: '#ffffff' })
    .png()
    .toBuffer();
}

/**
 * Spaces the ink shows. Tesseract splits Hangul where a syllable's strokes leave a gap (만 나
 * 보 세 요); a word space is a column gap of over a fifth of the line's height. Each line's
 * spaces are matched to its widest gaps where the characters' rough widths place them; a space
 * with no gap left to match is dropped. Lines the ink does not show one for one are left alone.
 */
export function spacedByInk(text: string, ink: Buffer, box: { width: number; height: number }): string {
  const { width, height } = box;
  const alpha = new Uint8Array(ink.length);
  for (let i = 0; i < ink.length; i++) alpha[i] = 255 - ink[i];
  const rows = text.split('\n');
  const lines = linesOf(alpha, width, { x: 0, y: 0, width, height });
  if (lines.length !== rows.length) return text;
  return rows
    .map((row, i) => {
      const line = lines[i];
      const spaces = [...row].flatMap((ch, k) => (ch === ' ' ? [k] : []));
      if (!spaces.length) return row;
      const gaps: number[] = [];
      let run = 0;
      for (let x = line.x; x <= line.x + line.width; x++) {
        let column = 0;
        for (let y = line.y; y < line.y + line.height && x < line.x + line.width; y++) column += alpha[y * width + x];
        if (x < line.x + line.width && column < 64) run++;
        else {
          if (run > 0.2 * line.height) gaps.push(x - run / 2);
          run = 0;
        }
      }
      // Where each character would fall: Hangul and wide forms a full em, the rest about half.
      const chars = [...row];
      const widths = chars.map((ch) => (/[\u3131-\uD7A3\uFF00-\uFFEF]/.test(ch) ? 1 : ch === ' ' ? 0.3 : 0.55));
      const total = widths.reduce((a, b) => a + b, 0);
      let at = 0;
      const centres = widths.map((wd) => ((at += wd) - wd / 2) / total);
      const kept = new Set<number>();
      const free = [...gaps];
      // The rough widths put a space within a line's height (or a tenth of a long line) of its gap.
      const reach = Math.max(line.height, 0.1 * line.width);
      for (const k of [...spaces].sort((a, b) => nearest(free, line, centres[a]) - nearest(free, line, centres[b]))) {
        const expected = line.x + centres[k] * line.width;
        const j = free.reduce((best, g, gi) => (best < 0 || Math.abs(g - expected) < Math.abs(free[best] - expected) ? gi : best), -1);
        if (j < 0 || Math.abs(free[j] - expected) > reach) continue;
        free.splice(j, 1);
        kept.add(k);
      }
      return chars.filter((ch, k) => ch !== ' ' || kept.has(k)).join('');
    })
    .join('\n');
}

/** How far the nearest free gap is from where a character's centre should be. */
function nearest(gaps: number[], line: { x: number; width: number }, centre: number): number {
  const expected = line.x + centre * line.width;
  return Math.min(Infinity, ...gaps.map((g) => Math.abs(g - expected)));
}

/**
 * Outlined glyphs filled in (ink: 255 - alpha, as `page` takes it): the regions enclosed by an
 * odd number of strokes, counted from the box's edge (outside, a contour, the fill, the counter's
 * contour, the counter), become ink.
 */
export function filledOutline(ink: Buffer, box: { width: number; height: number }): Buffer {
  const { width: w, height: h } = box;
  const isInk = (p: number) => ink[p] < 128;
  // Components: ink 8-connected (a contour is one), gaps 4-connected (never through a diagonal stroke).
  const label = new Int32Array(w * h).fill(-1);
  const kinds: boolean[] = [];
  for (let start = 0; start < w * h; start++) {
    if (label[start] >= 0) continue;
    const id = kinds.length;
    const inked = isInk(start);
    kinds.push(inked);
    const stack = [start];
    label[start] = id;
    while (stack.length) {
      const p = stack.pop()!;
      const [x, y] = [p % w, (p - (p % w)) / w];
      for (let dy = -1; dy <= 1; dy++) {
        for (let dx = -1; dx <= 1; dx++) {
          if ((!dx && !dy) || (!inked && dx && dy)) continue;
          const [u, v] = [x + dx, y + dy];
          if (u < 0 || v < 0 || u >= w || v >= h) continue;
          const q = v * w + u;
          if (label[q] < 0 && isInk(q) === inked) {
            label[q] = id;
            stack.push(q);
          }
        }
      }
    }
  }
  const neighbours = kinds.map(() => new Set<number>());
  for (let p = 0; p < w * h; p++) {
    const x = p % w;
    for (const q of [x + 1 < w ? p + 1 : -1, p + w < w * h ? p + w : -1]) {
      if (q < 0 || label[q] === label[p]) continue;
      neighbours[label[p]].add(label[q]);
      neighbours[label[q]].add(label[p]);
    }
  }
  // Depth from the outside: the gaps touching the edge are 0, each stroke crossed adds one.
  const depth = new Int32Array(kinds.length).fill(-1);
  let frontier: number[] = [];
  for (let p = 0; p < w * h; p++) {
    const [x, y] = [p % w, (p - (p % w)) / w];
    if ((x > 0 && y > 0 && x < w - 1 && y < h - 1) || kinds[label[p]] || depth[label[p]] >= 0) continue;
    depth[label[p]] = 0;
    frontier.push(label[p]);
  }
  while (frontier.length) {
    const next: number[] = [];
    for (const c of frontier) {
      for (const n of neighbours[c]) {
        if (depth[n] >= 0) continue;
        depth[n] = kinds[n] ? depth[c] : depth[c] + 1;
        (kinds[n] ? frontier : next).push(n);
      }
    }
    frontier = next;
  }
  const out = Buffer.from(ink);
  for (let p = 0; p < w * h; p++) if (!kinds[label[p]] && depth[label[p]] % 2 === 1) out[p] = 0;
  return out;
}
