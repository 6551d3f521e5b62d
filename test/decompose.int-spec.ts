import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { expect } from 'expect';
import { initializeCanvas, readPsd } from 'ag-psd';
import { unzipSync } from 'fflate';
import sharp from 'sharp';
import { hexOf } from '../src/vision/color-math';
import type { TextTypography } from '../src/layers/typography';
import { DesignRenderer } from './helpers/design-poster';
import { makePoster, type Poster } from './helpers/poster-generator';
import { followStatusSocket } from './helpers/status-socket';
import { dataUrl, samplePhoto, startTestApp, type TestApp, waitForJob } from './helpers/test-app';

// ag-psd reads pixels into ImageData; Node has none, so a plain stand-in.
initializeCanvas(
  () => {
    throw new Error('no canvas in Node');
  },
  (width: number, height: number) => ({ width, height, data: new Uint8ClampedArray(width * height * 4), colorSpace: 'srgb' }) as never,
);

interface LayerMeta {
  index: number;
  file: string;
  name: string;
  kind: string;
  box: { x: number; y: number; width: number; height: number };
  text: string | null;
  typography: TextTypography | null;
  description: string | null;
  colors: string[];
}
interface Metadata {
  width: number;
  height: number;
  num_layers: number;
  num_layers_requested: number | 'auto';
  recomposition_psnr_db: number | null;
  recomposition_exact: boolean;
  layers: LayerMeta[];
}

const squash = (s: string) => s.replace(/\s+/g, '');

/** Straight-alpha layers stacked with "over", to RGB. */
async function restack(pngs: Buffer[], width: number, height: number): Promise<Buffer> {
  let acc = sharp({ create: { width, height, channels: 4, background: { r: 0, g: 0, b: 0, alpha: 0 } } }).png();
  acc = sharp(await acc.composite(pngs.map((input) => ({ input }))).png().toBuffer());
  return acc.removeAlpha().raw().toBuffer();
}

function psnr(a: Buffer, b: Buffer): number {
  let se = 0;
  for (let i = 0; i < a.length; i++) se += (a[i] - b[i]) ** 2;
  return se === 0 ? Infinity : 10 * Math.log10((255 * 255 * a.length) / se);
}

/** Soft IoU of two full-canvas alpha planes (RGBA buffers). */
function alphaIou(a: Buffer, b: Buffer): number {
  let inter = 0;
  let uni = 0;
  for (let i = 3; i < a.length; i += 4) {
    inter += Math.min(a[i], b[i]);
    uni += Math.max(a[i], b[i]);
  }
  return uni === 0 ? 1 : inter / uni;
}

