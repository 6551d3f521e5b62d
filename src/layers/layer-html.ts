import sharp from 'sharp';
import { escapeHtml } from '../common/html';
import type { Box } from '../vision/image.types';
import type { TextTypography } from './typography';

/** One layer of the HTML export: its full-canvas PNG, and its typography when it is live text. */
export interface HtmlLayer {
  name: string;
  box: Box;
  png: Buffer;
  text?: string | null;
  typography?: TextTypography | null;
}

/**
 * The poster rebuilt as a page: the background and every picture layer as images at their
 * place (cropped PNGs inlined, so the file stands alone), every text layer with its typography
 * as real text a designer can edit. The families are the installed ones the matcher chose,
 * named as fonts (local() first), so the page draws them wherever they are installed.
 */
export async function htmlOf(width: number, height: number, layers: HtmlLayer[]): Promise<string> {
  const parts: string[] = [];
  for (const layer of layers) {
    if (layer.text && layer.typography) {
      parts.push(textDiv(layer.text, layer.typography, layer.name));
      continue;
    }
    const { x, y, width: w, height: h } = layer.box;
    if (w === 0 || h === 0) continue;
    const crop = await sharp(layer.png).extract({ left: x, top: y, width: w, height: h }).png().toBuffer();
    parts.push(`<img alt="${escapeHtml(layer.name)}" style="left:${x}px;top:${y}px;width:${w}px;height:${h}px" src="data:image/png;base64,${crop.toString('base64')}">`);
  }
  return `<!doctype html>
<html lang="ko"><head><meta charset="utf-8"><title>poster</title>
<style>
.poster{position:relative;width:${width}px;height:${height}px;overflow:hidden}
.poster>*{position:absolute;margin:0}
.poster>div{white-space:pre}
</style></head>
<body style="margin:0"><div class="poster">
${parts.join('\n')}
</div></body></html>
`;
}

function textDiv(text: string, t: TextTypography, name: string): string {
  return `<div data-layer="${escapeHtml(name)}" style="${escapeHtml(textStyle(t, t.frame.x, t.frame.y))}">${escapeHtml(text)}</div>`;
}

/**
 * The CSS that sets a text layer's typography with its frame at (left, top). `solid` draws the
 * glyphs alone in black (no shadow; an outline stays an outline), for measuring where they fall.
 */
export function textStyle(t: TextTypography, left: number, top: number, solid = false): string {
  const stroke = t.outline && solid ? `${t.outline.split(' ')[0]} #000` : t.outline;
  return [
    `left:${left}px`,
    `top:${top}px`,
    `width:${t.frame.width}px`,
    `font-family:'${t.family.replace(/'/g, '')}'`,
    `font-weight:${t.weight}`,
    `font-size:${t.size_px}px`,
    `line-height:${t.line_height}`,
    `letter-spacing:${t.letter_spacing_px}px`,
    `text-align:${t.align}`,
    stroke ? `color:transparent;-webkit-text-stroke:${stroke}` : `color:${solid ? '#000' : t.color}`,
    t.shadow && !solid ? `text-shadow:${t.shadow}` : '',
    t.rotation_deg ? `transform:rotate(${t.rotation_deg}deg);transform-origin:center` : '',
  ]
    .filter(Boolean)
    .join(';');
}
