import type { Browser, CDPSession, HTTPRequest, Page } from 'puppeteer-core';
import { DomainException } from '../common/errors/domain.exception';
import { ErrorCode } from '../common/errors/error-codes';
import type { FontFileCache } from './font-file-cache';
import type { FontAsset } from './renderer.types';

/** Counters the page feeds back into the pool's stats. */
export interface PageTraffic {
  blockedRequests: number;
  fontsServed: number;
  fontFailures: number;
}

/**
 * One tab kept open across renders. It is locked down once, when opened: page JavaScript off,
 * every request intercepted, transparent default background. Between renders only the set of
 * font URLs it may answer changes.
 */
export class PooledPage {
  private allowedFonts = new Map<string, string>();
  private viewport: { width: number; height: number } | null = null;
  private brokenReason: string | null = null;
  private readonly brokenListeners = new Set<(error: DomainException) => void>();

  private constructor(
    readonly page: Page,
    /** Our own DevTools session: font probes, evaluation and capture without puppeteer's per-call bookkeeping. */
    readonly cdp: CDPSession,
    /** The browser launch this tab belongs to; a page from an older launch is never reused. */
    readonly generation: number,
    private readonly fonts: FontFileCache,
    private readonly traffic: PageTraffic,
  ) {}

  /** Opens a tab (or adopts `existing`, the launch's initial about:blank) and locks it down. */
  static async open(browser: Browser, generation: number, fonts: FontFileCache, traffic: PageTraffic, existing?: Page): Promise<PooledPage> {
    const page = existing ?? (await browser.newPage());
    try {
      const cdp = await page.createCDPSession();
      const pooled = new PooledPage(page, cdp, generation, fonts, traffic);
      page.on('request', (request) => void pooled.answer(request));
      page.on('error', () => pooled.markBroken('the page crashed'));
      page.on('close', () => pooled.markBroken('the page was closed'));
      await page.setJavaScriptEnabled(false);
      await page.setRequestInterception(true);
      // Transparent where nothing is drawn, set once instead of per screenshot.
      await cdp.send('Emulation.setDefaultBackgroundColorOverride', { color: { r: 0, g: 0, b: 0, a: 0 } });
      return pooled;
    } catch (error) {
      await page.close().catch(() => undefined);
      throw error;
    }
  }

  /** The only URLs this render may load (besides data: URLs, which never reach the network). */
  allowFonts(fonts: FontAsset[]): void {
    this.allowedFonts = new Map(fonts.map((font) => [font.url, font.path]));
  }

  async setViewport(width: number, height: number): Promise<void> {
    // Re-sending the same metrics still costs a relayout; most renders share the canvas size.
    if (this.viewport?.width === width && this.viewport.height === height) return;
    this.viewport = null;
    await this.page.setViewport({ width, height, deviceScaleFactor: 1 });
    this.viewport = { width, height };
  }

  get broken(): boolean {
    return this.brokenReason !== null;
  }

  /** Calls `listener` once if the tab crashes or its browser goes away; returns the unsubscribe. */
  onBroken(listener: (error: DomainException) => void): () => void {
    if (this.brokenReason !== null) {
      listener(this.brokenError(this.brokenReason));
      return () => undefined;
    }
    this.brokenListeners.add(listener);
    return () => this.brokenListeners.delete(listener);
  }

  markBroken(reason: string): void {
    if (this.brokenReason !== null) return;
    this.brokenReason = reason;
    const error = this.brokenError(reason);
    for (const listener of this.brokenListeners) listener(error);
    this.brokenListeners.clear();
  }

  /**
   * Closes the tab; true when it closed within `graceMs`. Closing a tab whose renderer is busy
   * (a huge layout) kills that renderer in about half a second, but a browser stuck compositing
   * an enormous frame may never answer: the caller then kills the whole browser.
   */
  async close(graceMs: number): Promise<boolean> {
    this.markBroken('the page was recycled');
    this.allowedFonts.clear();
    const closing = (async () => {
      await this.cdp.detach().catch(() => undefined);
      await this.page.close({ runBeforeUnload: false }).catch(() => undefined);
      return true;
    })();
    let timer: NodeJS.Timeout | undefined;
    const expired = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), graceMs);
    });
    const closed = await Promise.race([closing, expired]);
    clearTimeout(timer);
    return closed;
  }

  private brokenError(reason: string): DomainException {
    return new DomainException(ErrorCode.RENDER_ERROR, `Chromium failed during the render: ${reason}`);
  }

  /** Allowed font URL: the file's bytes; data: URLs pass; everything else is refused. */
  private async answer(request: HTTPRequest): Promise<void> {
    const url = request.url();
    try {
      if (url.startsWith('data:')) return await request.continue();
      const fontPath = this.allowedFonts.get(url);
      if (fontPath === undefined) {
        this.traffic.blockedRequests += 1;
        // An aborted navigation (a meta refresh, a frame) would commit Chromium's error page
        // in place of the document; a 204 answer makes the browser stay where it is.
        if (request.isNavigationRequest()) return await request.respond({ status: 204, body: '' });
        return await request.abort('blockedbyclient');
      }
      let file: { body: Buffer; contentType: string };
      try {
        file = await this.fonts.get(fontPath);
      } catch {
        this.traffic.fontFailures += 1;
        return await request.abort('failed');
      }
      this.traffic.fontsServed += 1;
      await request.respond({
        status: 200,
        contentType: file.contentType,
        // The document's origin is opaque (about:blank), and @font-face loads are CORS requests.
        headers: { 'Access-Control-Allow-Origin': '*' },
        body: file.body,
      });
    } catch {
      // The tab closed while we answered (a timeout recycled it): nothing is waiting any more.
    }
  }
}
