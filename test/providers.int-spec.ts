import { after, before, describe, it } from 'node:test';
import { expect } from 'expect';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import sharp from 'sharp';
import { startOpenAiServer } from './helpers/openai-server';
import { dataUrl, samplePhoto, startTestApp, type TestApp, waitForJob } from './helpers/test-app';

type Server = Awaited<ReturnType<typeof startOpenAiServer>>;
type Canvas = { background: { provider: string; description: string; fallback?: string }; quality?: { productFidelity?: { unchanged?: boolean } } };

describe('image provider: OpenAI gpt-image-1 over real HTTP', () => {
  let api: Server;
  let t: TestApp;
  before(async () => {
    api = await startOpenAiServer();
    t = await startTestApp({ IMAGE_API_BASE_URL: api.url, IMAGE_API_KEY: 'sk-test-0123', IMAGE_MODEL: 'gpt-image-1', PROVIDER_MAX_RETRIES: 2, PRICE_PER_IMAGE_USD: 0.04 });
  });
  after(async () => {
    await t?.close();
    await api?.close();
  });

  it('paints an empty scene (background_mode generate), keeps the product exact, and sends the request shape gpt-image-1 takes', async () => {
    const made = await t.http
      .post('/generate')
      .send({ product_image: dataUrl(samplePhoto()), bg_prompt: 'warm wooden cafe table', text_content: '가을 신메뉴', aspect_ratio: '4:5', background_mode: 'generate' })
      .expect(202);
    const done = await waitForJob(t.http, made.body.job_id, 120_000);
    expect(done.status).toBe('completed');
    const canvas = (done.result as { canvases: Canvas[] }).canvases[0];
    expect(canvas.background.provider).toBe('openai:gpt-image-1');
    expect(canvas.background.description).toContain('warm wooden cafe table');
    expect(canvas.quality?.productFidelity?.unchanged).toBe(true);
    const metrics = (done.result as { metrics: { providers: { calls: Array<Record<string, unknown>>; totals: Record<string, unknown>; estimated_cost_usd: number } } }).metrics.providers;
    expect(metrics.calls).toEqual([{ role: 'image', model: 'gpt-image-1', ms: expect.any(Number), ok: true, input_tokens: 0, output_tokens: 0, images: 1 }]);
    expect(metrics.totals.image).toMatchObject({ calls: 1, images: 1, failures: 0 });
    expect(metrics.estimated_cost_usd).toBe(0.04);

    expect(api.requests).toHaveLength(1);
    const [request] = api.requests;
    expect(request.path).toBe('/v1/images/generations');
    expect(request.headers.authorization).toBe('Bearer sk-test-0123');
    expect(request.body).toMatchObject({ model: 'gpt-image-1', n: 1, size: '1024x1536' });
    // GPT image models answer b64_json only and reject response_format; FLUX fields are not theirs.
    for (const field of ['response_format', 'seed', 'guidance_scale', 'negative_prompt']) expect(request.body).not.toHaveProperty(field);

    // The background file is the model's scene, scaled to cover the 4:5 canvas.
    const background = await t.http.get(`/jobs/${made.body.job_id}/artifacts/background.png`).expect(200);
    expect(await sharp(background.body as Buffer).metadata()).toMatchObject({ width: 1080, height: 1350 });

    const health = (await t.http.get('/health').expect(200)).body as { providers: Array<{ role: string; configured: boolean; model: string | null }> };
    expect(health.providers.find((p) => p.role === 'image')).toMatchObject({ configured: true, model: 'gpt-image-1' });
    expect(health.providers.find((p) => p.role === 'llm')).toMatchObject({ configured: false });
  });

  it('stands the product on the floor the model painted, and lets the scene\'s light cast its shadow', async () => {
    api.paintFloorAt(0.9);
    // Seen at eye level, the product stands on the painted floor and casts its shadow along it
    // (the sample, shot from above, would get a flat lay's shadow right under it).
    const body = { product_image: dataUrl(samplePhoto()), stop_step: 1, background_mode: 'generate', text_position: 'top', view: 'eye-level' };
    const done = await waitForJob(t.http, (await t.http.post('/generate').send(body).expect(202)).body.job_id, 120_000);
    api.paintFloorAt(0.68);
    expect(done.status).toBe('completed');
    const canvas = (done.result as { canvases: Array<Canvas & { product_box: { x: number; y: number; width: number; height: number } }> }).canvases[0];
    const scene = (canvas.background as { scene?: { keyLight: { x: number; y: number }; floorLine: number; productMovedPx: number } }).scene!;
    // The test server paints the floor from 90% down and a light disc at (80%, 20%) of 1024 x 1024.
    expect(Math.abs(scene.floorLine - 922)).toBeLessThanOrEqual(12);
    expect(scene.productMovedPx).toBeGreaterThan(0);
    expect(canvas.product_box.y + canvas.product_box.height).toBeGreaterThan(scene.floorLine);
    expect(Math.abs(scene.keyLight.x - 819)).toBeLessThanOrEqual(30);
    expect(Math.abs(scene.keyLight.y - 205)).toBeLessThanOrEqual(30);
    // Light from the upper right: the cast shadow lies mostly left of the product's centre.
    const shadow = (await t.http.get(`/jobs/${done.job_id}/artifacts/shadow.png`).expect(200)).body as Buffer;
    const { data, info } = await sharp(shadow).ensureAlpha().extractChannel(3).raw().toBuffer({ resolveWithObject: true });
    const centre = canvas.product_box.x + canvas.product_box.width / 2;
    let left = 0;
    let right = 0;
    for (let y = 0; y < info.height; y++) {
      for (let x = 0; x < info.width; x++) {
        if (x < centre) left += data[y * info.width + x];
        else right += data[y * info.width + x];
      }
    }
    expect(left).toBeGreaterThan(right * 1.2);
  });

  it('paints around the placed product by default (edit): an RGBA mask whose alpha 0 marks what to paint', async () => {
    const from = api.requests.length;
    const done = await waitForJob(t.http, (await t.http.post('/generate').send({ product_image: dataUrl(samplePhoto()), stop_step: 1, aspect_ratio: '4:5' }).expect(202)).body.job_id, 120_000);
    expect(done.status).toBe('completed');
    expect((done.result as { canvases: Canvas[] }).canvases[0].background).toMatchObject({ provider: 'openai:gpt-image-1', mode: 'edit' });
    const [edit] = api.requests.slice(from);
    expect(edit.path).toBe('/v1/images/edits');
    expect(edit.body).toMatchObject({ model: 'gpt-image-1', size: '1024x1536' });
    expect(edit.body).not.toHaveProperty('response_format');
    const image = edit.files.find((f) => f.field === 'image')!;
    const mask = edit.files.find((f) => f.field === 'mask')!;
    expect([image.width, image.height, mask.width, mask.height]).toEqual([1024, 1536, 1024, 1536]);
    const alpha = await sharp(mask.data).ensureAlpha().extractChannel(3).raw().toBuffer();
    const kept = alpha.filter((a) => a === 255).length / alpha.length;
    expect(alpha[0]).toBe(0); // a corner: painted
    expect(kept).toBeGreaterThan(0.05); // the product: kept
    expect(kept).toBeLessThan(0.6);
  });

  it('retries a 429 after its Retry-After, and falls back to the studio backdrop when the provider keeps failing', async () => {
    const before = api.requests.length;
    api.fail('/v1/images/generations', { status: 429, retryAfter: 1, error: { message: 'slow down', type: 'rate_limit' } });
    const generate = { product_image: dataUrl(samplePhoto()), stop_step: 1, background_mode: 'generate' };
    const retried = await waitForJob(t.http, (await t.http.post('/generate').send(generate).expect(202)).body.job_id, 120_000);
    expect(retried.status).toBe('completed');
    expect(api.requests.length - before).toBe(2);
    expect((retried.result as { canvases: Canvas[] }).canvases[0].background.provider).toBe('openai:gpt-image-1');

    api.fail('/v1/images/generations', { status: 500 }, { status: 500 }, { status: 500 });
    const fell = await waitForJob(t.http, (await t.http.post('/generate').send(generate).expect(202)).body.job_id, 120_000);
    expect(fell.status).toBe('completed');
    const background = (fell.result as { canvases: Canvas[] }).canvases[0].background;
    expect(background.provider).toBe('studio');
    expect(background.fallback).toMatch(/^PROVIDER_ERROR: the image provider \(gpt-image-1 at http:\/\/127\.0\.0\.1:\d+\/v1\) failed \(500\)/);
    const system = (await t.http.get('/system').expect(200)).body as { providers: Array<{ role: string; failures: number; last_error: { code: string } | null }> };
    expect(system.providers.find((p) => p.role === 'image')).toMatchObject({ failures: 1, last_error: { code: 'PROVIDER_ERROR' } });
  });

  it('takes background_mode from MCP agents too', async () => {
    const client = new Client({ name: 'providers-test', version: '1.0.0' });
    await client.connect(new StreamableHTTPClientTransport(new URL('/mcp', t.url)));
    const from = api.requests.length;
    const result = await client.callTool({
      name: 'generate_ad_image',
      arguments: { product_image: dataUrl(samplePhoto()), background_mode: 'generate', use_qwen_analysis: false, wait: true, timeout_seconds: 120 },
    });
    await client.close();
    expect((result.structuredContent as { status: string }).status).toBe('completed');
    expect(api.requests.slice(from).map((r) => r.path)).toEqual(['/v1/images/generations']);
  });

  it('offers the configured models on the admin form, and passes the choice to the job', async () => {
    const form = await t.http.get('/admin/new?lang=en').expect(200);
    expect(form.text).toContain('name="background_mode"');
    expect(form.text).toContain('(gpt-image-1)');
    expect(form.text).not.toContain('name="use_qwen_analysis"'); // no vision model here
    const from = api.requests.length;
    const made = await t.http.post('/admin/new').field('background_mode', 'generate').attach('product_image', samplePhoto(), 'cup.png').expect(303);
    const jobId = String(made.headers.location).split('/').pop()!;
    expect((await waitForJob(t.http, jobId, 120_000)).status).toBe('completed');
    expect(api.requests.slice(from).map((r) => r.path)).toEqual(['/v1/images/generations']);

    // Switched off for one job: the studio backdrop, no call to the image model.
    expect(form.text).toContain('value="studio"');
    const studio = await t.http.post('/admin/new').field('background_mode', 'studio').attach('product_image', samplePhoto(), 'cup.png').expect(303);
    const studioJob = await waitForJob(t.http, String(studio.headers.location).split('/').pop()!, 120_000);
    expect((studioJob.result as { canvases: Canvas[] }).canvases[0].background.provider).toBe('studio');
    expect(api.requests.length).toBe(from + 1);
  });

  it('closes the provider request within a second when the job is stopped', async () => {
    api.fail('/v1/images/edits', 'hang');
    const from = api.requests.length;
    const id = (await t.http.post('/generate').send({ product_image: dataUrl(samplePhoto()), stop_step: 1 }).expect(202)).body.job_id as string;
    const deadline = Date.now() + 60_000;
    while (api.requests.length === from) {
      if (Date.now() > deadline) throw new Error('the provider was never called');
      await new Promise((r) => setTimeout(r, 20));
    }
    const hanging = api.requests[from];
    const stoppedAt = Date.now();
    await t.http.post(`/stop/${id}`).expect(200);
    while (!hanging.closedEarly) {
      if (Date.now() - stoppedAt > 1000) throw new Error('the provider request was still open a second after the stop');
      await new Promise((r) => setTimeout(r, 20));
    }
    expect((await waitForJob(t.http, id, 10_000)).status).toBe('stopped');
  });
});

