import { after, before, describe, it } from 'node:test';
import { expect } from 'expect';
import sharp from 'sharp';
import { ArtifactLinks } from '../src/storage/artifact-links';
import { WebSocket } from 'ws';
import { followStatusSocket } from './helpers/status-socket';
import { dataUrl, startTestApp, type TestApp, FS_ONLY } from './helpers/test-app';

const ADMIN = 'ops-secret-0123456789abcdef';
const SHOP_A = 'shop-a-secret-0123456789ab';
const SHOP_B = 'shop-b-secret-0123456789ab';
const API_KEYS = `ops:${ADMIN}:admin,shop-a:${SHOP_A},shop-b:${SHOP_B}`;
const UUID = '3f1c1d3e-0000-4000-8000-000000000000';

let photo: string;
before(async () => {
  const png = await sharp({ create: { width: 96, height: 96, channels: 3, background: '#d04030' } }).png().toBuffer();
  photo = dataUrl(png);
});

const bearer = (key: string) => ({ Authorization: `Bearer ${key}` });

describe('API keys on every route', () => {
  let t: TestApp;
  before(async () => {
    t = await startTestApp({ API_KEYS, RUNNER_ENABLED: false });
  });
  after(() => t?.close());

  it('answers 401 on every route of the OpenAPI document without a key, but GET /health, the docs and the published sites', { skip: FS_ONLY }, async () => {
    const doc = (await t.http.get('/docs-json').expect(200)).body as { paths: Record<string, Record<string, unknown>> };
    await t.http.get('/docs').redirects(1).expect(200);
    const open: string[] = [];
    let checked = 0;
    for (const [path, methods] of Object.entries(doc.paths)) {
      for (const method of Object.keys(methods)) {
        const url = path.replace(/\{[^}]+\}/g, (m) => (m === '{name}' ? 'final.png' : m === '{family}' ? 'NanumGothic' : UUID));
        const res = await t.http[method as 'get'](url).send({});
        checked += 1;
        if (res.status !== 401) open.push(`${method.toUpperCase()} ${path} -> ${res.status}`);
        else {
          expect(res.body.error.code).toBe('UNAUTHORIZED');
          expect(res.headers['www-authenticate']).toBe('Bearer realm="nanococoa"');
        }
      }
    }
    expect(checked).toBeGreaterThan(8);
    // Published sites are public by design: an unknown one is 404 to everyone, never 401.
    expect(open).toEqual(['GET /health -> 200', 'GET /robots.txt -> 200', 'GET /sites/{job_id} -> 301', 'GET /sites/{job_id}/{file} -> 404']);
    // Not in the document, guarded all the same.
    await t.http.post('/mcp').send({}).expect(401);
    expect((await t.http.get('/admin').expect(303)).headers.location).toMatch(/^\/admin\/login/);
  });

  it('declares both key schemes for Swagger UI\'s Authorize button', { skip: FS_ONLY }, async () => {
    const doc = (await t.http.get('/docs-json').expect(200)).body;
    expect(Object.keys(doc.components.securitySchemes).sort()).toEqual(['api-key', 'bearer']);
    expect(doc.components.securitySchemes['api-key']).toMatchObject({ type: 'apiKey', in: 'header', name: 'X-API-Key' });
    expect(doc.paths['/health'].get.security).toEqual([]);
  });

  it('refuses no key, a wrong key and a key in the query string; takes Bearer and X-API-Key', { skip: FS_ONLY }, async () => {
    expect((await t.http.get('/jobs').expect(401)).body.error.message).toMatch(/API key is required/);
    expect((await t.http.get('/jobs').set(bearer('wrong-key-0123456789abcdef')).expect(401)).body.error.message).toMatch(/not valid/);
    expect((await t.http.get('/jobs').set('X-API-Key', SHOP_A.slice(0, -1)).expect(401)).body.error.message).toMatch(/not valid/);
    for (const name of ['api_key', 'key', 'token']) {
      const res = await t.http.get(`/jobs?${name}=${SHOP_A}`).expect(401);
      expect(res.body.error.message).toMatch(/query string/);
    }
    await t.http.get('/jobs').set(bearer(SHOP_A)).expect(200);
    await t.http.get('/jobs').set('X-API-Key', SHOP_A).expect(200);
    await t.http.get('/system').set('X-API-Key', SHOP_B).expect(200);
  });

  it("keeps tenants apart: another tenant's job is 404 everywhere, an admin sees all", { skip: FS_ONLY }, async () => {
    const made = await t.http.post('/generate').set(bearer(SHOP_A)).send({ product_image: photo, text_content: 'A' }).expect(202);
    const id = made.body.job_id as string;
    await t.http.post('/generate').set(bearer(SHOP_B)).send({ product_image: photo, text_content: 'B' }).expect(202);

    const status = await t.http.get(`/status/${id}?include_metrics=false`).set(bearer(SHOP_A)).expect(200);
    const input = (status.body.artifacts as Array<{ name: string }>)[0].name;
    for (const [method, url] of [
      ['get', `/status/${id}`],
      ['get', `/jobs/${id}/events`],
      ['get', `/jobs/${id}/artifacts/${input}`],
      ['post', `/stop/${id}`],
      ['delete', `/jobs/${id}`],
    ] as const) {
      const res = await t.http[method](url).set(bearer(SHOP_B)).expect(404);
      expect(res.body.error.code).toBe('JOB_NOT_FOUND');
      // The same answer as for a job that does not exist: nothing tells them apart.
      const none = await t.http[method](url.replace(id, UUID)).set(bearer(SHOP_B)).expect(404);
      expect(none.body.error.message).toBe(res.body.error.message.replace(id, UUID));
    }
    // The WebSocket progress route too: no key 401, another tenant 404, the owner gets the stream.
    expect(await followStatusSocket(t.url, id)).toMatchObject({ kind: 'refused', status: 401, body: { error: { code: 'UNAUTHORIZED' } } });
    expect(await followStatusSocket(t.url, id, bearer(SHOP_B))).toMatchObject({ kind: 'refused', status: 404, body: { error: { code: 'JOB_NOT_FOUND' } } });
    const ownSocket = new WebSocket(`${t.url.replace(/^http/, 'ws')}/api/status/${id}/ws`, { headers: bearer(SHOP_A) });
    const first = await new Promise<{ event: string }>((resolve, reject) => ownSocket.once('message', (m) => resolve(JSON.parse(String(m)))).once('error', reject));
    ownSocket.close();
    expect(first.event).toBe('status');
    const listB = (await t.http.get('/jobs').set(bearer(SHOP_B)).expect(200)).body as { total: number; items: Array<{ job_id: string }> };
    expect(listB.total).toBe(1);
    expect(listB.items.map((j) => j.job_id)).not.toContain(id);
    expect((await t.http.get('/jobs').set(bearer(ADMIN)).expect(200)).body.total).toBe(2);
    await t.http.get(`/status/${id}`).set(bearer(ADMIN)).expect(200);
    await t.http.post(`/stop/${id}`).set(bearer(SHOP_A)).expect(200);
    await t.http.delete(`/jobs/${id}`).set(bearer(SHOP_A)).expect(204);
  });

  it('serves signed file links without a key; an altered or expired link is 403', async () => {
    const id = (await t.http.post('/generate').set(bearer(SHOP_A)).send({ product_image: photo }).expect(202)).body.job_id as string;
    const status = await t.http.get(`/status/${id}?include_metrics=false`).set(bearer(SHOP_A)).expect(200);
    const link = (status.body.artifacts as Array<{ url: string }>)[0].url;
    expect(link).toMatch(/\?expires=\d+&signature=[\w-]+$/);
    const file = await t.http.get(link).expect(200);
    expect(file.headers['content-type']).toBe('image/png');

    const url = new URL(link, 'http://x');
    const sig = url.searchParams.get('signature')!;
    const tampered = (p: URL) => `${p.pathname}?${p.searchParams.toString()}`;
    const badSig = new URL(url);
    badSig.searchParams.set('signature', (sig[0] === 'A' ? 'B' : 'A') + sig.slice(1));
    expect((await t.http.get(tampered(badSig)).expect(403)).body.error.code).toBe('LINK_INVALID');
    const laterExpiry = new URL(url);
    laterExpiry.searchParams.set('expires', String(Number(url.searchParams.get('expires')) + 3600));
    expect((await t.http.get(tampered(laterExpiry)).expect(403)).body.error.code).toBe('LINK_INVALID');
    const otherFile = new URL(url.href.replace(/artifacts\/[^?]+/, 'artifacts/final.png'));
    expect((await t.http.get(tampered(otherFile)).expect(403)).body.error.code).toBe('LINK_INVALID');

    const expired = t.app.get(ArtifactLinks).url(id, 'input_product.png', Date.now() - 3 * 86_400_000);
    const res = await t.http.get(expired).expect(403);
    expect(res.body.error.code).toBe('LINK_EXPIRED');
    // Without a signature the route wants a key.
    await t.http.get(url.pathname).expect(401);
    await t.http.get(url.pathname).set(bearer(SHOP_A)).expect(200);
  });

  it('sets security headers and allows no cross-origin calls by default', { skip: FS_ONLY }, async () => {
    const res = await t.http.get('/health').set('Origin', 'https://elsewhere.example').expect(200);
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['content-security-policy']).toContain("default-src 'self'");
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('lets only admin keys into the admin pages', { skip: FS_ONLY }, async () => {
    const refused = await t.http.post('/admin/login').type('form').send({ api_key: SHOP_A }).expect(403);
    expect(refused.headers['set-cookie']).toBeUndefined();
    await t.http.post('/admin/login').type('form').send({ api_key: ADMIN }).expect(303);
  });
});

