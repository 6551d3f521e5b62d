import { Inject, Injectable, Optional } from '@nestjs/common';
import { DomainException } from '../common/errors/domain.exception';
import { ErrorCode } from '../common/errors/error-codes';
import { HTML_RENDERER, type HtmlRenderer } from '../renderer/renderer.types';
import type { FontFamily } from './fonts.types';
import { FontsService } from './fonts.service';
import { escapeHtml } from '../common/html';

export const PREVIEW_WIDTH = 800;
export const PREVIEW_HEIGHT = 120;
/** Ad-copy-like: syllables, Latin, digits and a price, so a glance shows how a real ad would look. */
export const HANGUL_SAMPLE = '가나다 ABC 123 명절 특가 20,000원';
/** For families without Hangul: whatever of this the family draws (a Cyrillic-only font shows only that). */
const OTHER_SAMPLE = 'ABC abc 123 20,000 漢字 ひらがな カタカナ Кириллица Ελληνικά 😀';
/** Families are few (hundreds at most) and a preview is ~10 KB; the cap only guards against surprises. */
const MAX_CACHED = 512;
const RENDER_TIMEOUT_MS = 10_000;

/**
 * PNG samples of a family, drawn by the same HTML renderer as the ads (so what the preview shows
 * is what an ad gets), cached in memory per family for the life of the process.
 */
@Injectable()
export class FontPreviewService {
  private readonly cache = new Map<string, Promise<Buffer>>();

  constructor(
    private readonly fonts: FontsService,
    // Optional so that the app boots before a renderer is wired; previews answer 503 until then.
    @Optional() @Inject(HTML_RENDERER) private readonly renderer?: HtmlRenderer,
  ) {}

  /** The preview of `familyName` (any case or localized name). NOT_FOUND for an unknown family. */
  async preview(familyName: string): Promise<Buffer> {
    const family = this.fonts.find(familyName);
    if (!family) {
      throw new DomainException(ErrorCode.NOT_FOUND, `No installed font family is called "${familyName}"; GET /fonts lists them`, {
        family: familyName,
      });
    }
    const renderer = this.renderer;
    if (!renderer) throw new DomainException(ErrorCode.SERVICE_UNAVAILABLE, 'Font previews need the HTML renderer, which is not available');
    let png = this.cache.get(family.family);
    if (!png) {
      // The promise is cached, not the PNG: concurrent first requests share one render.
      png = this.render(renderer, family);
      this.cache.set(family.family, png);
      png.catch(() => this.cache.delete(family.family));
      if (this.cache.size > MAX_CACHED) this.cache.delete(this.cache.keys().next().value ?? '');
    }
    return png;
  }

  /** The line a preview shows: only characters the family draws itself, so no fallback font sneaks in. */
  sampleText(family: FontFamily): string {
    const sample = family.scripts.includes('Hangul') ? HANGUL_SAMPLE : OTHER_SAMPLE;
    return this.fonts.drawableBy(family, sample) || this.fonts.drawableBy(family, family.family);
  }

  private async render(renderer: HtmlRenderer, family: FontFamily): Promise<Buffer> {
    const sample = this.sampleText(family);
    const bundle = this.fonts.faceBundle(family, `${sample} ${family.family}`);
    const html = `<!doctype html>
<html><head><meta charset="utf-8"><style>
${bundle.css}
html, body { margin: 0; width: ${PREVIEW_WIDTH}px; height: ${PREVIEW_HEIGHT}px; background: #ffffff; overflow: hidden; }
body { font-family: ${bundle.stack}; color: #1a1a1a; padding: 14px 24px; box-sizing: border-box; }
.sample { font-size: 44px; line-height: 1.3; white-space: nowrap; overflow: hidden; }
.name { font-size: 15px; color: #6b6b6b; margin-top: 6px; white-space: nowrap; }
</style></head><body><div class="sample">${escapeHtml(sample)}</div><div class="name">${escapeHtml(family.family)}</div></body></html>`;
    const result = await renderer.render({ html, width: PREVIEW_WIDTH, height: PREVIEW_HEIGHT, fonts: bundle.assets, timeoutMs: RENDER_TIMEOUT_MS });
    return result.png;
  }
}
