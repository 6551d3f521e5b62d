import { after, before, describe, it } from 'node:test';
import { expect } from 'expect';
import { copyOf, defaultChat, designAnswer, startOpenAiServer } from './helpers/openai-server';
import { dataUrl, samplePhoto, startTestApp, type TestApp, waitForJob } from './helpers/test-app';

type Server = Awaited<ReturnType<typeof startOpenAiServer>>;
interface Design {
  model: string;
  attempts: Array<{ reasons: string[]; removed: string[] }>;
  fallback?: string;
}
interface TextResult {
  designer: string;
  contrast: number;
  box: { x: number; y: number; width: number; height: number };
  design?: Design;
}
interface CanvasResult {
  background: Record<string, string>;
  text: TextResult;
  quality: { productFidelity?: { unchanged?: boolean }; text?: { insideSafeZone?: boolean } };
}

const COPY = '가을 신메뉴 출시 기념 20% 할인';

describe('LLM copy designer (use_llm_html): sanitized, rendered offline, checked on the pixels', () => {
  let api: Server;
  let t: TestApp;
  before(async () => {
    api = await startOpenAiServer();
    t = await startTestApp({ LLM_API_BASE_URL: api.url, LLM_MODEL: 'gpt-5-mini', PROVIDER_MAX_RETRIES: 0 });
  });
  after(async () => {
    await t?.close();
    await api?.close();
  });

  const run = async (body: Record<string, unknown> = {}) => {
    const made = await t.http.post('/generate').send({ product_image: dataUrl(samplePhoto()), text_content: COPY, html_style_prompt: '굵고 모던하게', ...body }).expect(202);
    const done = await waitForJob(t.http, made.body.job_id, 120_000);
    expect(done.status).toBe('completed');
    return { id: made.body.job_id as string, canvas: (done.result as { canvases: CanvasResult[] }).canvases[0] };
  };
  const designRequests = () => api.requests.filter((r) => r.path === '/v1/chat/completions' && JSON.stringify(r.body).includes('copy_design'));

  it('uses a design that passes: the brief carries the copy, box, fonts and style; the result records one clean attempt', async () => {
    api.answerChat(defaultChat);
    const { canvas } = await run();
    expect(canvas.text.designer).toBe('llm:gpt-5-mini');
    expect(canvas.text.design).toEqual({ model: 'gpt-5-mini', attempts: [{ reasons: [], removed: [] }] });
    expect(canvas.text.contrast).toBeGreaterThanOrEqual(4.5);
    const [request] = designRequests();
    expect(request.body).toMatchObject({ model: 'gpt-5-mini', response_format: { type: 'json_schema', json_schema: { name: 'copy_design' } } });
    const user = (request.body.messages as Array<{ role: string; content: string }>)[1].content;
    const brief = JSON.parse(user) as Record<string, unknown>;
    expect(brief).toMatchObject({ copy: COPY, style: '굵고 모던하게', text_box: canvas.text.box });
    expect(brief.installed_fonts).toEqual(expect.arrayContaining([expect.any(String)]));
    expect(canvas.quality.productFidelity?.unchanged).toBe(true);
  });

  it('sanitizes a hostile design before Chromium sees it: the URLs it names receive no request', async () => {
    const origin = api.url.replace(/\/v1$/, '');
    api.answerChat((user, system) =>
      /typographer/.test(system)
        ? designAnswer(copyOf(user), {
            html:
              `<script>fetch('${origin}/evil/script')</script><img src="${origin}/evil/img.png" onerror="alert(1)">` +
              `<link rel="stylesheet" href="${origin}/evil/link.css"><iframe src="${origin}/evil/frame"></iframe>` +
              `<style>.head{background:url(${origin}/evil/style-tag.png)}</style>`,
            css:
              `@import url("${origin}/evil/import.css");\n@font-face { font-family: Evil; src: url(${origin}/evil/font.woff2); }\n` +
              `.head { text-shadow: 0 0 500px #000; background-image: url(${origin}/evil/bg.png); color: #fff8ee </style><script>alert(1)</script>; }\n` +
              `.panel { border-image: url(${origin}/evil/border.png) 30; position: fixed; animation: spin 1s infinite; }`,
          })
        : defaultChat(user, system),
    );
    const { id, canvas } = await run();
    expect(api.requests.filter((r) => r.path.startsWith('/evil'))).toEqual([]);
    expect(canvas.text.designer).toBe('llm:gpt-5-mini');
    const [attempt] = canvas.text.design!.attempts;
    expect(attempt.reasons).toEqual([]);
    expect(attempt.removed).toEqual(expect.arrayContaining(['<script>', '<img>', '<link>', '<iframe>', '<style>', '@import', '@font-face', 'position: only relative positioning']));
    const html = (await t.http.get(`/jobs/${id}/artifacts/text.html`).expect(200)).text;
    expect(html).not.toMatch(/evil|<script|onerror|url\(http|@import/i);
    expect(html).toContain("Content-Security-Policy");
    expect(html).toContain(COPY);
  });

  it('asks once for a repair naming the failures (low contrast, ink outside the box), then uses the repaired design', async () => {
    let calls = 0;
    api.answerChat((user, system) => {
      if (!/typographer/.test(system)) return defaultChat(user, system);
      calls++;
      if (calls === 1) return JSON.stringify({ html: `<h1 class="head">${copyOf(user)}</h1>`, css: '.head { color: #d8c7a8; margin-top: 12em; font-size: 1.5em; }' });
      return designAnswer(copyOf(user));
    });
    const { canvas } = await run();
    expect(canvas.text.designer).toBe('llm:gpt-5-mini');
    const [first, second] = canvas.text.design!.attempts;
    expect(first.reasons.join('\n')).toMatch(/ink pixels fall outside the text box/);
    expect(second.reasons).toEqual([]);
    const repair = designRequests().at(-1)!;
    const user = (repair.body.messages as Array<{ role: string; content: string }>)[1].content;
    expect(user).toContain('Your previous design failed these checks');
    expect(user).toContain('ink pixels fall outside the text box');
  });

  it('falls back to the template when the model rewrites the copy twice, and records both attempts', async () => {
    api.answerChat((user, system) => (/typographer/.test(system) ? designAnswer('최고의 가을 신메뉴! 지금 50% 할인') : defaultChat(user, system)));
    const { canvas } = await run();
    expect(canvas.text.designer).toBe('template');
    const design = canvas.text.design!;
    expect(design.attempts).toHaveLength(2);
    for (const attempt of design.attempts) expect(attempt.reasons[0]).toMatch(/^the visible text is "최고의 가을 신메뉴! 지금 50% 할인", not the copy/);
    expect(design.fallback).toMatch(/both designs failed the checks/);
    expect(canvas.text.contrast).toBeGreaterThanOrEqual(4.5);
  });

  it('catches low contrast measured on the rendered glyphs', async () => {
    api.answerChat((user, system) =>
      /typographer/.test(system) ? JSON.stringify({ html: `<h1 class="head">${copyOf(user)}</h1>`, css: '.head { color: #c9c2b4; text-shadow: 0 0 2px #d0c8b8; }' }) : defaultChat(user, system),
    );
    const { canvas } = await run();
    expect(canvas.text.designer).toBe('template');
    expect(canvas.text.design!.attempts[0].reasons.join(' ')).toMatch(/the letters reach [\d.]+:1 against what is under them, under 4.5:1/);
  });

  it('uses the template when the LLM fails (PROVIDER_FALLBACK=embedded), and skips the LLM with use_llm_html false', async () => {
    api.answerChat(defaultChat);
    api.fail('/v1/chat/completions', { status: 500 });
    const { canvas } = await run();
    expect(canvas.text.designer).toBe('template');
    expect(canvas.text.design).toMatchObject({ attempts: [], fallback: expect.stringMatching(/^PROVIDER_ERROR: /) });

    const before = api.requests.length;
    const off = await run({ use_llm_html: false });
    expect(off.canvas.text.designer).toBe('template');
    expect(off.canvas.text.design).toBeUndefined();
    expect(api.requests.length).toBe(before);
  });
});

describe('every provider on: image, vision and LLM on one OpenAI-compatible server', () => {
  let api: Server;
  let t: TestApp;
  before(async () => {
    api = await startOpenAiServer();
    t = await startTestApp({
      OPENAI_BASE_URL: api.url,
      OPENAI_API_KEY: 'sk-all',
      IMAGE_MODEL: 'gpt-image-1',
      VISION_MODEL: 'gpt-4.1-mini',
      LLM_MODEL: 'gpt-5-mini',
      PRICE_PER_IMAGE_USD: 0.04,
      PRICE_PER_1M_INPUT_TOKENS_USD: 0.25,
      PRICE_PER_1M_OUTPUT_TOKENS_USD: 2,
    });
  });
  after(async () => {
    await t?.close();
    await api?.close();
  });

  it('completes with each role doing its part, the product exact, and the usage priced', async () => {
    const body = { product_image: dataUrl(samplePhoto()), text_content: COPY, bg_prompt: '따뜻한 카페 창가', html_style_prompt: '굵고 모던하게', aspect_ratio: '4:5' };
    const done = await waitForJob(t.http, (await t.http.post('/generate').send(body).expect(202)).body.job_id, 120_000);
    expect(done.status).toBe('completed');
    const result = done.result as { canvases: CanvasResult[]; metrics: { providers: { totals: Record<string, { calls: number }>; estimated_cost_usd: number } } };
    const [canvas] = result.canvases;
    expect(canvas.background).toMatchObject({ provider: 'openai:gpt-image-1', mode: 'edit', promptWriter: 'llm:gpt-5-mini' });
    expect(canvas.text.designer).toBe('llm:gpt-5-mini');
    expect(canvas.quality.productFidelity?.unchanged).toBe(true);
    const analysis = (await t.http.get(`/jobs/${done.job_id}/artifacts/analysis.json`).expect(200)).body as { provider: string; vision: { used: boolean } };
    expect(analysis).toMatchObject({ provider: 'vision:gpt-4.1-mini', vision: { used: true } });

    // In order: the prompt, the edit around the product, the scene reading, the copy design.
    const names = api.requests.map((r) => (r.path === '/v1/chat/completions' ? (r.body.response_format as { json_schema: { name: string } }).json_schema.name : r.path));
    expect(names).toEqual(['image_prompt', '/v1/images/edits', 'scene_analysis', 'copy_design']);
    const edit = api.requests[1];
    expect(edit.body).toMatchObject({ model: 'gpt-image-1', size: '1024x1536' });
    expect(edit.files.map((f) => [f.field, f.width, f.height])).toEqual([['image', 1024, 1536], ['mask', 1024, 1536]]);
    expect(result.metrics.providers.totals).toMatchObject({ image: { calls: 1 }, vision: { calls: 1 }, llm: { calls: 2 } });
    // One image at $0.04, and three chat calls of 120 input and 60 output tokens each.
    expect(result.metrics.providers.estimated_cost_usd).toBeCloseTo(0.04 + (3 * 120 * 0.25 + 3 * 60 * 2) / 1e6, 6);
  });
});
