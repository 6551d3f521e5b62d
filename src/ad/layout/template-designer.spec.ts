import { describe, it } from 'node:test';
import { expect } from 'expect';
import { relativeLuminance } from '../../vision/color-math';
import type { ImageAnalysis, TextBoxCandidate } from '../analysis/analysis.types';
import { EmbeddedImageAnalyzer } from '../analysis/embedded-analyzer';
import { boxInside } from '../../vision/box-geometry';
import type { Rgb } from '../../vision/image.types';
import type { LayoutRequest } from './layout.types';
import { TemplateLayoutDesigner } from './template-designer';

const FONT_CSS = "@font-face { font-family: 'Nanum Gothic'; src: url('/fonts/nanum-gothic-700.woff2') format('woff2'); font-weight: 700; }";

function cand(position: TextBoxCandidate['position'], y: number, lum: { mean: number; p10: number; p90: number }, edgeDensity = 0.01, score = 0.8): TextBoxCandidate {
  const box = position === 'left' ? { x: 60, y: 60, width: 480, height: 500 } : { x: 65, y, width: 950, height: 220 };
  return { box, score, position, meanColor: [128, 128, 128], meanLuminance: lum.mean, edgeDensity, luminanceP10: lum.p10, luminanceP90: lum.p90 };
}

function analysis(candidates: TextBoxCandidate[], size = { width: 1080, height: 1080 }): ImageAnalysis {
  return {
    ...size,
    palette: [
      { color: [226, 220, 210], share: 0.8 },
      { color: [170, 50, 35], share: 0.2 },
    ],
    luminanceGrid: new Array<number>(9).fill(0.5),
    edgeGrid: new Array<number>(9).fill(0),
    productBox: { x: 390, y: 400, width: 300, height: 300 },
    safeZone: { x: 65, y: 54, width: 950, height: 972 },
    candidates,
    textColor: [20, 20, 20],
    contrast: 10,
    description: '',
    provider: 'test',
  };
}

const LIGHT = { mean: 0.75, p10: 0.7, p90: 0.8 };
const DARK = { mean: 0.03, p10: 0.02, p90: 0.05 };
const BUSY = { mean: 0.3, p10: 0.02, p90: 0.85 };

function request(a: ImageAnalysis, copy: string, extra: Partial<LayoutRequest> = {}): LayoutRequest {
  return { analysis: a, copy, stylePrompt: '', position: 'auto', fontCss: FONT_CSS, fontStack: "'Nanum Gothic', sans-serif", width: a.width, height: a.height, ...extra };
}

const designer = new TemplateLayoutDesigner();

/** Parses `rgb(r g b / a)` of the copy block's panel background. */
function panelColor(html: string): { color: Rgb; alpha: number } | null {
  const m = /\.block \{[^}]*background: rgb\((\d+) (\d+) (\d+)(?: \/ ([\d.]+))?\)/.exec(html);
  return m ? { color: [Number(m[1]), Number(m[2]), Number(m[3])], alpha: m[4] ? Number(m[4]) : 1 } : null;
}

