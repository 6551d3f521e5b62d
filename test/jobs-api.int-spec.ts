import { describe, it, before, after } from 'node:test';
import { expect } from 'expect';
import sharp from 'sharp';
import { pngDeclaring } from './helpers/images';
import { dataUrl, samplePhoto, startTestApp, type TestApp, waitForJob, FS_ONLY } from './helpers/test-app';

describe('jobs API over HTTP (embedded PostgreSQL, ISNet on ONNX Runtime)', () => {
  let t: TestApp;
  let photo: Buffer;

  before(async () => {
    t = await startTestApp({ MAX_BODY_MB: 3 });
    photo = samplePhoto();
  });
  after(() => t?.close());

  const jobCount = async () => ((await t.http.get('/jobs?limit=1').expect(200)).body as { total: number }).total;

  it('runs a JSON job to a product shot on a studio backdrop', async () => {
    const res = await t.http
      .post('/generate')
      .send({ product_image: dataUrl(photo), bg_prompt: 'warm beige studio', stop_step: 1, seed: 7 })
      .expect(202);
    expect(res.body).toMatchObject({ status: 'pending', status_url: `/status/${res.body.job_id}` });

    const done = await waitForJob(t.http, res.body.job_id);
    expect(done).toMatchObject({ status: 'completed', progress_percent: 100, eta_seconds: 0, error: null });
    expect(Object.keys(done.timings as object).sort()).toEqual(['background', 'composite', 'quality', 'segment']);
    expect((done.result as { segment_model: string }).segment_model).toMatch(/^isnet-/);
    const names = (done.artifacts as Array<{ name: string }>).map((a) => a.name).sort();
    expect(names).toEqual([
      'background.png',
      'cutout.png',
      'input_product.png',
      'layers.json',
      'matte.png',
      'product.png',
      'quality.json',
      'shadow.png',
      'step1.png',
    ]);

    const step1 = await t.http.get(done.step1_result_url as string).expect(200).expect('Content-Type', 'image/png');
    const meta = await sharp(step1.body as Buffer).metadata();
    expect([meta.width, meta.height]).toEqual([1024, 1024]);

    const cutout = await t.http.get(`/jobs/${res.body.job_id}/artifacts/cutout.png`).expect(200);
    const cutMeta = await sharp(cutout.body as Buffer).metadata();
    expect(cutMeta.channels).toBe(4);
    expect([cutMeta.width, cutMeta.height]).toEqual([600, 400]);

    const layers = JSON.parse((await t.http.get(`/jobs/${res.body.job_id}/artifacts/layers.json`).expect(200)).text) as {
      layers: Array<{ name: string }>;
    };
    expect(layers.layers.map((l) => l.name)).toEqual(['background', 'shadow', 'product']);

    const full = await t.http.get(`/status/${res.body.job_id}`).expect(200);
    expect(full.body.step1_result).toMatch(/^data:image\/png;base64,iVBOR/);
    expect(Buffer.from(String(full.body.step1_result).split(',')[1], 'base64').equals(step1.body as Buffer)).toBe(true);
    expect(full.body.system_metrics.ram_total_gb).toBeGreaterThan(0);
    expect(Array.isArray(full.body.system_metrics.gpu_info)).toBe(true);
  });

  it('accepts a multipart upload with an aspect preset', async () => {
    const res = await t.http
      .post('/generate')
      .field('bg_prompt', '파란색 배경')
      .field('aspect_ratio', '4:5')
      .field('stop_step', '1')
      .field('test_mode', 'true')
      .attach('product_image', photo, { filename: 'cup.png', contentType: 'image/png' })
      .expect(202);
    const done = await waitForJob(t.http, res.body.job_id);
    expect(done.status).toBe('completed');
    expect(done.parameters).toMatchObject({ width: 1080, height: 1350, test_mode: true, bg_prompt: '파란색 배경' });
    const step1 = await t.http.get(done.step1_result_url as string).expect(200);
    const meta = await sharp(step1.body as Buffer).metadata();
    expect([meta.width, meta.height]).toEqual([1080, 1350]);
  });

  describe('bad input never makes a job', { skip: FS_ONLY }, () => {
    const rejects = async (body: object | (() => ReturnType<TestApp['http']['post']>), status: number, code: string) => {
      const before = await jobCount();
      const res = typeof body === 'function' ? await body() : await t.http.post('/generate').send(body);
      expect(res.status).toBe(status);
      expect(res.body.error).toMatchObject({ code });
      expect(typeof res.body.error.message).toBe('string');
      expect(Date.parse(res.body.error.timestamp)).not.toBeNaN();
      expect(await jobCount()).toBe(before);
      return res.body.error as { message: string; details: unknown };
    };

    it('rejects base64 that is not base64', async () => void await rejects({ product_image: 'not base64 at all!!' }, 400, 'INVALID_IMAGE'));

    it('rejects bytes that are not an image', async () => void await rejects({ product_image: Buffer.from('hello, I am text').toString('base64') }, 400, 'INVALID_IMAGE'));

    it('rejects a truncated PNG', async () => void await rejects({ product_image: dataUrl(photo.subarray(0, Math.floor(photo.length * 0.6))) }, 400, 'INVALID_IMAGE'));

    it('rejects a small file declaring 20000x20000 pixels without decoding it', async () => {
      const bomb = pngDeclaring(20000, 20000);
      expect(bomb.length).toBeLessThan(2048);
      const rssBefore = process.memoryUsage.rss();
      const error = await rejects({ product_image: dataUrl(bomb) }, 400, 'IMAGE_TOO_LARGE');
      expect(error.message).toContain('20000x20000');
      // Decoding would need 1.2 GB; staying far below that shows the header check came first.
      expect(process.memoryUsage.rss() - rssBefore).toBeLessThan(200 * 2 ** 20);
    });

    it('rejects a JSON body over MAX_BODY_MB with 413', async () => void await rejects({ product_image: 'A'.repeat(4 * 2 ** 20) }, 413, 'PAYLOAD_TOO_LARGE'));

    it('rejects a multipart file over MAX_BODY_MB with 413', async () => void await rejects(() => t.http.post('/generate').attach('product_image', Buffer.alloc(4 * 2 ** 20), 'big.png'), 413, 'PAYLOAD_TOO_LARGE'));

    it('names an out-of-range number', async () => {
      const error = await rejects({ product_image: dataUrl(photo), strength: 5 }, 400, 'INVALID_PARAMETER');
      expect(error.message).toContain('strength');
      expect(error.details).toMatchObject({ fields: [{ field: 'strength' }] });
    });

    it('names a wrong type and an unknown enum value', async () => {
      const error = await rejects({ product_image: dataUrl(photo), seed: 'abc', text_position: 'left', subject_material: 'crystal' }, 400, 'INVALID_PARAMETER');
      expect(error.message).toContain('seed');
      expect(error.message).toContain('text_position');
      expect(error.message).toContain('subject_material');
    });

    it('names an unknown field (a typo must not be silently ignored)', async () => {
      const error = await rejects({ product_image: dataUrl(photo), bg_promt: 'x' }, 400, 'INVALID_PARAMETER');
      expect(error.message).toContain('bg_promt');
    });

    it('rejects a missing product image, a lone width and malformed JSON', async () => {
      await rejects({ bg_prompt: 'x' }, 400, 'INVALID_PARAMETER');
      await rejects({ product_image: dataUrl(photo), width: 800 }, 400, 'INVALID_PARAMETER');
      await rejects(() => t.http.post('/generate').set('Content-Type', 'application/json').send('{"product_image": '), 400, 'INVALID_PARAMETER');
    });

    it('refuses a body in a charset it cannot read, JSON or form, with the envelope code', async () => {
      const json = await rejects(() => t.http.post('/generate').set('Content-Type', 'application/json; charset=utf-16le').send(Buffer.from('{"seed":1}', 'utf16le')), 400, 'INVALID_PARAMETER');
      expect(json.message).toContain('UTF-8');
      const form = await rejects(() => t.http.post('/generate').set('Content-Type', 'application/x-www-form-urlencoded; charset=koi8-r').send('seed=1'), 400, 'INVALID_PARAMETER');
      expect(form.message).toMatch(/charset/i);
    });

    it('rejects copy over the documented length', async () => void await rejects({ product_image: dataUrl(photo), text_content: '가'.repeat(201) }, 400, 'INVALID_PROMPT'));
  });

  it('answers 404 JOB_NOT_FOUND for unknown and malformed ids', { skip: FS_ONLY }, async () => {
    for (const id of ['3f1c1d3e-0000-4000-8000-000000000000', 'not-a-uuid', "1' OR '1'='1"]) {
      const status = await t.http.get(`/status/${encodeURIComponent(id)}`).expect(404);
      expect(status.body.error.code).toBe('JOB_NOT_FOUND');
      expect((await t.http.post(`/stop/${encodeURIComponent(id)}`).expect(404)).body.error.code).toBe('JOB_NOT_FOUND');
      expect((await t.http.delete(`/jobs/${encodeURIComponent(id)}`).expect(404)).body.error.code).toBe('JOB_NOT_FOUND');
    }
    expect((await t.http.get('/no/such/route').expect(404)).body.error.code).toBe('NOT_FOUND');
  });

  it('streams progress as Server-Sent Events until the job is done', { skip: FS_ONLY }, async () => {
    const res = await t.http.post('/generate').send({ product_image: dataUrl(photo), stop_step: 1, seed: 4 }).expect(202);
    const stream = await fetch(`${t.url}/jobs/${res.body.job_id}/events`);
    expect(stream.headers.get('content-type')).toContain('text/event-stream');
    const text = await stream.text(); // the server ends the stream after `done`
    const events = text
      .split('\n\n')
      .filter((block) => block.startsWith('event:'))
      .map((block) => ({ event: /^event: (\w+)/.exec(block)![1], data: JSON.parse(/\ndata: (.*)$/s.exec(block)![1]) as Record<string, unknown> }));
    const statuses = events.filter((e) => e.event === 'status').map((e) => e.data.progress_percent as number);
    expect(statuses.length).toBeGreaterThan(1);
    expect(statuses).toEqual([...statuses].sort((a, b) => a - b));
    expect(events.at(-1)).toMatchObject({ event: 'done', data: { status: 'completed', progress_percent: 100 } });
    expect((events.at(-1)!.data.finals as unknown[]).length).toBe(1);
    expect((await t.http.get('/jobs/3f1c1d3e-0000-4000-8000-000000000000/events').expect(404)).body.error.code).toBe('JOB_NOT_FOUND');
  });

  it('stops a running job within a second', async () => {
    // Pixels of its own: a photo cut earlier would be reused (recent-cutouts.ts) and the job over too soon.
    const unseen = await sharp(photo).flop().png().toBuffer();
    const res = await t.http.post('/generate').send({ product_image: dataUrl(unseen), stop_step: 1 }).expect(202);
    const id = res.body.job_id as string;
    for (let i = 0; i < 200; i++) {
      const s = await t.http.get(`/status/${id}?include_images=false&include_metrics=false`);
      if (s.body.status === 'running') break;
      await new Promise((r) => setTimeout(r, 25));
    }
    const asked = Date.now();
    const stop = await t.http.post(`/stop/${id}`).expect(200);
    expect(['running', 'stopped']).toContain(stop.body.status);
    const done = await waitForJob(t.http, id, 5000);
    expect(Date.now() - asked).toBeLessThan(1000);
    expect(done).toMatchObject({ status: 'stopped', error: { code: 'JOB_STOPPED' } });
    expect((await t.http.post(`/stop/${id}`).expect(200)).body.status).toBe('stopped'); // idempotent
    const completed = (await t.http.get('/jobs?status=completed&limit=1').expect(200)).body.items[0].job_id as string;
    expect((await t.http.post(`/stop/${completed}`).expect(409)).body.error.code).toBe('JOB_NOT_STOPPABLE');
  });

  it('lists with paging and a status filter, and deletes a job with its files', async () => {
    const page = await t.http.get('/jobs?status=completed&limit=1&offset=0').expect(200);
    expect(page.body).toMatchObject({ limit: 1, offset: 0 });
    expect(page.body.total).toBeGreaterThanOrEqual(2);
    expect(page.body.items).toHaveLength(1);
    expect(page.body.items[0].status).toBe('completed');
    expect((await t.http.get('/jobs?status=bogus').expect(400)).body.error.code).toBe('INVALID_PARAMETER');

    const id = page.body.items[0].job_id as string;
    const url = page.body.items[0].step1_result_url as string;
    await t.http.get(url).expect(200);
    await t.http.delete(`/jobs/${id}`).expect(204);
    await t.http.get(`/status/${id}`).expect(404);
    expect((await t.http.get(url).expect(404)).body.error.code).toBe('JOB_NOT_FOUND');
  });

  it('reports health, system metrics with registry counters, and the OpenAPI document', { skip: FS_ONLY }, async () => {
    const health = await t.http.get('/health').expect(200);
    expect(health.body).toMatchObject({ status: 'ok', database: { ok: true, embedded: !t.config.DATABASE_URL }, gpu_available: false });
    const system = await t.http.get('/system').expect(200);
    // The ISNet looks the jobs took (the 768 px first look, the full pass where it was unsure), each loaded once and kept.
    const resident = (system.body.models.models as Array<{ id: string; state: string }>).filter((m) => m.state === 'resident').map((m) => m.id);
    expect(resident).toContain('isnet-medium-768');
    expect(health.body.models.loads).toBe(resident.length);
    expect(system.body.queue.completed).toBeGreaterThanOrEqual(1);
    const doc = await t.http.get('/docs-json').expect(200);
    expect(Object.keys(doc.body.paths)).toEqual(expect.arrayContaining(['/generate', '/status/{job_id}', '/stop/{job_id}', '/jobs', '/health']));
    expect(doc.body.components.schemas.GenerateRequestDto.properties.product_image).toBeDefined();
    await t.http.get('/docs').redirects(1).expect(200).expect('Content-Type', /html/);
  });
});
