import type { CDPSession } from 'puppeteer-core';
import { DomainException } from '../common/errors/domain.exception';
import { ErrorCode } from '../common/errors/error-codes';
import type { Box } from '../vision/image.types';
import type { FitSpec, FontUsage } from './renderer.types';

/**
 * Everything the renderer asks of a loaded document, each as one DevTools round trip. Page
 * JavaScript is disabled, but Runtime.evaluate from DevTools still runs (the disable flag only
 * governs the page's own scripts), so these expressions are the only script the page ever sees.
 */

export async function evaluate(cdp: CDPSession, expression: string, awaitPromise = false): Promise<unknown> {
  const reply = await cdp.send('Runtime.evaluate', { expression, returnByValue: true, awaitPromise });
  if (reply.exceptionDetails) {
    const detail = reply.exceptionDetails.exception?.description ?? reply.exceptionDetails.text;
    throw new Error(`page evaluation failed: ${detail}`);
  }
  return reply.result.value;
}

/**
 * Forces style and layout first: a @font-face only starts loading once some laid-out text needs
 * it, so reading document.fonts.ready before that resolves with the fonts still unloaded. Then
 * hides what a blocked request would otherwise paint: Chromium draws a broken-image icon for an
 * <img> whose load failed and an error page inside a frame, and a text layer must show neither
 * (their boxes stay, so the layout does not move).
 */
export async function settleDocument(cdp: CDPSession): Promise<void> {
  await evaluate(
    cdp,
    `(async () => {
      void document.documentElement.offsetHeight;
      await document.fonts.ready;
      const hide = (el) => el.style.setProperty('visibility', 'hidden', 'important');
      // decode() rejects exactly for images that cannot be shown (blocked, broken, no source);
      // one still incomplete after 'load' is a deferred lazy image that will never arrive.
      await Promise.all([...document.images].map((img) => (img.complete ? img.decode().catch(() => hide(img)) : hide(img))));
      for (const frame of document.querySelectorAll('iframe, frame, object, embed')) hide(frame);
    })()`,
    true,
  );
}

export interface FitOutcome {
  px: number;
  overflow: boolean;
}

/**
 * The largest whole pixel size in [minPx, maxPx] at which nothing overflows, by binary search:
 * ~7 layouts for a 12-200 px range. Fit is monotonic for text (bigger never fits better), which
 * is what makes bisection valid. The whole search runs in the page in one round trip (each probe
 * is a forced layout there; a DevTools round trip per probe cost as much again). Leaves the
 * variable set to the answer.
 */
export async function fitText(cdp: CDPSession, fit: FitSpec): Promise<FitOutcome> {
  const min = Math.ceil(fit.minPx);
  const max = Math.floor(fit.maxPx);
  if (!(min >= 1 && max >= min)) {
    throw new DomainException(ErrorCode.RENDER_ERROR, `Invalid fit range [${fit.minPx}, ${fit.maxPx}] px`);
  }
  const value = await evaluate(
    cdp,
    `((cssVar, selector, min, max) => {
      const el = document.querySelector(selector);
      if (!el) return null;
      const setPx = (px) => document.documentElement.style.setProperty(cssVar, px + 'px');
      // +1 absorbs sub-pixel rounding of the scroll sizes.
      const fits = (px) => (setPx(px), el.scrollHeight <= el.clientHeight + 1 && el.scrollWidth <= el.clientWidth + 1);
      // Short copy usually fits at the maximum: one layout and done.
      if (fits(max)) return { px: max, overflow: false };
      if (!fits(min)) return { px: min, overflow: true };
      let fitting = min;
      let overflowing = max;
      while (overflowing - fitting > 1) {
        const mid = Math.floor((fitting + overflowing) / 2);
        if (fits(mid)) fitting = mid;
        else overflowing = mid;
      }
      setPx(fitting);
      return { px: fitting, overflow: false };
    })(${JSON.stringify(fit.cssVar)}, ${JSON.stringify(fit.selector)}, ${min}, ${max})`,
  );
  if (value === null) throw new DomainException(ErrorCode.RENDER_ERROR, `The fit selector ${fit.selector} matches nothing in the document`);
  return value as FitOutcome;
}

const isBox = (value: unknown): value is Box =>
  typeof value === 'object' && value !== null && ['x', 'y', 'width', 'height'].every((key) => typeof (value as Record<string, unknown>)[key] === 'number');

/**
 * Layout boxes in page pixels, rounded outwards (floor the top-left, ceil the bottom-right) so
 * the box always contains every painted pixel of the element; null for a selector that matches
 * nothing.
 */
