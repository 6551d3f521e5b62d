import { after, before, describe, it } from 'node:test';
import { expect } from 'expect';
import sharp from 'sharp';
import { startLayeredServer } from './helpers/layered-server';
import { defaultChat, startOpenAiServer } from './helpers/openai-server';
import { makePoster, type Poster } from './helpers/poster-generator';
import { dataUrl, startTestApp, type TestApp, waitForJob } from './helpers/test-app';

interface Meta {
  recomposition_exact: boolean;
  engines: Record<string, string>;
  layers: Array<{ kind: string; text: string | null; description: string | null; name: string }>;
  metrics: { providers: { totals: Record<string, { calls: number; images: number }>; estimated_cost_usd?: number } };
}

const squash = (s: string | null) => (s ?? '').replace(/\s+/g, '');

describe('poster decomposition by a Qwen-Image-Layered server (LAYERED_API_BASE_URL), described by the vision provider', () => {
  let t: TestApp;
  let layered: Awaited<ReturnType<typeof startLayeredServer>>;
  let openai: Awaited<ReturnType<typeof startOpenAiServer>>;
  let poster: Poster;
  /** The poster's true layers as a 640 px model would answer them. */
  let truth: Buffer[];
  before(async () => {
    [layered, openai, poster] = await Promise.all([startLayeredServer(), startOpenAiServer(), makePoster(2)]);
    truth = await Promise.all(poster.layers.map((l) => sharp(l.rgba, { raw: { width: 1024, height: 1024, channels: 4 } }).resize(640, 640).png().toBuffer()));
    t = await startTestApp({
      LAYERED_API_BASE_URL: layered.url,
      LAYERED_API_KEY: 'fal-key-0123456789',
      VISION_API_BASE_URL: openai.url,
      VISION_MODEL: 'gpt-4.1-mini',
      PRICE_PER_IMAGE_USD: 0.05,
    });
  });
  after(async () => {
    await t?.close();
    await Promise.all([layered?.close(), openai?.close()]);
  });

  const decompose = async (body: Record<string, unknown>) => {
    const made = await t.http.post('/api/decompose').send({ image: dataUrl(poster.png), ...body }).expect(202);
    const done = await waitForJob(t.http, made.body.job_id, 180_000);
    expect(done.status).toBe('completed');
    return done.result as unknown as Meta;
  };

  it('sends the hosted request shape, drops the leading composite, restacks exactly, reads the text and describes each layer', async () => {
    const composite = await sharp(poster.png).resize(640, 640).png().toBuffer();
    layered.answer({ images: [composite, ...truth], as: 'mixed' });
    const chatsBefore = openai.requests.length;
    const meta = await decompose({ num_layers: 10, seed: 7 });

    const sent = layered.requests.at(-1)!;
    expect(sent.headers.authorization).toBe('Key fal-key-0123456789');
    expect(sent.body).toMatchObject({ num_layers: 10, num_inference_steps: 28, guidance_scale: 5, seed: 7, output_format: 'png' });
    const image = Buffer.from(String(sent.body.image_url).replace(/^data:image\/png;base64,/, ''), 'base64');
    expect(await sharp(image).metadata()).toMatchObject({ format: 'png', width: 1024, height: 1024 });

    expect(meta.layers.map((l) => l.kind)).toEqual(poster.layers.map((l) => l.kind));
    expect(meta.layers.filter((l) => l.kind === 'text').map((l) => squash(l.text))).toEqual(poster.layers.filter((l) => l.kind === 'text').map((l) => squash(l.text!)));
    expect(meta.recomposition_exact).toBe(true);
    expect(meta.engines.layers).toContain('its leading composite dropped');
    expect(meta.engines.descriptions).toBe('vision: gpt-4.1-mini');
    expect(meta.layers.map((l) => l.description)).toEqual(meta.layers.map((l) => `설명: ${l.kind} 레이어`));
    expect(openai.requests.length - chatsBefore).toBe(meta.layers.length);
    expect(meta.metrics.providers.totals.layered).toMatchObject({ calls: 1, images: 1 });
    expect(meta.metrics.providers.totals.vision.calls).toBe(meta.layers.length);
    expect(meta.metrics.providers.estimated_cost_usd).toBeCloseTo(0.05, 6);
  });

  it('takes layers front to back with no composite, as links', async () => {
    layered.answer({ images: [...truth].reverse(), as: 'link' });
    const meta = await decompose({ num_layers: 10, describe: false });
    expect(meta.engines.layers).toContain('its order reversed to back-to-front');
    expect(meta.layers.map((l) => l.kind)).toEqual(poster.layers.map((l) => l.kind));
    expect(meta.recomposition_exact).toBe(true);
    expect(meta.layers.every((l) => l.description === null)).toBe(true);
    expect(meta.engines.descriptions).toBeUndefined();
  });

  it('falls back to the embedded decomposer, and says why, when the server fails or its layers are not the poster', async () => {
    const noise = await Promise.all(
      [1, 2].map((k) => sharp(Buffer.from(Array.from({ length: 64 * 64 * 4 }, (_, i) => (i * 37 * k) % 256)), { raw: { width: 64, height: 64, channels: 4 } }).png().toBuffer()),
    );
    // The fallback's plumbing is what is tested here: the embedded decomposer runs on a small copy.
    const small = dataUrl(await sharp(poster.png).resize(384, 384).png().toBuffer());
    const cases: Array<[Parameters<typeof layered.answer>[0], string]> = [
      [{ status: 500, body: { detail: 'CUDA out of memory' } }, 'failed (500): CUDA out of memory'],
      [{ status: 401, body: { detail: 'Invalid key' } }, 'failed (401): Invalid key'],
      [{ images: noise }, 'dB of the poster'],
      [{ raw: '<html>502 Bad Gateway</html>' }, 'something other than JSON'],
      [{ status: 200, body: { images: [{ url: 'file:///etc/passwd' }] } }, 'neither a data URI nor an http(s) link'],
    ];
    for (const [answer, why] of cases) {
      layered.answer(answer);
      const meta = await decompose({ image: small, num_layers: 5, describe: false });
      expect(meta.engines.fallback).toContain(why);
      expect(meta.engines.layers).toBeUndefined();
      expect(meta.recomposition_exact).toBe(true);
      expect(meta.metrics.providers.totals.layered.calls).toBe(1);
    }
  });

  it("cleans a hostile description: markup, control characters and length", async () => {
    openai.answerChat(() => JSON.stringify({ description: `<script>alert(1)</script>\u0007 빨간 배지 ${'길다 '.repeat(120)}` }));
    try {
      layered.answer({ images: truth, as: 'data' });
      const meta = await decompose({ num_layers: 3 });
      for (const l of meta.layers) {
        // eslint-disable-next-line no-control-regex
        expect(l.description).not.toMatch(/[<>\u0000-\u001f]/);
        expect(l.description!.length).toBeLessThanOrEqual(200);
        expect(l.description).toContain('빨간 배지');
      }
    } finally {
      openai.answerChat(defaultChat);
    }
  });
});
