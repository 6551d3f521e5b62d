import axe from 'axe-core';
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import { CHROMIUM_ARGS } from '../../src/renderer/chromium-launch';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
/** A suite's skip reason where this machine has no Chromium. */
export const NO_CHROMIUM = !existsSync(CHROMIUM) && `no Chromium at ${CHROMIUM}`;

/**
 * The suites' browser: the renderer's flags minus the proxy that keeps it off the network (the
 * pages are on loopback, which the proxy bypasses anyway). Its profile and the scratch dirs
 * Chromium makes in TMPDIR live in `userDataDir`, which the suite removes.
 */
export function launchTestBrowser(userDataDir: string): Promise<Browser> {
  return puppeteer.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS.filter((a) => !a.startsWith('--proxy')),
    userDataDir,
    env: { ...process.env, TMPDIR: userDataDir },
  });
}

/** ADMIN_AUDIT_SHOTS=<dir> saves each audited view there, to look at. */
const SHOTS_DIR = process.env.ADMIN_AUDIT_SHOTS;

/** WCAG 2.2 A and AA, as the homepage audit runs them; best practices are not the bar here. */
const AXE_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'];

export interface PageFinding {
  url: string;
  width: number;
  /** 'axe:<rule>' or 'clipped'. */
  kind: string;
  /** The rule's help, or what the clipped element shows. */
  what: string;
  where: string[];
}

/**
 * Text the reader cannot see whole, found in the browser (a string: this project compiles
 * without the DOM library). An element is clipped when its content is wider than its box
 * (scrollWidth > clientWidth): hidden by overflow or an ellipsis, scrolled out of sight, or
 * spilling over its neighbours. A select's box is clipped when it is narrower than it would be
 * at its natural width (its widest option and the arrow), so an option is cut once chosen.
 * The page itself must not scroll sideways. Visually-hidden text is 1 px wide on purpose.
 */
const CLIPPED = `(() => {
  const name = (el) => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') +
    (typeof el.className === 'string' && el.className.trim() ? '.' + el.className.trim().split(/\\s+/).join('.') : '');
  const path = (el) => { const parts = []; for (let e = el; e && e !== document.body && parts.length < 4; e = e.parentElement) parts.unshift(name(e)); return parts.join(' > '); };
  const text = (el) => (el.tagName === 'SELECT' ? [...el.options].map((o) => o.text).join(' | ') : el.value || el.placeholder || el.textContent || '').replace(/\\s+/g, ' ').trim().slice(0, 80);
  const out = [];
  const root = document.documentElement;
  if (root.scrollWidth > root.clientWidth) out.push({ where: 'html', text: 'the page scrolls sideways', scroll: root.scrollWidth, client: root.clientWidth });
  for (const el of document.body.querySelectorAll('*')) {
    if (el.closest('.visually-hidden, [hidden], noscript, script, style, datalist, option')) continue;
    const cs = getComputedStyle(el);
    if (cs.display === 'none' || cs.display === 'inline' || cs.display === 'contents' || cs.visibility === 'hidden') continue;
    const box = el.getBoundingClientRect();
    if (box.width === 0 || box.height === 0) continue;
    if (el.tagName === 'SELECT') {
      const twin = el.cloneNode(true);
      twin.removeAttribute('id');
      twin.style.cssText = 'position:absolute;visibility:hidden;width:auto;min-width:0;max-width:none';
      el.parentElement.appendChild(twin);
      const natural = twin.getBoundingClientRect().width;
      twin.remove();
      if (natural > box.width + 1) out.push({ where: path(el), text: text(el), scroll: Math.round(natural), client: Math.round(box.width) });
      continue;
    }
    if (['IMG', 'PROGRESS', 'METER', 'CANVAS', 'VIDEO', 'IFRAME', 'svg'].includes(el.tagName)) continue;
    const isField = el.tagName === 'INPUT' || el.tagName === 'TEXTAREA';
    if (isField && ['checkbox', 'radio', 'hidden', 'file'].includes(el.type)) continue;
    // Text laid out in this box: its own text nodes, or inline children's (a <dt> holding a <code>).
    const ownText = isField ? Boolean(el.value || el.placeholder) : [...el.childNodes].some((n) =>
      n.textContent.trim() && (n.nodeType === 3 || (n.nodeType === 1 && getComputedStyle(n).display === 'inline')));
    const clips = cs.overflowX !== 'visible' || cs.textOverflow === 'ellipsis';
    // An input's placeholder is not in its scrollWidth: measured with the input's own font.
    if (el.tagName === 'INPUT' && !el.value && el.placeholder) {
      const pen = (window.__auditCanvas ||= document.createElement('canvas')).getContext('2d');
      pen.font = cs.font;
      const need = Math.ceil(pen.measureText(el.placeholder).width);
      const room = el.clientWidth - parseFloat(cs.paddingLeft) - parseFloat(cs.paddingRight);
      if (need > room + 1) out.push({ where: path(el), text: el.placeholder, scroll: need, client: Math.floor(room) });
      continue;
    }
    if (!ownText && !clips) continue;
    if (el.scrollWidth > el.clientWidth + 1) out.push({ where: path(el), text: text(el), scroll: el.scrollWidth, client: el.clientWidth });
  }
  return out;
})()`;

