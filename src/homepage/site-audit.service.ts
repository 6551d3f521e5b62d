import { Injectable } from '@nestjs/common';
import axe from 'axe-core';
import { HtmlValidate } from 'html-validate';
import type { HTTPRequest, Page } from 'puppeteer-core';
import { ChromiumPool } from '../renderer/chromium-pool';
import type { SiteFile } from './site-assets';

/** The audit loads the site from here; the page's requests are answered from memory. */
const ORIGIN = 'https://site.test/';
const AXE_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice'];

export interface SiteAudit {
  axe: { violations: Array<{ id: string; impact: string | null; help: string; nodes: number }>; passes: number; serious_or_critical: number };
  html_validate: { errors: Array<{ rule: string; message: string; line: number; column: number }>; warnings: number };
  /** Requests the page made to anywhere but itself (blocked): none is the goal. */
  outside_requests: string[];
  /** What the page refused under its own CSP (a style or image it could not load). */
  csp_violations: string[];
  /** Bytes the phone view loaded: the HTML and the pictures it picked. */
  page_weight_bytes: number;
  /** The page is wider than a 390 px phone. */
  horizontal_scroll_390: boolean;
  screenshots: { desktop: Buffer; phone: Buffer };
}

/**
 * Every generated site is audited before it is published, as a user would look at it: in
 * Chromium at 390 px (the phone) under the site's own CSP, with every request answered from
 * the site's files and any other request blocked and reported; axe-core (WCAG 2.2 A/AA and
 * best practices) at 1280 px; html-validate on the HTML.
 */
@Injectable()
export class SiteAuditService {
  private readonly validator = new HtmlValidate({ extends: ['html-validate:recommended'] });

  constructor(private readonly chromium: ChromiumPool) {}

  async audit(files: SiteFile[], csp: string, signal?: AbortSignal): Promise<SiteAudit> {
    const html = files.find((f) => f.name === 'index.html')!.data.toString('utf8');
    const report = await this.validator.validateString(html);
    const messages = report.results.flatMap((r) => r.messages);
    const validation = {
      errors: messages.filter((m) => m.severity === 2).map((m) => ({ rule: m.ruleId, message: m.message, line: m.line, column: m.column })),
      warnings: messages.filter((m) => m.severity === 1).length,
    };
    return this.chromium.withIsolatedPage(signal, async (page) => {
      const outside: string[] = [];
      const cspViolations: string[] = [];
      let weight = 0;
      const byName = new Map(files.map((f) => [f.name, f]));
      await page.setRequestInterception(true);
      page.on('request', (request: HTTPRequest) => {
        const url = request.url();
        if (url.startsWith('data:')) return void request.continue();
        const file = url.startsWith(ORIGIN) ? byName.get(decodeURIComponent(new URL(url).pathname.slice(1)) || 'index.html') : undefined;
        if (!url.startsWith(ORIGIN)) outside.push(url);
        if (!file) return void request.abort('blockedbyclient');
        weight += file.data.length;
        void request.respond({ status: 200, contentType: file.mime, headers: { 'Content-Security-Policy': csp }, body: file.data });
      });
      page.on('console', (message) => {
        if (/Content Security Policy/i.test(message.text())) cspViolations.push(message.text().slice(0, 300));
      });

      await page.setViewport({ width: 390, height: 844, isMobile: true, hasTouch: true, deviceScaleFactor: 1 });
      await page.goto(`${ORIGIN}index.html`, { waitUntil: 'load', timeout: 30_000 });
      await scrollThrough(page); // lazy pictures load as a visitor scrolls
      const phoneWeight = weight;
      const scrollWidth = Number(await page.evaluate('document.documentElement.scrollWidth'));
      const phone = Buffer.from(await page.screenshot({ fullPage: true, type: 'png' }));

      // axe-core is injected, which the site's CSP forbids on purpose: only for this pass.
      await page.setBypassCSP(true);
      await page.setViewport({ width: 1280, height: 900, deviceScaleFactor: 1 });
      await page.goto(`${ORIGIN}index.html`, { waitUntil: 'load', timeout: 30_000 });
      await scrollThrough(page);
      const desktop = Buffer.from(await page.screenshot({ fullPage: true, type: 'png' }));
      await page.addScriptTag({ content: axe.source });
      const result = (await page.evaluate(
        `axe.run(document, { runOnly: { type: 'tag', values: ${JSON.stringify(AXE_TAGS)} } }).then((r) => ({
          violations: r.violations.map((v) => ({ id: v.id, impact: v.impact || null, help: v.help, nodes: v.nodes.length })),
          passes: r.passes.length,
        }))`,
      )) as { violations: SiteAudit['axe']['violations']; passes: number };
      return {
        axe: { ...result, serious_or_critical: result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').length },
        html_validate: validation,
        outside_requests: [...new Set(outside)],
        csp_violations: cspViolations,
        page_weight_bytes: phoneWeight,
        horizontal_scroll_390: scrollWidth > 390,
        screenshots: { desktop, phone },
      };
    });
  }
}

/** Scrolls to the bottom in steps and back, so lazy images are requested, then waits for them. */
async function scrollThrough(page: Page): Promise<void> {
  await page.evaluate(`(async () => {
    for (let y = 0; y < document.documentElement.scrollHeight; y += window.innerHeight) {
      window.scrollTo(0, y);
      await new Promise((r) => setTimeout(r, 30));
    }
    window.scrollTo(0, 0);
    await Promise.all([...document.images].map((img) => img.complete ? null : new Promise((r) => { img.onload = img.onerror = r; })));
  })()`);
}