describe('TemplateLayoutDesigner', () => {
  it('writes a complete transparent document with the copy escaped and keep-all line breaking', async () => {
    const r = await designer.design(request(analysis([cand('top', 54, LIGHT)]), '<script>alert(1)</script> 특가! 사과 20,000원'));
    expect(r.html.startsWith('<!doctype html>')).toBe(true);
    expect(r.html).toContain('<meta charset="utf-8">');
    expect(r.html).toContain(FONT_CSS);
    expect(r.html).toMatch(/html, body \{[^}]*background: transparent/);
    expect(r.html).toMatch(/html, body \{[^}]*width: 1080px; height: 1080px/);
    expect(r.html).not.toMatch(/<script/i);
    expect(r.html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(r.html).toContain('word-break: keep-all');
    expect(r.html).toContain('line-break: strict');
    expect(r.html).toContain('text-wrap: balance');
    expect(r.html).toContain('<span class="price">20,000원</span>');
    expect(r.designer).toBe('template');
  });

  it('defines what the fit spec names and keeps sizes sensible for the canvas', async () => {
    const r = await designer.design(request(analysis([cand('top', 54, LIGHT)]), '명절 특가! 사과 한 박스 20,000원'));
    expect(r.fit.selector).toBe('#copy');
    expect(r.html).toContain('id="copy"');
    expect(r.fit.cssVar).toBe('--fs');
    expect(r.html).toMatch(/:root \{ --fs: \d+px; \}/);
    expect(r.html).toMatch(/\.headline \{[^}]*font-size: calc\(var\(--fs\) \* [\d.]+\)/);
    expect(r.html).toMatch(/\.sub \{[^}]*font-size: calc\(var\(--fs\) \* [\d.]+\)/);
    expect(r.fit.minPx).toBeGreaterThanOrEqual(1080 * 0.02);
    expect(r.fit.maxPx).toBeLessThanOrEqual(Math.ceil(1080 * 0.12));
    expect(r.fit.minPx).toBeLessThan(r.fit.maxPx);
    expect(r.measure).toEqual(['#copy', '#copy .headline', '#copy .sub']);
    expect(r.html).toContain('class="headline"');
    expect(r.html).toContain('class="sub"');
    expect(r).toMatchObject({ headline: '명절 특가!', subline: '사과 한 박스 20,000원', preset: 'sale' });
  });

  it('places the block on the best box inside the canvas, or on the requested position', async () => {
    const a = analysis([cand('top', 54, LIGHT, 0.01, 0.9), cand('bottom', 800, LIGHT, 0.01, 0.7)]);
    const auto = await designer.design(request(a, '가을 신상 입고'));
    expect(auto.box).toEqual(a.candidates[0].box);
    expect(boxInside(auto.box, { x: 0, y: 0, width: 1080, height: 1080 })).toBe(true);
    expect(auto.html).toContain(`left: ${auto.box.x}px; top: ${auto.box.y}px; width: ${auto.box.width}px; height: ${auto.box.height}px`);
    const bottom = await designer.design(request(a, '가을 신상 입고', { position: 'bottom' }));
    expect(bottom.box).toEqual(a.candidates[1].box);
    expect(auto.measure).toEqual(['#copy', '#copy .headline']);
  });

  it('aligns side boxes left and top/bottom boxes centred', async () => {
    const side = await designer.design(request(analysis([cand('left', 0, DARK)], { width: 1200, height: 628 }), 'Summer SALE — 30% off everything'));
    expect(side.html).toContain('text-align: left');
    const top = await designer.design(request(analysis([cand('top', 54, DARK)]), 'Summer SALE — 30% off everything'));
    expect(top.html).toContain('text-align: center');
  });

  for (const [label, lum, treatments] of [
    ['light', LIGHT, ['none']],
    ['dark', DARK, ['none']],
    ['mid-tone gradient', { mean: 0.2, p10: 0.12, p90: 0.32 }, ['shadow', 'outline', 'panel']],
  ] as Array<[string, { mean: number; p10: number; p90: number }, string[]]>) {
    it(`reaches 4.5:1 on a ${label} area`, async () => {
      const r = await designer.design(request(analysis([cand('top', 54, lum)]), '신선한 사과 한 박스 20,000원', { stylePrompt: '심플하게' }));
      expect(r.contrast).toBeGreaterThanOrEqual(4.5);
      expect(treatments).toContain(r.treatment);
    });
  }

  it('backs a busy area with a panel whose blended colour gives the text >= 4.5', async () => {
    const r = await designer.design(request(analysis([cand('top', 54, BUSY, 0.4)]), '명절 특가! 사과 한 박스 20,000원'));
    expect(r.treatment).toBe('panel');
    expect(r.contrast).toBeGreaterThanOrEqual(4.5);
    const panel = panelColor(r.html);
    expect(panel).not.toBeNull();
    const text = relativeLuminance(r.textColor);
    for (const l of [BUSY.p10, BUSY.p90]) {
      const v = Math.round(255 * (l <= 0.0031308 ? l * 12.92 : 1.055 * l ** (1 / 2.4) - 0.055));
      const blended = panel!.color.map((c) => Math.round(c * panel!.alpha + v * (1 - panel!.alpha))) as Rgb;
      const lb = relativeLuminance(blended);
      expect((Math.max(text, lb) + 0.05) / (Math.min(text, lb) + 0.05)).toBeGreaterThanOrEqual(4.5);
    }
  });

  it('loads nothing but the catalog fonts and cannot be broken out of its <style>', async () => {
    const evil = `${FONT_CSS}</style><script>fetch('http://evil')</script><style>`;
    const r = await designer.design(request(analysis([cand('top', 54, LIGHT)]), 'Big deal', { fontCss: evil, fontStack: "x; } body { background: url(http://evil) } {" }));
    expect(r.html).not.toMatch(/<script/i);
    expect((r.html.match(/<\/style>/g) ?? []).length).toBe(1);
    const withoutFonts = r.html.replace(FONT_CSS, '');
    expect(withoutFonts).not.toMatch(/url\((?!'\/fonts)/);
    expect(withoutFonts).not.toMatch(/\bsrc=|\bhref=/);
  });

  it('lowers the size cap so a long unbroken word fits the box before it has to break', async () => {
    const r = await designer.design(request(analysis([cand('top', 54, LIGHT)]), '초특가대박세일행사진행중입니다'));
    expect(r.fit.maxPx).toBeLessThanOrEqual(Math.ceil(950 / 15));
  });

  it('designs from a real analysis of a synthetic 9:16 shot', async () => {
    const width = 540;
    const height = 960;
    const data = Buffer.alloc(width * height * 3, 236);
    const mask = Buffer.alloc(width * height);
    for (let y = 500; y < 720; y++) {
      for (let x = 170; x < 370; x++) {
        data.fill(40, (y * width + x) * 3, (y * width + x) * 3 + 3);
        mask[y * width + x] = 255;
      }
    }
    const a = await new EmbeddedImageAnalyzer().analyze({ image: { data, width, height, channels: 3 }, productMask: { data: mask, width, height, channels: 1 }, preset: '9:16', position: 'auto' });
    const r = await designer.design(request(a, 'NEW 시즌 원두 입고 — 12월 25일까지 30% 할인', { stylePrompt: '귀여운 느낌' }));
    expect(r.preset).toBe('playful');
    expect(r.box.y).toBeGreaterThanOrEqual(960 * 0.14);
    expect(r.box.y + r.box.height).toBeLessThanOrEqual(500);
    expect(r.contrast).toBeGreaterThanOrEqual(4.5);
    expect(r.html).toContain('<span class="date">12월 25일</span>');
    expect(r.html).toContain('<span class="percent">30% 할인</span>');
  });
});