describe('rate limits and queue limits', { skip: FS_ONLY }, () => {
  let t: TestApp;
  before(async () => {
    t = await startTestApp({
      API_KEYS,
      RUNNER_ENABLED: false,
      RATE_LIMIT_READS_PER_MINUTE: 5,
      RATE_LIMIT_SUBMITS_PER_MINUTE: 4,
      MAX_PENDING_JOBS_PER_KEY: 2,
    });
  });
  after(() => t?.close());

  it('gives each key its own read budget, with RateLimit headers, then 429 RATE_LIMITED with Retry-After', async () => {
    for (let i = 0; i < 5; i++) {
      const res = await t.http.get('/jobs').set(bearer(SHOP_A)).expect(200);
      expect(res.headers['ratelimit-policy']).toBe('"read";q=5;w=60');
      expect(res.headers.ratelimit).toMatch(new RegExp(`^"read";r=${4 - i};t=\\d+$`));
    }
    const limited = await t.http.get('/system').set(bearer(SHOP_A)).expect(429);
    expect(limited.body.error).toMatchObject({ code: 'RATE_LIMITED', details: { bucket: 'read', limit: 5 } });
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    await t.http.get('/jobs').set(bearer(SHOP_B)).expect(200);
  });

  it('counts job submits apart from reads, and stops a key at MAX_PENDING_JOBS_PER_KEY with QUEUE_FULL', async () => {
    await t.http.post('/generate').set(bearer(SHOP_B)).send({ product_image: photo }).expect(202);
    await t.http.post('/generate').set(bearer(SHOP_B)).send({ product_image: photo }).expect(202);
    const full = await t.http.post('/generate').set(bearer(SHOP_B)).send({ product_image: photo }).expect(429);
    expect(full.body.error).toMatchObject({ code: 'QUEUE_FULL', details: { pending: 2, limit: 2 } });
    expect(full.headers['retry-after']).toBeDefined();
    // Another key's queue is its own.
    await t.http.post('/generate').set(bearer(ADMIN)).send({ product_image: photo }).expect(202);
    await t.http.post('/generate').set(bearer(SHOP_B)).send({ product_image: photo }).expect(429);
    const limited = await t.http.post('/generate').set(bearer(SHOP_B)).send({ product_image: photo }).expect(429);
    expect(limited.body.error).toMatchObject({ code: 'RATE_LIMITED', details: { bucket: 'submit', limit: 4 } });
    expect(limited.headers['ratelimit-policy']).toBe('"submit";q=4;w=60');
  });
});