/** Runs axe (serious and critical findings) and the clipping check on the page as it is now. */
export async function auditPage(page: Page, url: string, width: number): Promise<PageFinding[]> {
  const findings: PageFinding[] = [];
  const clipped = (await page.evaluate(CLIPPED)) as Array<{ where: string; text: string; scroll: number; client: number }>;
  for (const c of clipped) findings.push({ url, width, kind: 'clipped', what: `"${c.text}" needs ${c.scroll} px, has ${c.client}`, where: [c.where] });
  // Evaluated over the DevTools protocol, which the admin's CSP (its own scripts only) does not govern.
  if (!(await page.evaluate('typeof window.axe === "object"'))) await page.evaluate(axe.source);
  const violations = (await page.evaluate(
    `axe.run(document, { runOnly: { type: 'tag', values: ${JSON.stringify(AXE_TAGS)} }, resultTypes: ['violations'] })
      .then((r) => r.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')
        .map((v) => ({ id: v.id, help: v.help, where: v.nodes.slice(0, 5).map((n) => n.target.join(' ') + ' ' + (n.failureSummary || '').split('\\n').slice(1, 2).join('')) })))`,
  )) as Array<{ id: string; help: string; where: string[] }>;
  for (const v of violations) findings.push({ url, width, kind: `axe:${v.id}`, what: v.help, where: v.where });
  return findings;
}

/** Audits the page as it is now (a form answered with errors, say) at each width. */
export async function auditHere(page: Page, label: string, widths = [390, 1280]): Promise<PageFinding[]> {
  const findings: PageFinding[] = [];
  for (const width of widths) {
    await page.setViewport({ width, height: 900 });
    // Two frames: the resize's layout and paint are done before anything is measured.
    await page.evaluate('new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)))');
    findings.push(...(await auditPage(page, label, width)));
    if (SHOTS_DIR) await page.screenshot({ path: path.join(SHOTS_DIR, `${label.replace(/\W+/g, '_').slice(1, 60)}-${width}.png`), fullPage: true });
  }
  return findings;
}

/**
 * Opens each path once per language and audits it at each width (the resize redoes the layout;
 * no reload). `perPage` adds a test's own checks, once per page and language.
 */
export async function auditPages(
  page: Page,
  base: string,
  paths: string[],
  perPage?: (page: Page, url: string, lang: string) => Promise<PageFinding[]>,
): Promise<{ findings: PageFinding[]; views: number }> {
  const findings: PageFinding[] = [];
  let views = 0;
  for (const lang of ['ko', 'en']) {
    for (const p of paths) {
      const url = `${p}${p.includes('?') ? '&' : '?'}lang=${lang}`;
      await page.goto(base + url, { waitUntil: 'load' });
      findings.push(...(await auditHere(page, url)), ...((await perPage?.(page, url, lang)) ?? []));
      views += 2;
    }
  }
  return { findings, views };
}

/**
 * Words a reader of the page's language knows: badges, stage names and kinds without the API's
 * keys (no snake_case) and, on Korean pages, without its English words; the inputs panel labels
 * each line rather than showing the request's field name.
 */
export const wording = async (page: Page, url: string): Promise<PageFinding[]> => {
  const words = (await page.evaluate(`(() => {
    const ko = document.documentElement.lang === 'ko';
    const out = [];
    for (const el of document.querySelectorAll('.badge, .bar-label, .job-kind, .layer-list strong')) {
      const text = el.textContent.trim();
      if (text.includes('_') || (ko && /[a-z]/.test(text))) out.push(el.className + ': ' + text);
    }
    for (const dt of document.querySelectorAll('dt')) if (dt.querySelector('code') || /[a-z]_[a-z]/.test(dt.textContent)) out.push('dt: ' + dt.textContent.trim());
    return out;
  })()`)) as string[];
  return words.map((what) => ({ url, width: 0, kind: 'wording', what, where: [] }));
};