describe('provider faults with PROVIDER_FALLBACK=fail', () => {
  let api: Server;
  let t: TestApp;
  before(async () => {
    api = await startOpenAiServer();
    t = await startTestApp({
      IMAGE_API_BASE_URL: api.url,
      IMAGE_MODEL: 'gpt-image-1',
      PROVIDER_FALLBACK: 'fail',
      PROVIDER_MAX_RETRIES: 0,
      IMAGE_API_TIMEOUT_MS: 1000,
    });
  });
  after(async () => {
    await t?.close();
    await api?.close();
  });

  const run = async () =>
    waitForJob(t.http, (await t.http.post('/generate').send({ product_image: dataUrl(samplePhoto()), stop_step: 1 }).expect(202)).body.job_id, 60_000);

  it('fails the job with the code of each fault: refused key, moderation, no answer', async () => {
    api.fail('/v1/images/edits', { status: 401, error: { message: 'Incorrect API key provided', type: 'invalid_request_error', code: 'invalid_api_key' } });
    expect(await run()).toMatchObject({ status: 'error', error: { code: 'PROVIDER_UNAUTHORIZED' } });
    const health = (await t.http.get('/health').expect(200)).body as { warnings: string[] };
    expect(health.warnings.join(' ')).toMatch(/The image provider refuses its key/);

    api.fail('/v1/images/edits', { status: 400, error: { message: 'Your request was rejected by the safety system', type: 'image_generation_user_error', code: 'moderation_blocked' } });
    expect(await run()).toMatchObject({ status: 'error', error: { code: 'PROVIDER_REFUSED' } });

    api.fail('/v1/images/edits', 'hang');
    const timedOut = await run();
    expect(timedOut).toMatchObject({ status: 'error', error: { code: 'PROVIDER_TIMEOUT' } });
    expect(String(timedOut.error_message)).toMatch(/did not answer within 1000 ms/);
  });
});