describe('Idempotency-Key', () => {
  let t: TestApp;
  before(async () => {
    t = await startTestApp({ API_KEYS, RUNNER_ENABLED: false });
  });
  after(() => t?.close());

  const jobCount = async (key: string) => (await t.http.get('/jobs').set(bearer(key)).expect(200)).body.total as number;

  it('answers a retry with the first job and makes no second one; a different body is 422', { skip: FS_ONLY }, async () => {
    const body = { product_image: photo, text_content: '오늘만 30%' };
    const first = await t.http.post('/generate').set(bearer(SHOP_A)).set('Idempotency-Key', 'order-1').send(body).expect(202);
    expect(first.headers['idempotent-replayed']).toBeUndefined();
    const again = await t.http.post('/generate').set(bearer(SHOP_A)).set('Idempotency-Key', 'order-1').send({ text_content: '오늘만 30%', product_image: photo }).expect(202);
    expect(again.body).toEqual(first.body);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(await jobCount(SHOP_A)).toBe(1);

    const reused = await t.http.post('/generate').set(bearer(SHOP_A)).set('Idempotency-Key', 'order-1').send({ ...body, text_content: '내일도 30%' }).expect(422);
    expect(reused.body.error).toMatchObject({ code: 'IDEMPOTENCY_KEY_REUSED', details: { job_id: first.body.job_id } });
    // Keys are per API key: another tenant's "order-1" is its own.
    const other = await t.http.post('/generate').set(bearer(SHOP_B)).set('Idempotency-Key', 'order-1').send(body).expect(202);
    expect(other.body.job_id).not.toBe(first.body.job_id);
  });

  it('makes one job from concurrent duplicates, multipart included', async () => {
    const png = Buffer.from(photo.split(',')[1], 'base64');
    const send = () =>
      t.http.post('/generate').set(bearer(SHOP_A)).set('Idempotency-Key', 'burst-7').field('text_content', '동시에').attach('product_image', png, 'p.png');
    const before = await jobCount(SHOP_A);
    const answers = await Promise.all(Array.from({ length: 6 }, send));
    expect(answers.map((r) => r.status)).toEqual(Array(6).fill(202));
    expect(new Set(answers.map((r) => r.body.job_id)).size).toBe(1);
    expect(await jobCount(SHOP_A)).toBe(before + 1);
  });

  it('keeps a failed request from claiming the key, and refuses a key over 255 characters', { skip: FS_ONLY }, async () => {
    await t.http.post('/generate').set(bearer(SHOP_A)).set('Idempotency-Key', 'fix-and-retry').send({ product_image: 'bm90IGFuIGltYWdl' }).expect(400);
    await t.http.post('/generate').set(bearer(SHOP_A)).set('Idempotency-Key', 'fix-and-retry').send({ product_image: photo }).expect(202);
    const long = await t.http.post('/generate').set(bearer(SHOP_A)).set('Idempotency-Key', 'k'.repeat(256)).send({ product_image: photo }).expect(400);
    expect(long.body.error).toMatchObject({ code: 'INVALID_PARAMETER', details: { field: 'Idempotency-Key' } });
    await t.http.post('/generate').set(bearer(SHOP_A)).set('Idempotency-Key', 'k'.repeat(255)).send({ product_image: photo }).expect(202);
  });
});

