import sharp from 'sharp';
import { relativeLuminanceOf } from '../analysis/raster-stats';
import { AA_CONTRAST, wcagContrast } from '../../vision/text-color';
import type { Box, RawImage, Rgb } from '../../vision/image.types';
import type { FontUsage } from '../../renderer/renderer.types';
import { COPY_SELECTOR } from './html-document';

/** Alpha at which a pixel counts as ink (below it: the faint end of a soft shadow). */
const INK_ALPHA = 32;
/** A glyph pixel fully inside a letter in the glyph-only capture (edges are anti-aliased). */
const GLYPH_ALPHA = 250;
/** Ink may spill this share of the canvas's short side past the box: soft shadows and halos. */
const BOX_TOLERANCE = 0.02;
/** Share of the ink that may fall on the product: a shadow's tail, never a letter. */
const MAX_PRODUCT_INK = 0.005;
/** The contrast is read at this percentile of the glyph pixels: the worst tenth decides. */
const CONTRAST_PERCENTILE = 0.1;

export interface RenderedCopy {
  /** The copy the layout was asked to show (characters no font has already left out). */
  copy: string;
  /** innerText of the copy block as Chromium drew it. */
  visibleText: string | null;
  /** The text layer (RGBA) and the glyphs alone in black (GLYPHS_CSS). */
  layer: RawImage;
  glyphs: RawImage;
  /** What the layer goes over (RGB, canvas size) and the product's alpha (1 channel), if known. */
  background: RawImage;
  productMask?: RawImage;
  box: Box;
  overflow: boolean;
  fontsUsed: FontUsage[];
  /** Families the page bundled for this copy; glyphs drawn by anything else are a fallback. */
  families: string[];
}

export interface CopyVerdict {
  problems: string[];
  /** WCAG contrast of the glyph fills against what is drawn right around them, at the worst tenth. */
  contrast: number;
  /** Median fill colour of the glyphs as composited. */
  textColor: Rgb;
}

/** Whitespace-free, case-folded NFKC: line breaks and text-transform do not change the words. */
export function normalizeCopy(text: string): string {
  return text.normalize('NFKC').toLowerCase().replace(/\s+/gu, '');
}

const squash = (family: string) => family.toLowerCase().replace(/[\s'"]/g, '');

/**
 * Checks a rendered copy layer the way a reader would see it: the words are the copy's, the ink
 * stays in its box and off the product, the letters read against what is under them, and each
 * glyph came from a bundled font. Every failed check is a sentence the designer can act on.
 */
export function checkRenderedCopy(input: RenderedCopy): CopyVerdict {
  const problems: string[] = [];
  if (input.visibleText === null) problems.push('the page has no #copy element');
  else if (normalizeCopy(input.visibleText) !== normalizeCopy(input.copy)) {
    problems.push(`the visible text is "${input.visibleText.replace(/\s+/g, ' ').trim().slice(0, 200)}", not the copy "${input.copy}": show exactly the copy's words, none added, changed or dropped`);
  }
  if (input.overflow) problems.push('the copy overflows its box even at the smallest size: use fewer lines or smaller em sizes');
  problems.push(...inkProblems(input));
  const intended = new Set(input.families.map(squash));
  const fallback = input.fontsUsed.filter((f) => f.glyphs > 0 && !intended.has(squash(f.family)));
  if (fallback.length) problems.push(`glyphs drawn by ${fallback.map((f) => `${f.family} (${f.glyphs})`).join(', ')} instead of ${input.families.join(' / ')}`);
  const { contrast, textColor, glyphPixels } = measureGlyphContrast(input);
  if (glyphPixels > 0 && contrast < AA_CONTRAST) {
    problems.push(`the letters reach ${contrast.toFixed(2)}:1 against what is under them, under ${AA_CONTRAST}:1: change the text colour or add a panel or halo`);
  }
  return { problems, contrast, textColor };
}

function inkProblems({ layer, box, productMask }: RenderedCopy): string[] {
  const { width, height, data } = layer;
  const slack = Math.round(Math.min(width, height) * BOX_TOLERANCE);
  let ink = 0;
  let outside = 0;
  let onProduct = 0;
  let far = 0;
  const mask = productMask && productMask.width === width && productMask.height === height ? productMask.data : null;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = y * width + x;
      if (data[i * 4 + 3] < INK_ALPHA) continue;
      ink++;
      const dx = Math.max(box.x - x, x - (box.x + box.width - 1), 0);
      const dy = Math.max(box.y - y, y - (box.y + box.height - 1), 0);
      if (dx > slack || dy > slack) {
        outside++;
        far = Math.max(far, dx, dy);
      }
      if (mask && mask[i] >= 128) onProduct++;
    }
  }
  const problems: string[] = [];
  if (ink === 0) return ['nothing was drawn on the canvas: the copy is outside it or invisible'];
  if (outside > 0) problems.push(`${outside} ink pixels fall outside the text box, up to ${far} px beyond it`);
  if (onProduct / ink > MAX_PRODUCT_INK) problems.push(`${((onProduct / ink) * 100).toFixed(1)}% of the ink covers the product`);
  return problems;
}