describe('poster decomposition (POST /api/decompose), embedded: PP-OCRv4 + Tesseract, ISNet, shapes, inpainting', () => {
  let t: TestApp;
  let poster: Poster;
  const browser = new DesignRenderer();
  const renderPage = async (html: string, width: number, height: number) =>
    sharp(await browser.screenshot(html, width, height), { raw: { width, height, channels: 4 } }).flatten({ background: '#ffffff' }).raw().toBuffer();
  before(async () => {
    t = await startTestApp({ DECOMPOSE_MAX_FILE_MB: 2 });
    poster = await makePoster(2);
  });
  after(async () => {
    await browser.close();
    await t?.close();
  });

  const decompose = async (req: ReturnType<TestApp['http']['post']>) => {
    const made = await req.expect(202);
    const done = await waitForJob(t.http, made.body.job_id, 180_000);
    expect(done.status).toBe('completed');
    return { id: made.body.job_id as string, meta: done.result as unknown as Metadata };
  };

  it('splits a generated poster into layers that restack to it, reads its Korean and Latin text, and finds its product', async () => {
    const { id, meta } = await decompose(t.http.post('/api/decompose').attach('image', poster.png, 'poster.png').field('num_layers', '10'));
    const truthTexts = poster.layers.filter((l) => l.kind === 'text');
    const texts = meta.layers.filter((l) => l.kind === 'text');
    expect(texts.map((l) => squash(l.text ?? ''))).toEqual(truthTexts.map((l) => squash(l.text!)));
    expect(texts[0].description).toBe(`텍스트: ${texts[0].text}`);
    expect(meta.layers[0]).toMatchObject({ index: 0, file: 'layer_00.png', kind: 'background' });
    expect(meta.layers.map((l) => l.kind)).toEqual(expect.arrayContaining(['shape', 'object']));
    expect(meta.recomposition_exact || (meta.recomposition_psnr_db ?? 0) >= 40).toBe(true);

    // Each true text layer is matched by a found one (soft alpha IoU), and the product likewise.
    const files = unzipSync(new Uint8Array((await t.http.get(`/api/download/${id}`).responseType('blob').expect(200)).body as Buffer));
    const layerPngs = meta.layers.map((l) => Buffer.from(files[l.file]));
    const found = await Promise.all(layerPngs.map((png) => sharp(png).ensureAlpha().raw().toBuffer()));
    for (const truth of poster.layers.filter((l) => l.kind === 'text' || l.kind === 'object')) {
      const best = Math.max(...found.slice(1).map((f) => alphaIou(truth.rgba, f)));
      assert.ok(best >= (truth.kind === 'text' ? 0.6 : 0.75), `${truth.name}: best soft alpha IoU ${best.toFixed(3)}`);
    }
    // The ZIP's files stack back to the upload.
    const flat = await sharp(poster.png).removeAlpha().raw().toBuffer();
    expect(psnr(await restack(layerPngs, poster.width, poster.height), flat)).toBeGreaterThanOrEqual(40);
    expect(Object.keys(files).sort()).toEqual([...meta.layers.map((l) => l.file), 'layers.html', 'metadata.json', 'preview.jpg'].sort());
    // metadata.json is the job's result less its metrics (provider calls, cost).
    const { metrics, ...described } = meta as Metadata & { metrics: unknown };
    expect(metrics).toEqual({ providers: { calls: [], totals: {} } });
    expect(JSON.parse(Buffer.from(files['metadata.json']).toString('utf8'))).toEqual(described);
    expect((await sharp(Buffer.from(files['preview.jpg'])).metadata()).format).toBe('jpeg');

    // The PSD reads back with a named layer of the right size at the right place for each.
    const psdRes = await t.http.get(`/api/download/${id}?format=psd`).responseType('blob').expect(200);
    expect(psdRes.headers['content-disposition']).toContain('.psd');
    const psd = readPsd(psdRes.body as Buffer, { useImageData: true });
    expect([psd.width, psd.height]).toEqual([poster.width, poster.height]);
    expect(psd.children?.map((c) => c.name)).toEqual(meta.layers.map((l) => l.name));
    psd.children!.forEach((c, i) => expect([c.left, c.top, c.imageData?.width, c.imageData?.height]).toEqual([meta.layers[i].box.x, meta.layers[i].box.y, meta.layers[i].box.width, meta.layers[i].box.height]));
    const typeLayers = psd.children!.filter((c) => c.text);
    expect(typeLayers.map((c) => c.text!.text.replace(/\r/g, '\n'))).toEqual(texts.map((l) => l.text));
    // Live text: each text layer's typography, and the PSD's type carries its font, size and colour.
    for (const [i, layer] of texts.entries()) {
      const type = layer.typography!;
      expect(type).toMatchObject({ family: expect.stringMatching(/^Nanum/), weight: expect.any(Number), color: expect.stringMatching(/^#[0-9a-f]{6}$/), align: expect.stringMatching(/^(left|center|right)$/) });
      const truth = truthTexts[i];
      expect(Math.abs(type.size_px - truth.fontPx!) / truth.fontPx!).toBeLessThan(0.15);
      const style = typeLayers[i].text!.style!;
      expect(style.font?.name).toBe(`${type.family}${type.weight >= 700 ? 'Bold' : ''}`);
      expect(style.fontSize).toBeCloseTo(type.size_px, 1);
      const fill = style.fillColor as { r: number; g: number; b: number };
      expect(hexOf([fill.r, fill.g, fill.b].map(Math.round))).toBe(type.color);
    }

    // The HTML export: the poster as a page with the text as live text, drawn by Chromium close to it.
    const htmlRes = await t.http.get(`/api/download/${id}?format=html`).expect(200);
    expect(htmlRes.headers['content-type']).toMatch(/^text\/html/);
    for (const layer of texts) expect(htmlRes.text).toContain(`>${layer.text}</div>`);
    const page = await renderPage(htmlRes.text, poster.width, poster.height);
    expect(psnr(page, flat)).toBeGreaterThanOrEqual(20);
  });

  it('merges down to num_layers (JSON with a data URL), and a blank or 1x1 image is one background layer', async () => {
    const { meta } = await decompose(t.http.post('/api/decompose').send({ image: dataUrl(poster.png), num_layers: 2, describe: false }));
    expect(meta).toMatchObject({ num_layers_requested: 2, num_layers: 2 });
    expect(meta.layers.map((l) => l.description)).toEqual([null, null]);
    expect(meta.recomposition_exact || (meta.recomposition_psnr_db ?? 0) >= 40).toBe(true);

    for (const size of [1, 300]) {
      const blank = await sharp({ create: { width: size, height: size, channels: 3, background: '#f0e6d2' } }).png().toBuffer();
      const one = await decompose(t.http.post('/api/decompose').attach('image', blank, 'blank.png').field('num_layers', ' Auto '));
      expect(one.meta.layers.map((l) => l.kind)).toEqual(['background']);
      expect(one.meta.num_layers_requested).toBe('auto');
      expect(one.meta.recomposition_exact).toBe(true);
    }
  });

  it('takes an animated WebP (its first frame, said in the metadata), a CMYK JPEG, a 16-bit PNG and a long banner; refuses one over the pixel limit', async () => {
    const frame = (color: string) => sharp({ create: { width: 320, height: 240, channels: 3, background: color } }).png().toBuffer();
    const animated = await sharp([await frame('#d04030'), await frame('#3050d0')], { join: { animated: true } }).webp({ loop: 0 }).toBuffer();
    expect((await sharp(animated).metadata()).pages).toBe(2);
    const first = await decompose(t.http.post('/api/decompose').attach('image', animated, 'anim.webp').field('describe', 'false'));
    expect(first.meta).toMatchObject({ input: { frames: 2, note: expect.stringContaining('first of its 2 frames') } });
    // The first frame's red, not the second's blue, is what came back.
    const flat = unzipSync(new Uint8Array((await t.http.get(`/api/download/${first.id}`).responseType('blob').expect(200)).body as Buffer));
    const { data } = await sharp(Buffer.from(flat['layer_00.png'])).raw().toBuffer({ resolveWithObject: true });
    expect(data[0] > 180 && data[2] < 80).toBe(true);

    const cmyk = await sharp(poster.png).toColourspace('cmyk').jpeg().toBuffer();
    expect((await sharp(cmyk).metadata()).space).toBe('cmyk');
    const deep = await sharp(poster.png).toColourspace('rgb16').png().toBuffer();
    expect((await sharp(deep).metadata()).depth).toBe('ushort');
    for (const [bytes, name] of [[cmyk, 'cmyk.jpg'], [deep, 'deep.png']] as const) {
      const { meta } = await decompose(t.http.post('/api/decompose').attach('image', bytes, name).field('describe', 'false'));
      expect({ name, texts: meta.layers.filter((l) => l.kind === 'text').length > 0, exact: meta.recomposition_exact || (meta.recomposition_psnr_db ?? 0) >= 40 }).toEqual({ name, texts: true, exact: true });
    }
    const banner = await sharp({ create: { width: 10000, height: 200, channels: 3, background: '#f2e8d5' } }).png().toBuffer();
    const long = await decompose(t.http.post('/api/decompose').attach('image', banner, 'banner.png').field('describe', 'false'));
    expect(long.meta.layers.map((l) => l.kind)).toEqual(['background']);
    const huge = await sharp({ create: { width: 10000, height: 6000, channels: 3, background: '#f2e8d5' } }).png().toBuffer();
    expect((await t.http.post('/api/decompose').attach('image', huge, 'huge.png').expect(400)).body.error).toMatchObject({ code: 'IMAGE_TOO_LARGE', message: expect.stringContaining('MAX_IMAGE_PIXELS') });
  });

  it('refuses bad input with the envelope code and a download before the end with 409; follows the job over its WebSocket', async () => {
    const post = () => t.http.post('/api/decompose');
    expect((await post().attach('image', Buffer.from('not an image at all'), 'x.png').expect(400)).body.error.code).toBe('INVALID_IMAGE');
    const gif = await sharp({ create: { width: 32, height: 32, channels: 3, background: '#000' } }).gif().toBuffer();
    expect((await post().attach('image', gif, 'x.gif').expect(400)).body.error).toMatchObject({ code: 'INVALID_IMAGE', message: expect.stringContaining('JPEG, PNG or WebP') });
    const noise = await sharp(Buffer.from(Array.from({ length: 1200 * 1200 * 3 }, (_, i) => (i * 7919) % 251)), { raw: { width: 1200, height: 1200, channels: 3 } }).png({ compressionLevel: 0 }).toBuffer();
    expect(noise.length).toBeGreaterThan(2 * 2 ** 20);
    expect((await post().attach('image', noise, 'big.png').expect(413)).body.error).toMatchObject({ code: 'PAYLOAD_TOO_LARGE', message: expect.stringContaining('DECOMPOSE_MAX_FILE_MB') });
    for (const n of ['0', '21', 'five', '2.5', 'automatic']) {
      expect((await post().attach('image', poster.png, 'p.png').field('num_layers', n).expect(400)).body.error.code).toBe('INVALID_PARAMETER');
    }
    expect((await post().send({}).expect(400)).body.error).toMatchObject({ code: 'INVALID_PARAMETER', details: { field: 'image' } });
    expect((await t.http.get('/api/download/00000000-0000-4000-8000-000000000000').expect(404)).body.error.code).toBe('JOB_NOT_FOUND');

    const made = await post().attach('image', poster.png, 'p.png').expect(202);
    const early = await t.http.get(`/api/download/${made.body.job_id}`).expect(409);
    expect(early.body.error.code).toBe('JOB_NOT_FINISHED');
    // The seed's WebSocket progress: status events, then done with the result, then a normal close.
    const followed = await followStatusSocket(t.url, made.body.job_id);
    assert.ok(followed.kind === 'messages');
    expect(followed.code).toBe(1000);
    expect(followed.messages.at(-1)).toMatchObject({ event: 'done', data: { status: 'completed', kind: 'decompose', result: { num_layers_requested: 'auto' } } });
    expect(followed.messages.slice(0, -1).every((m) => m.event === 'status' && typeof m.data.progress_percent === 'number')).toBe(true);
    expect(await followStatusSocket(t.url, '00000000-0000-4000-8000-000000000000')).toMatchObject({ kind: 'refused', status: 404, body: { error: { code: 'JOB_NOT_FOUND' } } });
    expect((await waitForJob(t.http, made.body.job_id, 180_000)).status).toBe('completed');
    const status = (await t.http.get(`/api/status/${made.body.job_id}`).expect(200)).body as { kind: string; result: Metadata };
    expect(status.kind).toBe('decompose');
  });

  it("exports an ad's four layers as a PSD and a ZIP", async () => {
    const made = await t.http.post('/generate').send({ product_image: dataUrl(samplePhoto()), text_content: '가을 신메뉴', test_mode: true }).expect(202);
    expect((await t.http.get(`/jobs/${made.body.job_id}/export?format=psd`).expect(409)).body.error.code).toBe('JOB_NOT_FINISHED');
    expect((await waitForJob(t.http, made.body.job_id, 120_000)).status).toBe('completed');
    const psdRes = await t.http.get(`/jobs/${made.body.job_id}/export?format=psd`).responseType('blob').expect(200);
    const psd = readPsd(psdRes.body as Buffer, { useImageData: true });
    expect(psd.children?.map((c) => c.name)).toEqual(['background', 'shadow', 'product', 'text']);
    expect(psd.children?.[1].blendMode).toBe('multiply');
    expect(psd.children?.[3].text?.text).toBe('가을 신메뉴');
    const zip = unzipSync(new Uint8Array((await t.http.get(`/jobs/${made.body.job_id}/export?format=zip`).responseType('blob').expect(200)).body as Buffer));
    expect(Object.keys(zip).sort()).toEqual(['background.png', 'layers.json', 'product.png', 'shadow.png', 'text.html', 'text.png']);
    expect((await t.http.get(`/jobs/${made.body.job_id}/export?format=tar`).expect(400)).body.error.code).toBe('INVALID_PARAMETER');
  });
});