describe('without keys (a laptop)', { skip: FS_ONLY }, () => {
  let t: TestApp;
  before(async () => {
    t = await startTestApp({ RUNNER_ENABLED: false, CORS_ORIGINS: ['https://shop.example'], RATE_LIMIT_READS_PER_MINUTE: 8 });
  });
  after(() => t?.close());

  it('stays open, still limits by address, and answers CORS for the listed origins only', async () => {
    const id = (await t.http.post('/generate').send({ product_image: photo }).expect(202)).body.job_id as string;
    const status = await t.http.get(`/status/${id}`).expect(200);
    expect(status.headers.ratelimit).toMatch(/^"read";r=\d+/);
    await t.http.get(`/jobs/${id}/artifacts/input_product.png`).expect(200);
    await t.http.delete(`/jobs/${id}`).expect(204);
    const allowed = await t.http.get('/health').set('Origin', 'https://shop.example').expect(200);
    expect(allowed.headers['access-control-allow-origin']).toBe('https://shop.example');
    const other = await t.http.get('/health').set('Origin', 'https://evil.example').expect(200);
    expect(other.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('never limits /health, the docs or static files, even once the address has spent its read budget', async () => {
    let reads = 0;
    while ((await t.http.get('/jobs')).status !== 429) if (++reads > 8) throw new Error('the read bucket never ran out');
    await t.http.get('/jobs').expect(429);
    for (let i = 0; i < 5; i++) {
      const health = await t.http.get('/health').expect(200);
      expect(health.body.status).toBe('ok');
      expect(health.headers.ratelimit).toBeUndefined();
      expect(health.headers['ratelimit-policy']).toBeUndefined();
    }
    expect((await t.http.get('/docs/').expect(200)).text).toContain('swagger-ui');
    expect((await t.http.get('/docs-json').expect(200)).body.paths['/health']).toBeDefined();
    await t.http.get('/admin/assets/admin.css').expect(200);
    await t.http.get('/jobs').expect(429);
  });
});
