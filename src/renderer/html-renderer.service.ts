import { Injectable } from '@nestjs/common';
import { DomainException, throwIfAborted } from '../common/errors/domain.exception';
import { ErrorCode } from '../common/errors/error-codes';
import { ChromiumPool } from './chromium-pool';
import { capturePng, fitText, measureBoxes, probeFonts, readTexts, restyle, settleDocument, type FitOutcome } from './page-probes';
import type { PooledPage } from './pooled-page';
import type { HtmlRenderer, RenderRequest, RenderResult } from './renderer.types';
import { Mutex } from '../common/mutex';

/** Chromium's own limit for one screenshot side is far higher; this guards memory (16k x 16k RGBA is 1 GiB). */
const MAX_SIDE_PX = 8192;

/**
 * Draws an HTML document into a transparent PNG of exactly width x height on a warm Chromium
 * tab: shrink-to-fit of the copy, layout boxes and the fonts that really drew each line come
 * back beside the pixels so later stages can check the result without re-measuring.
 */
@Injectable()
export class HtmlRendererService implements HtmlRenderer {
  private readonly captures = new Mutex();

  constructor(private readonly pool: ChromiumPool) {}

  async render(request: RenderRequest): Promise<RenderResult> {
    throwIfAborted(request.signal);
    const { width, height } = request;
    if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1 || width > MAX_SIDE_PX || height > MAX_SIDE_PX) {
      throw new DomainException(ErrorCode.RENDER_ERROR, `Render size ${width}x${height} must be whole pixels between 1 and ${MAX_SIDE_PX}`);
    }
    const started = performance.now();
    const job = { fonts: request.fonts, timeoutMs: request.timeoutMs, signal: request.signal };
    return this.pool.withPage(job, async (page) => {
      await this.load(page, request);
      const fit: FitOutcome | null = request.fit ? await fitText(page.cdp, request.fit) : null;
      const boxes = await measureBoxes(page.cdp, request.measure ?? []);
      const fontsUsed = await probeFonts(page.cdp, request.fontProbe ?? []);
      const texts = await readTexts(page.cdp, request.textOf ?? []);
      // Captures take turns: each brings its tab to the front of the one window first.
      const { png, restyledPng } = await this.captures.runExclusive(async () => {
        const main = await capturePng(page.cdp, width, height);
        const extra: Record<string, Buffer> = {};
        for (const { name, css } of request.restyled ?? []) {
          await restyle(page.cdp, css);
          extra[name] = await capturePng(page.cdp, width, height);
        }
        return { png: main, restyledPng: extra };
      });
      return {
        png,
        fittedPx: fit?.px ?? null,
        overflow: fit?.overflow ?? false,
        boxes,
        fontsUsed,
        texts,
        restyledPng,
        ms: Math.round(performance.now() - started),
      };
    });
  }

  /**
   * Replaces the tab's document in place (Page.setDocumentContent): no navigation, so no history
   * entry, no new renderer and no back/forward cache growing across hundreds of renders.
   */
  private async load(page: PooledPage, request: RenderRequest): Promise<void> {
    await page.setViewport(request.width, request.height);
    // The pool's deadline is what bounds the render; this one only has to be later.
    const timeout = (request.timeoutMs ?? 120_000) + 5_000;
    await page.page.setContent(request.html, { waitUntil: 'load', timeout });
    await settleDocument(page.cdp);
  }
}
