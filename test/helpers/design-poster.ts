import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import sharp from 'sharp';
import type { Browser } from 'puppeteer-core';
import { launchTestBrowser } from './admin-audit';

/**
 * Posters made the way design tools make them: HTML and CSS rendered by Chromium. Every element
 * is one absolutely placed box; its true layer is the page rendered with every other element
 * hidden (visibility, so nothing moves) on a transparent page, so a text's shadow or outline and
 * a card's drop shadow belong to their element, as they do in the design.
 */

export type ElementKind = 'background' | 'shape' | 'object' | 'text';

/** A text element's typography, as a designer set it (what live-text recovery should find). */
export interface Typography {
  family: string;
  weight: 400 | 700;
  sizePx: number;
  color: string;
  align: 'left' | 'center' | 'right';
  lineHeight: number;
  letterSpacingPx: number;
  rotationDeg: number;
  shadow: string | null;
  outline: string | null;
}

export interface DesignElement {
  kind: ElementKind;
  /** What a designer would call it: "price pill", "photo card 2", "headline". */
  name: string;
  /** The element's HTML: one element with inline styles, positioned absolutely on the page. */
  html: string;
  /** Text elements: the words, lines joined by "\n". */
  text?: string;
  typography?: Typography;
}

export interface DesignSpec {
  family: string;
  seed: number;
  width: number;
  height: number;
  /** Back to front; the first is the page's background. */
  elements: DesignElement[];
}

export interface TrueLayer extends Omit<DesignElement, 'html'> {
  /** Full-canvas straight-alpha RGBA. */
  rgba: Buffer;
}

export interface DesignPoster {
  family: string;
  seed: number;
  width: number;
  height: number;
  /** The flattened poster as a user uploads it (RGB PNG). */
  png: Buffer;
  /** Back to front. */
  layers: TrueLayer[];
}

function page(spec: DesignSpec, only: number | null): string {
  const body = spec.elements
    .map((e, i) => e.html.replace(/^<(\w+)/, `<$1 data-el="${i}"${only !== null && only !== i ? ' hidden-el' : ''}`))
    .join('\n');
  return (
    `<!doctype html><html><head><meta charset="utf-8"><style>` +
    `html,body{margin:0;padding:0;width:${spec.width}px;height:${spec.height}px;overflow:hidden;background:transparent}` +
    `[data-el]{position:absolute;box-sizing:border-box}[hidden-el]{visibility:hidden!important}` +
    `</style></head><body>${body}</body></html>`
  );
}

/** Renders posters with one browser; close() when done. */
export class DesignRenderer {
  private browser?: Browser;
  private readonly profile = mkdtempSync(path.join(tmpdir(), 'nanococoa-design-'));

  async render(spec: DesignSpec): Promise<DesignPoster> {
    this.browser ??= await launchTestBrowser(this.profile);
    const tab = await this.browser.newPage();
    try {
      await tab.setViewport({ width: spec.width, height: spec.height, deviceScaleFactor: 1 });
      const shot = async (only: number | null) => {
        await tab.setContent(page(spec, only), { waitUntil: 'load' });
        await tab.evaluate('document.fonts.ready');
        return Buffer.from(await tab.screenshot({ omitBackground: true, type: 'png' }));
      };
      const png = await sharp(await shot(null)).flatten({ background: '#ffffff' }).png().toBuffer();
      const layers: TrueLayer[] = [];
      for (let i = 0; i < spec.elements.length; i++) {
        const { html: _html, ...element } = spec.elements[i];
        const rgba = await sharp(await shot(i)).ensureAlpha().raw().toBuffer();
        layers.push({ ...element, rgba });
      }
      return { family: spec.family, seed: spec.seed, width: spec.width, height: spec.height, png, layers };
    } finally {
      await tab.close();
    }
  }

  /** Any page at a size: its RGBA pixels, transparent where nothing was drawn. */
  async screenshot(html: string, width: number, height: number): Promise<Buffer> {
    this.browser ??= await launchTestBrowser(this.profile);
    const tab = await this.browser.newPage();
    try {
      await tab.setViewport({ width, height, deviceScaleFactor: 1 });
      await tab.setContent(html, { waitUntil: 'load' });
      await tab.evaluate('document.fonts.ready');
      return await sharp(Buffer.from(await tab.screenshot({ omitBackground: true, type: 'png' }))).ensureAlpha().raw().toBuffer();
    } finally {
      await tab.close();
    }
  }

  async close(): Promise<void> {
    await this.browser?.close();
    rmSync(this.profile, { recursive: true, force: true });
  }
}
