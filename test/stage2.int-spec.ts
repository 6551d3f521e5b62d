import { after, before, describe, it } from 'node:test';
import { expect } from 'expect';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import sharp from 'sharp';
import type { Box } from '../src/vision/image.types';
import { hamming, phash } from './helpers/phash';
import { dataUrl, REPO_ROOT, samplePhoto, startTestApp, type TestApp, waitForJob, FS_ONLY } from './helpers/test-app';

const COPY = '명절 특가! 사과 한 박스 20,000원';
const GOLDEN = path.join(REPO_ROOT, 'test', 'fixtures', 'golden', 'text-1x1-seed7.png');

interface CanvasResult {
  placement: string;
  width: number;
  height: number;
  product_box: Box;
  text: { box: Box; contrast: number; font: string; fonts_used: Array<{ family: string; glyphs: number }>; missing_characters: string[]; overflow: boolean } | null;
}

const overlaps = (a: Box, b: Box) => a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;
const inside = (a: Box, w: number, h: number) => a.x >= 0 && a.y >= 0 && a.x + a.width <= w && a.y + a.height <= h;

describe('Stage 2: the copy designed as HTML/CSS and rendered by real Chromium', () => {
  let t: TestApp;
  let photo: Buffer;
  const run = async (body: Record<string, unknown>) => {
    const res = await t.http.post('/generate').send({ product_image: dataUrl(photo), ...body }).expect(202);
    const done = await waitForJob(t.http, res.body.job_id as string, 120_000);
    expect(done.error).toBeNull();
    expect(done.status).toBe('completed');
    return { id: res.body.job_id as string, done, canvases: (done.result as { canvases: CanvasResult[] }).canvases };
  };
  const file = async (id: string, name: string) => (await t.http.get(`/jobs/${id}/artifacts/${name}`).expect(200)).body as Buffer;

  before(async () => {
    t = await startTestApp();
    photo = samplePhoto();
  });
  after(() => t?.close());

  it('draws Korean copy legibly in a Hangul font, beside the product, on a transparent layer', { skip: FS_ONLY }, async () => {
    const { id, canvases } = await run({ text_content: COPY, bg_prompt: 'warm beige studio', seed: 7 });
    const [c] = canvases;
    expect(c.text).not.toBeNull();
    const text = c.text!;
    expect(inside(text.box, c.width, c.height)).toBe(true);
    expect(overlaps(text.box, c.product_box)).toBe(false);
    expect(text.contrast).toBeGreaterThanOrEqual(4.5);
    expect(text.overflow).toBe(false);
    expect(text.missing_characters).toEqual([]);
    // Chromium itself says which fonts drew the glyphs: a Hangul font, no fallback boxes.
    const hangulGlyphs = text.fonts_used.filter((f) => /nanum|noto.*cjk/i.test(f.family)).reduce((n, f) => n + f.glyphs, 0);
    expect(hangulGlyphs).toBeGreaterThanOrEqual([...COPY.replace(/\s/g, '')].length - 2);

    const layer = await sharp(await file(id, 'text.png')).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
    expect(layer.info.channels).toBe(4);
    let outside = 0;
    let drawnInside = 0;
    for (let y = 0; y < layer.info.height; y++) {
      for (let x = 0; x < layer.info.width; x++) {
        const alpha = layer.data[(y * layer.info.width + x) * 4 + 3];
        if (alpha === 0) continue;
        const inBox = x >= text.box.x - 2 && x < text.box.x + text.box.width + 2 && y >= text.box.y - 2 && y < text.box.y + text.box.height + 2;
        if (inBox) drawnInside += 1;
        else outside += 1;
      }
    }
    expect(drawnInside).toBeGreaterThan(500);
    // A soft shadow may bleed a few pixels past the box; text itself never leaves it.
    expect(outside / (drawnInside + outside)).toBeLessThan(0.02);

    const html = (await t.http.get(`/jobs/${id}/artifacts/text.html`).expect(200)).text;
    expect(html).toContain('20,000원');
    expect(html).toMatch(/word-break:\s*keep-all/);
    expect(html).not.toMatch(/<script/i);

    // Golden image: the text layer of a fixed seed and copy, compared by perceptual hash.
    const png = await file(id, 'text.png');
    if (process.env.UPDATE_GOLDEN === '1') writeFileSync(GOLDEN, png);
    if (!existsSync(GOLDEN)) throw new Error(`${GOLDEN} is missing: run the tests once with UPDATE_GOLDEN=1 and look at it`);
    expect(hamming(await phash(png), await phash(readFileSync(GOLDEN)))).toBeLessThanOrEqual(8);

    // The quality report a user can act on, in /status.
    const status = await t.http.get(`/status/${id}?include_images=false`).expect(200);
    const quality = status.body.quality as {
      verdict: string;
      cutout: { confidence: number };
      productFidelity: { unchanged: boolean; corePixels: number };
      text: { contrastOk: boolean; insideSafeZone: boolean; overlapsProduct: boolean };
      clip: { skipped: boolean; reason: string };
    };
    expect(quality.cutout.confidence).toBeGreaterThan(0.5);
    expect(quality.cutout.confidence).toBeLessThanOrEqual(1);
    expect(quality.productFidelity).toMatchObject({ unchanged: true });
    expect(quality.productFidelity.corePixels).toBeGreaterThan(10_000);
    expect(quality.text).toMatchObject({ contrastOk: true, insideSafeZone: true, overlapsProduct: false });
    expect(quality.clip.skipped).toBe(true);
    expect(quality.clip.reason).toContain('models:pull');
    expect(quality.verdict).toBe('good');

    const final = await sharp(await file(id, 'final.png')).metadata();
    expect([final.width, final.height]).toEqual([1024, 1024]);
    const layers = JSON.parse((await t.http.get(`/jobs/${id}/artifacts/layers.json`).expect(200)).text) as { layers: Array<{ name: string; meta?: { html?: string } }> };
    expect(layers.layers.map((l) => l.name)).toEqual(['background', 'shadow', 'product', 'text']);
    expect(layers.layers[3].meta?.html).toBe('text.html');
  });

  it('shows HTML in the copy as literal text, never as markup', { skip: FS_ONLY }, async () => {
    const { id } = await run({ text_content: '<script>document.body.remove()</script><b>특가</b> 50% 할인', stop_step: 2, seed: 3 });
    const html = (await t.http.get(`/jobs/${id}/artifacts/text.html`).expect(200)).text;
    expect(html).toContain('&lt;script&gt;');
    expect(html).not.toMatch(/<script|<b>/i);
    const layer = await sharp(await file(id, 'text.png')).ensureAlpha().extractChannel(3).raw().toBuffer();
    expect(layer.some((a) => a > 0)).toBe(true);
  });

  it('makes one final per placement from one cutout', async () => {
    const { done, canvases } = await run({ text_content: COPY, placements: ['1:1', '4:5', '9:16', '1.91:1'], seed: 5 });
    const finals = done.finals as Array<{ placement: string; width: number; height: number; final_url: string }>;
    expect(finals.map((f) => [f.placement, f.width, f.height])).toEqual([
      ['1:1', 1080, 1080],
      ['4:5', 1080, 1350],
      ['9:16', 1080, 1920],
      ['1.91:1', 1200, 628],
    ]);
    for (const f of finals) {
      const meta = await sharp((await t.http.get(f.final_url).expect(200)).body as Buffer).metadata();
      expect([meta.width, meta.height]).toEqual([f.width, f.height]);
    }
    for (const c of canvases) {
      expect(overlaps(c.text!.box, c.product_box)).toBe(false);
      expect(c.text!.contrast).toBeGreaterThanOrEqual(4.5);
    }
    // 9:16: no copy in the top 14% or bottom 20% (platform UI covers them).
    const tall = canvases.find((c) => c.placement === '9:16')!.text!.box;
    expect(tall.y).toBeGreaterThanOrEqual(Math.floor(1920 * 0.14));
    expect(tall.y + tall.height).toBeLessThanOrEqual(Math.ceil(1920 * 0.8));
    expect((done.result as { segment_model: string }).segment_model).toMatch(/^isnet-/);
  });

  it('adds copy to a supplied Stage 1 image (start_step 2), and keeps empty copy background-only', async () => {
    const plain = await run({ stop_step: 2, seed: 9 });
    const step1 = await file(plain.id, 'step1.png');
    const final = await file(plain.id, 'final.png');
    const [a, b] = await Promise.all([step1, final].map((png) => sharp(png).raw().toBuffer()));
    expect(a.equals(b)).toBe(true);

    const res = await t.http
      .post('/generate')
      .send({ start_step: 2, step1_image: dataUrl(step1), text_content: 'Summer SALE 30% off' })
      .expect(202);
    const done = await waitForJob(t.http, res.body.job_id as string, 120_000);
    expect(done.status).toBe('completed');
    const [c] = (done.result as { canvases: CanvasResult[] }).canvases;
    expect([c.width, c.height]).toEqual([1024, 1024]);
    expect(overlaps(c.text!.box, c.product_box)).toBe(false);
    expect(Object.keys(done.timings as object)).toEqual(expect.arrayContaining(['locate', 'render', 'finalize']));
    expect(Object.keys(done.timings as object)).not.toContain('segment');

    // The seed's answer embeds both images as data URLs: the very bytes of the files.
    const full = await t.http.get(`/status/${res.body.job_id as string}`).expect(200);
    const embedded = (key: string) => Buffer.from(String(full.body[key]).split(',')[1], 'base64');
    expect(embedded('step1_result').equals(await file(res.body.job_id as string, 'step1.png'))).toBe(true);
    expect(embedded('final_result').equals(await file(res.body.job_id as string, 'final.png'))).toBe(true);
  });

  it('leaves out and reports characters no installed font has, instead of drawing boxes', { skip: FS_ONLY }, async () => {
    const { id, canvases } = await run({ text_content: '특가 \u{E000} 20,000원 \u{10FFFD}', seed: 2 });
    expect(canvases[0].text!.missing_characters.sort()).toEqual(['\u{10FFFD}', '\u{E000}']);
    const html = (await t.http.get(`/jobs/${id}/artifacts/text.html`).expect(200)).text;
    expect(html).toContain('20,000원');
    expect(html).not.toMatch(/\u{E000}|\u{10FFFD}/u);
  });

  it('lists fonts with their scripts and draws a preview with the real renderer', { skip: FS_ONLY }, async () => {
    const fonts = await t.http.get('/fonts?script=Hangul').expect(200);
    const nanum = (fonts.body.items as Array<{ family: string; scripts: string[]; preview_url: string }>).find((f) => f.family === 'NanumGothic');
    expect(nanum?.scripts).toEqual(expect.arrayContaining(['Hangul', 'Latin']));
    expect(fonts.body.default_family).toBe('NanumGothic');
    const preview = await t.http.get(nanum!.preview_url).expect(200).expect('Content-Type', /png/);
    const alpha = await sharp(preview.body as Buffer).ensureAlpha().extractChannel(3).raw().toBuffer();
    expect(alpha.some((a) => a > 0)).toBe(true);
    expect((await t.http.get('/fonts/NoSuchFont/preview.png').expect(404)).body.error.code).toBe('NOT_FOUND');
    expect((await t.http.get('/fonts?script=Klingon').expect(400)).body.error.code).toBe('INVALID_PARAMETER');
    const health = await t.http.get('/health').expect(200);
    expect(health.body.fonts).toMatchObject({ hangul: true });
  });

  it('refuses an unknown font, naming the choices, and placements with start_step 2', { skip: FS_ONLY }, async () => {
    const bad = await t.http.post('/generate').send({ product_image: dataUrl(photo), text_content: COPY, font_name: 'Comic Sans Deluxe' }).expect(400);
    expect(bad.body.error.code).toBe('INVALID_PARAMETER');
    expect(JSON.stringify(bad.body.error)).toMatch(/NanumGothic|Nanum Gothic/);
    const both = await t.http.post('/generate').send({ start_step: 2, step1_image: dataUrl(photo), placements: ['1:1'] }).expect(400);
    expect(both.body.error.code).toBe('INVALID_PARAMETER');
  });
});

describe('Stage 2 under a render timeout', { skip: FS_ONLY }, () => {
  let t: TestApp;
  before(async () => {
    t = await startTestApp({ RENDER_TIMEOUT_MS: 1 });
  });
  after(() => t?.close());

  it('ends the job with RENDER_TIMEOUT instead of hanging', async () => {
    const res = await t.http.post('/generate').send({ product_image: dataUrl(samplePhoto()), text_content: COPY }).expect(202);
    const done = await waitForJob(t.http, res.body.job_id as string, 120_000);
    expect(done).toMatchObject({ status: 'error', error: { code: 'RENDER_TIMEOUT' } });
  });
});