describe('prompt writer: an LLM turns a short Korean idea into the image prompt', () => {
  let api: Server;
  let t: TestApp;
  before(async () => {
    api = await startOpenAiServer();
    // One OpenAI-compatible server for both roles, as OPENAI_BASE_URL gives.
    t = await startTestApp({ OPENAI_BASE_URL: api.url, OPENAI_API_KEY: 'sk-both', IMAGE_MODEL: 'gpt-image-1', LLM_MODEL: 'gpt-5-mini' });
  });
  after(async () => {
    await t?.close();
    await api?.close();
  });

  it('sends the idea and the things to avoid to the LLM, then its prompt to the image model', async () => {
    const body = { product_image: dataUrl(samplePhoto()), stop_step: 1, bg_prompt: '명절 느낌의 빨간색과 금색', negative_prompt: 'snow' };
    const done = await waitForJob(t.http, (await t.http.post('/generate').send(body).expect(202)).body.job_id, 120_000);
    expect(done.status).toBe('completed');
    const [chat, image] = api.requests; // the chat first, then the edit around the product
    expect(chat.path).toBe('/v1/chat/completions');
    expect(chat.body).toMatchObject({ model: 'gpt-5-mini', response_format: { type: 'json_schema', json_schema: { name: 'image_prompt' } } });
    const user = (chat.body.messages as Array<{ role: string; content: string }>).find((m) => m.role === 'user')!.content;
    expect(user).toContain('명절 느낌의 빨간색과 금색');
    expect(user).toContain('Avoid: snow');
    expect(String(image.body.prompt)).toMatch(/^Photorealistic empty scene for a product photo \(Idea: 명절 느낌의 빨간색과 금색\)/);
    const background = (done.result as { canvases: Array<{ background: Record<string, string> }> }).canvases[0].background;
    expect(background).toMatchObject({ provider: 'openai:gpt-image-1', promptWriter: 'llm:gpt-5-mini', description: image.body.prompt });
    const totals = (done.result as { metrics: { providers: { totals: Record<string, unknown> } } }).metrics.providers.totals;
    expect(totals).toMatchObject({ llm: { calls: 1, input_tokens: 120, output_tokens: 60 }, image: { calls: 1, images: 1 } });
  });

  it('uses the template when the LLM answers outside the schema, and says so', async () => {
    api.answerChat(() => 'Sure! Here is a lovely prompt for you.');
    const from = api.requests.length;
    const done = await waitForJob(t.http, (await t.http.post('/generate').send({ product_image: dataUrl(samplePhoto()), stop_step: 1, bg_prompt: 'marble' }).expect(202)).body.job_id, 120_000);
    expect(done.status).toBe('completed');
    const image = api.requests.slice(from).find((r) => r.path.startsWith('/v1/images/'))!;
    expect(String(image.body.prompt)).toMatch(/^Product photography background: marble\./);
    // The sample cup was shot from above: the image model is told so, in words.
    expect(String(image.body.prompt)).toMatch(/Camera looking down from about \d+ degrees above: a flat lay/);
    const background = (done.result as { canvases: Array<{ background: Record<string, string> }> }).canvases[0].background;
    expect(background.promptWriter).toBe('template');
    expect(background.promptFallback).toMatch(/^PROVIDER_ERROR: the llm provider \(gpt-5-mini at .*\) answered outside the image_prompt schema/);
  });
});

