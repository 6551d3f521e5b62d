import { after, before, describe, it } from 'node:test';
import { expect } from 'expect';
import sharp from 'sharp';
import { loadConfig } from '../config/app-config';
import type { Box } from '../vision/image.types';
import { ChromiumPool } from './chromium-pool';
import { HtmlRendererService } from './html-renderer.service';
import type { FontAsset, RenderRequest } from './renderer.types';

// Real Chromium, no mocks: these run against /usr/bin/chromium with fonts-nanum installed.
const NANUM: FontAsset = { url: 'https://fonts.nanococoa.internal/nanum/NanumGothic.ttf', path: '/usr/share/fonts/truetype/nanum/NanumGothic.ttf' };

const page = (style: string, body: string) =>
  `<!doctype html><html><head><meta charset="utf-8"><style>
  @font-face { font-family: 'AdFace'; src: url(${NANUM.url}); }
  html, body { margin: 0; } ${style}
  </style></head><body>${body}</body></html>`;

interface Rgba {
  data: Buffer;
  width: number;
  height: number;
  channels: number;
}

async function pixels(png: Buffer): Promise<Rgba> {
  const { data, info } = await sharp(png).raw().toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height, channels: info.channels };
}

/** Pixels with any opacity, counted inside and outside `box`. */
function inkInAndOut(image: Rgba, box: Box): { inside: number; outside: number } {
  let inside = 0;
  let outside = 0;
  for (let y = 0; y < image.height; y += 1) {
    for (let x = 0; x < image.width; x += 1) {
      if (image.data[(y * image.width + x) * image.channels + 3] === 0) continue;
      const within = x >= box.x && x < box.x + box.width && y >= box.y && y < box.y + box.height;
      if (within) inside += 1;
      else outside += 1;
    }
  }
  return { inside, outside };
}