/** `over` composited onto the background at pixel i. */
function composite(over: RawImage, background: RawImage, i: number): Rgb {
  const a = over.data[i * 4 + 3] / 255;
  const b = background.channels;
  return [0, 1, 2].map((c) => Math.round(over.data[i * 4 + c] * a + background.data[i * b + c] * (1 - a))) as Rgb;
}

/** Unit steps to the eight neighbours, straight ones first: a ring pixel pairs with the nearest letter. */
const DIRECTIONS: Array<[number, number]> = [[1, 0], [-1, 0], [0, 1], [0, -1], [1, 1], [-1, 1], [1, -1], [-1, -1]];

export interface GlyphContrast {
  /** WCAG contrast at the worst tenth of (letter, what touches it) pairs. */
  contrast: number;
  /** Median fill colour of the glyphs as composited. */
  textColor: Rgb;
  glyphPixels: number;
}

/**
 * What a reader sees: each letter's fill as drawn (the layer over the background) against the
 * pixels just outside the letter as drawn (a halo's rim, an outline, a panel, or the photo),
 * one to `ring` px out, each paired with the nearest solid glyph pixel. The glyph-only capture
 * says where the letters are. Only the glyphs' bounding box (plus the ring) is read.
 */
export function measureGlyphContrast({ layer, glyphs, background }: Pick<RenderedCopy, 'layer' | 'glyphs' | 'background'>): GlyphContrast {
  const { width, height } = glyphs;
  const alpha = (x: number, y: number) => glyphs.data[(y * width + x) * 4 + 3];
  const ring = Math.max(2, Math.round(Math.min(width, height) / 540));
  let solid = 0;
  let x0 = width;
  let y0 = height;
  let x1 = -1;
  let y1 = -1;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      if (alpha(x, y) < GLYPH_ALPHA) continue;
      solid++;
      x0 = Math.min(x0, x);
      x1 = Math.max(x1, x);
      y0 = Math.min(y0, y);
      y1 = Math.max(y1, y);
    }
  }
  if (solid === 0) return { contrast: 1, textColor: [0, 0, 0], glyphPixels: 0 };
  const pairs: Array<{ contrast: number; fill: Rgb }> = [];
  for (let y = Math.max(0, y0 - ring); y <= Math.min(height - 1, y1 + ring); y++) {
    for (let x = Math.max(0, x0 - ring); x <= Math.min(width - 1, x1 + ring); x++) {
      if (alpha(x, y) !== 0) continue;
      const letter = nearestGlyph(x, y, ring, width, height, alpha);
      if (letter < 0) continue;
      const fill = composite(layer, background, letter);
      const around = composite(layer, background, y * width + x);
      pairs.push({ contrast: wcagContrast(relativeLuminanceOf(...fill), relativeLuminanceOf(...around)), fill });
    }
  }
  if (pairs.length === 0) return { contrast: 1, textColor: [0, 0, 0], glyphPixels: solid };
  const fills = pairs.map((p) => p.fill).sort((a, b) => relativeLuminanceOf(...a) - relativeLuminanceOf(...b));
  pairs.sort((a, b) => a.contrast - b.contrast);
  return { contrast: pairs[Math.floor(pairs.length * CONTRAST_PERCENTILE)].contrast, textColor: fills[Math.floor(fills.length / 2)], glyphPixels: solid };
}

/** Index of the first solid glyph pixel within `ring` steps along the eight directions, or -1. */
function nearestGlyph(x: number, y: number, ring: number, width: number, height: number, alpha: (x: number, y: number) => number): number {
  for (let d = 1; d <= ring; d++) {
    for (const [dx, dy] of DIRECTIONS) {
      const nx = x + dx * d;
      const ny = y + dy * d;
      if (nx >= 0 && ny >= 0 && nx < width && ny < height && alpha(nx, ny) >= GLYPH_ALPHA) return ny * width + nx;
    }
  }
  return -1;
}

/** Overlay for the glyph-only capture: every letter solid black, nothing around it. */
export const GLYPHS_CSS =
  `${COPY_SELECTOR}, ${COPY_SELECTOR} * { color: #000 !important; -webkit-text-fill-color: #000 !important; background: none !important; ` +
  'text-shadow: none !important; box-shadow: none !important; -webkit-text-stroke: 0 !important; border-color: transparent !important; opacity: 1 !important; text-decoration: none !important; }';

/** A rendered PNG as raw RGBA. */
export async function rawRgba(png: Buffer): Promise<RawImage> {
  const { data, info } = await sharp(png).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height, channels: 4 };
}
