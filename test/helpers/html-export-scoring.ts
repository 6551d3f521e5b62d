import sharp from 'sharp';
import type { DesignPoster, DesignRenderer } from './design-poster';

export interface HtmlExportScore {
  /** PSNR (dB) of the exported page against the poster over the true text elements' boxes. */
  textPsnr: number;
  /** IoU (alpha >= 128) of the page's live text, drawn alone, against the true text layers' union. */
  inkIou: number;
}

/**
 * How close the HTML export (background and pictures as images, text as live text) draws the
 * poster where its text is: the page rendered by Chromium as a browser would, then again with the
 * images hidden so only the live text's glyphs remain.
 */
export async function scoreHtmlExport(renderer: DesignRenderer, poster: DesignPoster, html: string): Promise<HtmlExportScore> {
  const { width: w, height: h } = poster;
  const page = await renderer.screenshot(html, w, h);
  const textOnly = await renderer.screenshot(html.replace('</style>', 'img{visibility:hidden}</style>'), w, h);
  const original = await sharp(poster.png).removeAlpha().raw().toBuffer();
  const texts = poster.layers.filter((l) => l.kind === 'text');
  const region = new Uint8Array(w * h);
  const truth = new Uint8Array(w * h);
  for (const layer of texts) {
    let [x0, y0, x1, y1] = [w, h, -1, -1];
    for (let p = 0; p < w * h; p++) {
      if (layer.rgba[p * 4 + 3] === 0) continue;
      if (layer.rgba[p * 4 + 3] >= 128) truth[p] = 1;
      const [x, y] = [p % w, Math.floor(p / w)];
      [x0, y0, x1, y1] = [Math.min(x0, x), Math.min(y0, y), Math.max(x1, x), Math.max(y1, y)];
    }
    for (let y = Math.max(0, y0); y <= y1; y++) for (let x = Math.max(0, x0); x <= x1; x++) region[y * w + x] = 1;
  }
  let [se, n, inter, union] = [0, 0, 0, 0];
  for (let p = 0; p < w * h; p++) {
    if (region[p]) {
      for (let c = 0; c < 3; c++) se += (page[p * 4 + c] - original[p * 3 + c]) ** 2;
      n += 3;
    }
    const live = textOnly[p * 4 + 3] >= 128 ? 1 : 0;
    inter += live & truth[p];
    union += live | truth[p];
  }
  const mse = n ? se / n : 0;
  return { textPsnr: mse === 0 ? 99 : 10 * Math.log10((255 * 255) / mse), inkIou: union ? inter / union : 1 };
}