describe('vision analysis: Qwen2.5-VL on vLLM reads the composite, checked against the masks', () => {
  let api: Server;
  let t: TestApp;
  before(async () => {
    api = await startOpenAiServer();
    t = await startTestApp({ VISION_API_BASE_URL: api.url, VISION_MODEL: 'Qwen/Qwen2.5-VL-7B-Instruct', PROVIDER_MAX_RETRIES: 0 });
  });
  after(async () => {
    await t?.close();
    await api?.close();
  });

  const analysisOf = async (jobId: string) =>
    (await t.http.get(`/jobs/${jobId}/artifacts/analysis.json`).expect(200)).body as {
      provider: string;
      candidates: Array<{ position: string }>;
      vision: { used: boolean; accepted?: unknown[]; rejected?: Array<{ why: string }>; notes: string[]; scene?: string };
    };

  it('sends the image as a data URL with a JSON schema, keeps the free region, rejects the one on the product', async () => {
    api.answerChat(() =>
      JSON.stringify({
        scene: 'espresso cup on a studio sweep',
        mood: 'warm, calm',
        dominant_colors: ['#c0392b', '#f5e6d3'],
        free_regions: [
          { x: 0.1, y: 0.08, width: 0.8, height: 0.14 },
          { x: 0.3, y: 0.35, width: 0.4, height: 0.4 },
        ],
        text_position: 'top',
        text_color: '#ffffff',
      }),
    );
    const body = { product_image: dataUrl(samplePhoto()), text_content: '가을 신메뉴' };
    const done = await waitForJob(t.http, (await t.http.post('/generate').send(body).expect(202)).body.job_id, 120_000);
    expect(done.status).toBe('completed');
    const [chat] = api.requests;
    expect(chat.body).toMatchObject({ model: 'Qwen/Qwen2.5-VL-7B-Instruct', response_format: { type: 'json_schema', json_schema: { name: 'scene_analysis' } } });
    const content = (chat.body.messages as Array<{ role: string; content: unknown }>)[1].content as Array<{ type: string; image_url?: { url: string } }>;
    expect(content.find((p) => p.type === 'image_url')?.image_url?.url).toMatch(/^data:image\/jpeg;base64,/);

    const analysis = await analysisOf(done.job_id as string);
    expect(analysis.provider).toBe('vision:Qwen/Qwen2.5-VL-7B-Instruct');
    expect(analysis.vision).toMatchObject({ used: true, scene: 'espresso cup on a studio sweep' });
    expect(analysis.vision.accepted).toHaveLength(1);
    expect(analysis.vision.rejected?.map((r) => r.why)).toEqual([expect.stringMatching(/covers the product/)]);
    expect(analysis.candidates[0].position).toBe('top');
    // White text on a light backdrop does not reach AA: the measured colour stays, and the job says so.
    expect(analysis.vision.notes.join(' ')).toMatch(/#ffffff reaches [\d.]+:1 there, under 4.5; kept the measured choice/);
  });

  it('runs on the embedded analysis alone when the vision model fails, and with use_qwen_analysis false', async () => {
    api.fail('/v1/chat/completions', { status: 500 });
    const failed = await waitForJob(t.http, (await t.http.post('/generate').send({ product_image: dataUrl(samplePhoto()), text_content: '세일' }).expect(202)).body.job_id, 120_000);
    expect(failed.status).toBe('completed');
    const analysis = await analysisOf(failed.job_id as string);
    expect(analysis.provider).toBe('embedded');
    expect(analysis.vision).toMatchObject({ used: false, notes: [expect.stringMatching(/^PROVIDER_ERROR: the vision provider/)] });

    const calls = api.requests.length;
    const off = await waitForJob(t.http, (await t.http.post('/generate').send({ product_image: dataUrl(samplePhoto()), text_content: '세일', use_qwen_analysis: false }).expect(202)).body.job_id, 120_000);
    expect(off.status).toBe('completed');
    expect(api.requests.length).toBe(calls);
    expect((await analysisOf(off.job_id as string)).vision).toBeUndefined();
  });
});

describe('image provider: FLUX.1 on vLLM-Omni and SGLang', () => {
  let api: Server;
  before(async () => {
    api = await startOpenAiServer();
  });
  after(() => api?.close());

  for (const flavor of ['vllm-omni', 'sglang'] as const) {
    it(`sends ${flavor} the canvas size, seed, guidance, negative prompt and steps`, async () => {
      const t = await startTestApp({ IMAGE_API_BASE_URL: api.url, IMAGE_MODEL: 'black-forest-labs/FLUX.1-schnell', IMAGE_API_FLAVOR: flavor, IMAGE_INFERENCE_STEPS: 4, RUNNER_ENABLED: true });
      try {
        const from = api.requests.length;
        const body = {
          product_image: dataUrl(samplePhoto()),
          stop_step: 1,
          bg_prompt: 'marble',
          negative_prompt: 'blurry',
          seed: 42,
          guidance_scale: 3.5,
          aspect_ratio: '9:16',
          background_mode: 'generate',
        };
        const done = await waitForJob(t.http, (await t.http.post('/generate').send(body).expect(202)).body.job_id, 120_000);
        expect(done.status).toBe('completed');
        const [request] = api.requests.slice(from);
        expect(request.headers.authorization).toBe('Bearer none');
        expect(request.body).toMatchObject({ model: 'black-forest-labs/FLUX.1-schnell', seed: 42, guidance_scale: 3.5, negative_prompt: 'blurry', num_inference_steps: 4 });
        // 1080x1920 scaled to about a megapixel, in multiples of 16.
        const [w, h] = String(request.body.size).split('x').map(Number);
        expect([w % 16, h % 16]).toEqual([0, 0]);
        expect(w * h).toBeLessThanOrEqual(1_200_000);
        expect(Math.abs(w / h - 1080 / 1920)).toBeLessThan(0.02);
        if (flavor === 'sglang') expect(request.body.response_format).toBe('b64_json');
        else expect(request.body).not.toHaveProperty('response_format');
      } finally {
        await t.close();
      }
    });
  }

  it('sends vLLM-Omni a grey mask whose white marks what to paint', async () => {
    const t = await startTestApp({ IMAGE_API_BASE_URL: api.url, IMAGE_MODEL: 'black-forest-labs/FLUX.1-schnell', IMAGE_API_FLAVOR: 'vllm-omni' });
    try {
      const from = api.requests.length;
      const done = await waitForJob(t.http, (await t.http.post('/generate').send({ product_image: dataUrl(samplePhoto()), stop_step: 1 }).expect(202)).body.job_id, 120_000);
      expect(done.status).toBe('completed');
      const [edit] = api.requests.slice(from);
      expect(edit.path).toBe('/v1/images/edits');
      expect(edit.body).toMatchObject({ model: 'black-forest-labs/FLUX.1-schnell', size: '1024x1024', seed: expect.any(String) });
      const mask = edit.files.find((f) => f.field === 'mask')!;
      const grey = await sharp(mask.data).extractChannel(0).raw().toBuffer();
      expect(grey[0]).toBe(255); // a corner: painted
      expect(grey.filter((v) => v === 0).length / grey.length).toBeGreaterThan(0.05); // the product: kept (black)
    } finally {
      await t.close();
    }
  });
});