export async function measureBoxes(cdp: CDPSession, selectors: string[]): Promise<Record<string, Box | null>> {
  const boxes: Record<string, Box | null> = {};
  if (selectors.length === 0) return boxes;
  const value = await evaluate(
    cdp,
    `${JSON.stringify(selectors)}.map((selector) => {
      const el = document.querySelector(selector);
      if (!el) return null;
      const r = el.getBoundingClientRect();
      const x = Math.floor(r.left), y = Math.floor(r.top);
      return { x, y, width: Math.ceil(r.right) - x, height: Math.ceil(r.bottom) - y };
    })`,
  );
  const list = Array.isArray(value) ? (value as unknown[]) : [];
  selectors.forEach((selector, i) => {
    const box = list[i];
    boxes[selector] = isBox(box) ? box : null;
  });
  return boxes;
}

interface DomNode {
  nodeId: number;
  nodeType: number;
  children?: DomNode[];
  contentDocument?: DomNode;
}

function findNode(node: DomNode, nodeId: number): DomNode | null {
  if (node.nodeId === nodeId) return node;
  for (const child of node.children ?? []) {
    const found = findNode(child, nodeId);
    if (found) return found;
  }
  return null;
}

function textNodeIds(node: DomNode, out: number[] = []): number[] {
  if (node.nodeType === 3) out.push(node.nodeId);
  for (const child of node.children ?? []) textNodeIds(child, out);
  return out;
}

/**
 * Which fonts actually drew each selector's text, with glyph counts: the only reliable way to
 * see a fallback (a missing Hangul glyph drawn by some system font) or a web font that failed
 * to load. getPlatformFontsForNode on an element only looks a couple of layout levels deep, so
 * the counts are summed over every text node under the element instead.
 */
export async function probeFonts(cdp: CDPSession, selectors: string[]): Promise<Record<string, FontUsage[]>> {
  const usage: Record<string, FontUsage[]> = {};
  if (selectors.length === 0) return usage;
  // DOM and CSS agents are enabled only for the probe: left on they track every later document.
  await cdp.send('DOM.enable');
  try {
    await cdp.send('CSS.enable');
    const { root } = await cdp.send('DOM.getDocument', { depth: -1 });
    for (const selector of selectors) {
      const { nodeId } = await cdp.send('DOM.querySelector', { nodeId: root.nodeId, selector });
      const element = nodeId ? findNode(root, nodeId) : null;
      const glyphs = new Map<string, number>();
      const perNode = await Promise.all(
        (element ? textNodeIds(element) : []).map((id) =>
          // Whitespace between blocks has no layout object: no fonts, not an error worth failing for.
          cdp.send('CSS.getPlatformFontsForNode', { nodeId: id }).then((reply) => reply.fonts, () => []),
        ),
      );
      for (const font of perNode.flat()) glyphs.set(font.familyName, (glyphs.get(font.familyName) ?? 0) + font.glyphCount);
      usage[selector] = [...glyphs].map(([family, count]) => ({ family, glyphs: count })).sort((a, b) => b.glyphs - a.glyphs);
    }
  } finally {
    await cdp.send('CSS.disable').catch(() => undefined);
    await cdp.send('DOM.disable').catch(() => undefined);
  }
  return usage;
}

/** innerText per selector: the text as drawn (display:none and visibility:hidden parts left out); null where nothing matches. */
export async function readTexts(cdp: CDPSession, selectors: string[]): Promise<Record<string, string | null>> {
  if (selectors.length === 0) return {};
  const value = await evaluate(cdp, `${JSON.stringify(selectors)}.map((s) => { const el = document.querySelector(s); return el ? el.innerText : null; })`);
  const list = Array.isArray(value) ? (value as unknown[]) : [];
  return Object.fromEntries(selectors.map((s, i) => [s, typeof list[i] === 'string' ? (list[i] as string) : null]));
}

/**
 * Replaces the previous restyle sheet (if any) with `css`, added last so it wins the cascade.
 * Inserted from DevTools, like every probe; the page's CSP allows inline styles only.
 */
export async function restyle(cdp: CDPSession, css: string): Promise<void> {
  await evaluate(
    cdp,
    `(() => {
      let el = document.getElementById('__restyle');
      if (!el) { el = document.createElement('style'); el.id = '__restyle'; document.head.appendChild(el); }
      el.textContent = ${JSON.stringify(css)};
      void document.documentElement.offsetHeight;
    })()`,
  );
}

/**
 * The canvas-sized PNG, alpha kept (the tab's default background is transparent). Still
 * lossless; optimizeForSpeed only picks faster zlib settings: 1024x1024 encodes in ~35 ms
 * instead of ~85 ms for a file ~40% larger, which the next stage decodes anyway.
 */
export async function capturePng(cdp: CDPSession, width: number, height: number): Promise<Buffer> {
  // Only the front tab of a window gets compositor frames; a capture from the surface of a
  // tab behind another waits seconds for a frame. The caller serializes captures.
  await cdp.send('Page.bringToFront');
  const { data } = await cdp.send('Page.captureScreenshot', {
    format: 'png',
    clip: { x: 0, y: 0, width, height, scale: 1 },
    captureBeyondViewport: false,
    fromSurface: true,
    optimizeForSpeed: true,
  });
  return Buffer.from(data, 'base64');
}