describe('HtmlRendererService (real Chromium)', () => {
  const pool = new ChromiumPool(loadConfig({}, { RENDER_PAGES: 2 }));
  const renderer = new HtmlRendererService(pool);
  const render = (request: Partial<RenderRequest> & { html: string }) => renderer.render({ width: 640, height: 360, fonts: [NANUM], ...request });

  before(async () => {
    // Warm up once so the first test does not carry the launch in its timings.
    await render({ html: page('', '') });
  });
  after(() => pool.close());

  it('returns an RGBA PNG of exactly the viewport, transparent wherever nothing was drawn', async () => {
    const result = await render({
      html: page('#t { position: absolute; left: 100px; top: 120px; font: 64px AdFace; color: #123; line-height: 1; }', '<div id="t">가나다</div>'),
      measure: ['#t'],
    });
    const image = await pixels(result.png);
    expect([image.width, image.height, image.channels]).toEqual([640, 360, 4]);
    const box = result.boxes['#t'];
    expect(box).not.toBeNull();
    const ink = inkInAndOut(image, box as Box);
    expect(ink.outside).toBe(0);
    // Three 64 px Hangul syllables cover thousands of pixels; a blank layer would have none.
    expect(ink.inside).toBeGreaterThan(1500);
    expect(result.ms).toBeGreaterThan(0);
  });

  it('loads the request font through its URL and reports it from getPlatformFontsForNode', async () => {
    const result = await render({
      html: page('#t { font-family: AdFace, monospace; font-size: 40px; }', '<p id="t">한글 <b>세일</b> ABC</p>'),
      fontProbe: ['#t', '#missing'],
    });
    // Latin letters too: had the web font failed, monospace (DejaVu Sans Mono) would draw them.
    // 한글 세일 ABC: 2 + 1 + 2 + 1 + 3 glyphs, the <b> child counted with its parent.
    expect(result.fontsUsed['#t']).toEqual([{ family: 'NanumGothic', glyphs: 9 }]);
    expect(result.fontsUsed['#missing']).toEqual([]);
    expect(pool.stats().fontsServed).toBeGreaterThan(0);
  });

  it('shows the fallback when a font URL was not handed in, so the probe can tell', async () => {
    const result = await render({
      html: page(
        "@font-face { font-family: 'Elsewhere'; src: url(https://fonts.nanococoa.internal/not-offered.ttf); } #t { font: 40px Elsewhere, monospace; }",
        '<p id="t">ABC</p>',
      ),
      fontProbe: ['#t'],
    });
    expect(result.fontsUsed['#t']?.map((usage) => usage.family)).not.toContain('NanumGothic');
    expect(result.fontsUsed['#t']?.[0]?.glyphs).toBe(3);
  });

  it('blocks every outside request and never runs the page script', async () => {
    const blockedBefore = pool.stats().blockedRequests;
    const result = await render({
      html: page(
        'body { background: url(file:///etc/passwd); } #bg { position: absolute; left: 300px; top: 0; width: 200px; height: 200px; background-image: url(https://example.com/bg.png); }',
        `<img id="img" src="https://example.com/x.png" style="position:absolute;left:0;top:0;width:200px;height:200px">
         <link rel="stylesheet" href="https://example.com/style.css">
         <div id="bg"></div>
         <script>document.body.innerHTML = '<div id="hacked" style="width:600px;height:300px;background:red">x</div>';</script>`,
      ),
      measure: ['#img', '#bg', '#hacked'],
    });
    expect(result.boxes['#hacked']).toBeNull();
    expect(result.boxes['#img']).toEqual({ x: 0, y: 0, width: 200, height: 200 });
    expect(result.boxes['#bg']).not.toBeNull();
    // Nothing loaded, so nothing painted: not the image, not its broken-image icon, no background.
    const image = await pixels(result.png);
    expect(inkInAndOut(image, { x: 0, y: 0, width: 0, height: 0 }).outside).toBe(0);
    expect(pool.stats().blockedRequests - blockedBefore).toBeGreaterThanOrEqual(2);
  });

  it('keeps the document when it tries to navigate away (meta refresh)', async () => {
    const result = await render({
      html: page('#t { font: 40px AdFace; }', '<meta http-equiv="refresh" content="0;url=https://example.com/"><p id="t">여기</p>'),
      measure: ['#t'],
    });
    expect(result.boxes['#t']).not.toBeNull();
    const image = await pixels(result.png);
    expect(inkInAndOut(image, result.boxes['#t'] as Box).outside).toBe(0);
  });

  describe('fit', () => {
    const fitDoc = (text: string) =>
      page(
        ':root { --fs: 10px; } #box { position: absolute; left: 40px; top: 40px; width: 300px; height: 160px; font: var(--fs)/1.2 AdFace; word-break: keep-all; overflow-wrap: break-word; }',
        `<div id="box"><span id="text">${text}</span></div>`,
      );
    const fit = { selector: '#box', cssVar: '--fs', minPx: 8, maxPx: 200 };

    it('gives long copy a smaller size than short copy, and neither overflows its box', async () => {
      const short = await render({ html: fitDoc('세일'), fit, measure: ['#box', '#text'] });
      const long = await render({ html: fitDoc('오늘 단 하루 모든 여름 신상품 최대 50% 할인 행사를 놓치지 마세요'), fit, measure: ['#box', '#text'] });
      expect(short.overflow).toBe(false);
      expect(long.overflow).toBe(false);
      expect(short.fittedPx).not.toBeNull();
      expect(long.fittedPx).not.toBeNull();
      expect(long.fittedPx as number).toBeLessThan(short.fittedPx as number);
      for (const result of [short, long]) {
        const container = result.boxes['#box'] as Box;
        const text = result.boxes['#text'] as Box;
        expect(text.y + text.height).toBeLessThanOrEqual(container.y + container.height);
        expect(text.x + text.width).toBeLessThanOrEqual(container.x + container.width);
      }
    });

    it('picks the largest size that fits: one pixel more overflows', async () => {
      const html = fitDoc('봄맞이 특가 세일');
      const best = await render({ html, fit, measure: ['#text'] });
      const px = best.fittedPx as number;
      expect(px).toBeGreaterThan(fit.minPx);
      expect(px).toBeLessThan(fit.maxPx);
      const bigger = await render({ html, fit: { ...fit, minPx: px + 1, maxPx: px + 1 } });
      expect(bigger.overflow).toBe(true);
    });

    it('flags overflow when even the minimum size does not fit', async () => {
      const result = await render({ html: fitDoc('가'.repeat(3000)), fit: { ...fit, minPx: 12, maxPx: 40 } });
      expect(result).toMatchObject({ fittedPx: 12, overflow: true });
    });

    it('refuses a fit selector that matches nothing, and the tab stays usable', async () => {
      await expect(render({ html: fitDoc('세일'), fit: { ...fit, selector: '#nope' } })).rejects.toMatchObject({ code: 'RENDER_ERROR' });
      await expect(render({ html: fitDoc('세일'), fit })).resolves.toMatchObject({ overflow: false });
    });
  });
});

describe('HtmlRendererService with more renders than pages', () => {
  it('serves every render: a tab behind another gets no frames until it is brought to the front', async () => {
    // Cold pool of two pages, six renders at once, each with a deadline that a stalled
    // capture (seconds, waiting for a frame of a background tab) would miss.
    const pool = new ChromiumPool(loadConfig({}, { RENDER_PAGES: 2 }));
    const renderer = new HtmlRendererService(pool);
    try {
      const body = page('p { font: 40px AdFace; }', '<p>명절 특가 20,000원</p>');
      const results = await Promise.allSettled(
        Array.from({ length: 6 }, () => renderer.render({ html: body, width: 640, height: 360, fonts: [NANUM], timeoutMs: 2500 })),
      );
      expect(results.map((r) => r.status)).toEqual(Array(6).fill('fulfilled'));
      for (let i = 0; i < 4; i++) {
        await expect(renderer.render({ html: body, width: 640, height: 360, fonts: [NANUM], timeoutMs: 2500 })).resolves.toMatchObject({
          overflow: false,
        });
      }
      expect(pool.stats()).toMatchObject({ timeouts: 0, pageRecycles: 0 });
    } finally {
      await pool.close();
    }
  });
});
