import { after, before, describe, it } from 'node:test';
import { expect } from 'expect';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import sharp from 'sharp';
import { Webhook } from 'standardwebhooks';
import { dataUrl, samplePhoto, startTestApp, type TestApp, waitForJob, FS_ONLY } from './helpers/test-app';

const KEY = 'shop-a-secret-0123456789ab';
const SECRET = `whsec_${Buffer.from('nanococoa-webhook-test-secret-32b').toString('base64')}`;
const bearer = { Authorization: `Bearer ${KEY}` };

interface Received {
  headers: IncomingHttpHeaders;
  body: string;
}

/** A real HTTP receiver: answers each request with the next status of `script` (the last one repeats). */
async function receiver(script: Array<number | { redirect: string }>, host = '127.0.0.1') {
  const received: Received[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (req.method === 'POST') received.push({ headers: req.headers, body: Buffer.concat(chunks).toString() });
      const step = script[Math.min(received.length, script.length) - 1] ?? script[0];
      if (typeof step === 'object') res.writeHead(307, { Location: step.redirect }).end();
      else res.writeHead(step).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const url = `http://${host}:${(server.address() as AddressInfo).port}/hooks`;
  return { url, received, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

async function until<T>(read: () => Promise<T>, ok: (value: T) => boolean, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (ok(value)) return value;
    if (Date.now() > deadline) throw new Error(`gave up waiting; last: ${JSON.stringify(value).slice(0, 500)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('webhooks (Standard Webhooks, real receiver)', () => {
  let t: TestApp;
  /** The server's WEBHOOK_URL: where jobs without a webhook_url of their own are announced. */
  let fallback: Awaited<ReturnType<typeof receiver>>;
  before(async () => {
    fallback = await receiver([503]);
    t = await startTestApp({
      API_KEYS: `shop-a:${KEY}`,
      WEBHOOK_URL: fallback.url,
      WEBHOOK_SECRET: SECRET,
      WEBHOOK_ALLOW_PRIVATE: ['true'],
      WEBHOOK_RETRY_DELAYS_SEC: [0.2, 0.3, 0.3],
      PUBLIC_URL: undefined,
    });
  });
  after(async () => {
    await t?.close();
    await fallback?.close();
  });

  it('signs job.completed, retries after 500s with the same webhook-id, and shows every attempt in /status', async () => {
    const hook = await receiver([500, 500, 200]);
    try {
      const made = await t.http
        .post('/generate')
        .set(bearer)
        .send({ product_image: dataUrl(samplePhoto()), stop_step: 1, webhook_url: hook.url })
        .expect(202);
      const jobId = made.body.job_id as string;
      expect(await waitForJob(t.http, jobId, 60_000, bearer)).toMatchObject({ status: 'completed' });
      await until(async () => hook.received.length, (n) => n >= 3);

      const verifier = new Webhook(SECRET);
      const ids = new Set<string>();
      for (const delivery of hook.received) {
        const event = verifier.verify(delivery.body, delivery.headers as Record<string, string>) as { type: string; data: Record<string, unknown> };
        expect(event.type).toBe('job.completed');
        expect(event.data).toMatchObject({ job_id: jobId, status: 'completed' });
        expect(delivery.body).not.toContain('base64,');
        ids.add(String(delivery.headers['webhook-id']));
      }
      expect(ids.size).toBe(1);
      // A forged body fails verification.
      const forged = hook.received[0].body.replace('completed', 'error');
      expect(() => verifier.verify(forged, hook.received[0].headers as Record<string, string>)).toThrow();

      // The links in the payload work without a key.
      const data = (JSON.parse(hook.received[2].body) as { data: { step1_result_url: string } }).data;
      const file = await t.http.get(data.step1_result_url).expect(200);
      expect(file.headers['content-type']).toBe('image/png');

      const status = await until(
        async () => (await t.http.get(`/status/${jobId}?include_images=false&include_metrics=false`).set(bearer).expect(200)).body,
        (s) => s.webhook?.deliveries?.[0]?.state === 'delivered',
      );
      expect(status.webhook.url).toBe(hook.url);
      expect(status.webhook.deliveries).toHaveLength(1);
      expect(status.webhook.deliveries[0]).toMatchObject({ event: 'job.completed', state: 'delivered', next_attempt_at: null });
      expect(status.webhook.deliveries[0].attempts.map((a: { status_code: number }) => a.status_code)).toEqual([500, 500, 200]);
    } finally {
      await hook.close();
    }
  });

  it("announces job.stopped to the server's WEBHOOK_URL, and gives up after the last retry", { skip: FS_ONLY }, async () => {
    const made = await t.http.post('/generate').set(bearer).send({ product_image: dataUrl(samplePhoto()) }).expect(202);
    const jobId = made.body.job_id as string;
    await t.http.post(`/stop/${jobId}`).set(bearer).expect(200);
    const status = await until(
      async () => (await t.http.get(`/status/${jobId}?include_images=false&include_metrics=false`).set(bearer).expect(200)).body,
      (s) => s.webhook?.deliveries?.[0]?.state === 'failed',
    );
    expect(status.webhook.url).toBe(fallback.url);
    expect(status.webhook.deliveries[0].event).toBe('job.stopped');
    expect(status.webhook.deliveries[0].attempts).toHaveLength(4); // the first try and three retries
    expect(status.webhook.deliveries[0].attempts[0]).toMatchObject({ status_code: 503, error: 'answered 503' });
    expect(fallback.received).toHaveLength(4);
    expect(fallback.received.every((r) => JSON.parse(r.body).type === 'job.stopped')).toBe(true);
  });
});

describe('webhook URLs that may not be used', { skip: FS_ONLY }, () => {
  let t: TestApp;
  let photo: string;
  before(async () => {
    // 127.0.0.2 stands for "a public receiver"; everything else on loopback stays forbidden.
    t = await startTestApp({
      API_KEYS: `shop-a:${KEY}`,
      WEBHOOK_SECRET: SECRET,
      WEBHOOK_ALLOW_PRIVATE: ['127.0.0.2/32'],
      WEBHOOK_RETRY_DELAYS_SEC: [0.1],
      RUNNER_ENABLED: false,
    });
    photo = dataUrl(await sharp({ create: { width: 64, height: 64, channels: 3, background: '#3060c0' } }).png().toBuffer());
  });
  after(() => t?.close());

  const submit = (webhook_url: string) => t.http.post('/generate').set(bearer).send({ product_image: photo, webhook_url });

  it('refuses loopback, private and link-local addresses, by name too, and non-http URLs', async () => {
    const inner = await receiver([200]);
    try {
      for (const url of [inner.url, inner.url.replace('127.0.0.1', 'localhost'), 'http://10.1.2.3/hook', 'http://169.254.169.254/latest', 'http://[::1]:9/x']) {
        const res = await submit(url).expect(400);
        expect(res.body.error.code).toBe('WEBHOOK_URL_FORBIDDEN');
        expect(res.body.error.message).toMatch(/WEBHOOK_ALLOW_PRIVATE/);
      }
      // 0x7f.1 is 127.0.0.1 to a URL parser; validation refuses the odd form before any lookup.
      for (const url of ['ftp://example.com/x', 'file:///etc/passwd', 'javascript:alert(1)', 'not a url', 'http://0x7f.1/x']) {
        expect((await submit(url).expect(400)).body.error.code).toBe('INVALID_PARAMETER');
      }
      expect((await t.http.get('/jobs').set(bearer).expect(200)).body.total).toBe(0);
    } finally {
      await inner.close();
    }
  });

  it('refuses an allowed address whose redirect chain leads to a forbidden one, and accepts it otherwise', async () => {
    const inner = await receiver([200]);
    const hop2 = await receiver([{ redirect: inner.url }], '127.0.0.2');
    const hop1 = await receiver([{ redirect: hop2.url }], '127.0.0.2');
    const fine = await receiver([200], '127.0.0.2');
    try {
      const res = await submit(hop1.url).expect(400);
      expect(res.body.error).toMatchObject({ code: 'WEBHOOK_URL_FORBIDDEN', details: { field: 'webhook_url', host: '127.0.0.1' } });
      expect(res.body.error.message).toMatch(/redirect/);
      await submit(fine.url).expect(202);
    } finally {
      await Promise.all([inner.close(), hop1.close(), hop2.close(), fine.close()]);
    }
  });

  it('checks the address each delivery connects to, not only the one seen at submit', async () => {
    const inner = await receiver([200]);
    // Looks fine when probed, then points deliveries at loopback: what a rebinding host does.
    const turncoat = createServer((req, res) => {
      req.resume();
      if (req.method === 'HEAD') res.writeHead(200).end();
      else res.writeHead(307, { Location: inner.url }).end();
    });
    await new Promise<void>((resolve) => turncoat.listen(0, '127.0.0.2', resolve));
    try {
      const url = `http://127.0.0.2:${(turncoat.address() as AddressInfo).port}/hooks`;
      const jobId = (await submit(url).expect(202)).body.job_id as string;
      await t.http.post(`/stop/${jobId}`).set(bearer).expect(200);
      const status = await until(
        async () => (await t.http.get(`/status/${jobId}?include_images=false&include_metrics=false`).set(bearer).expect(200)).body,
        (s) => s.webhook?.deliveries?.[0]?.state === 'failed',
      );
      for (const attempt of status.webhook.deliveries[0].attempts) {
        expect(attempt).toMatchObject({ status_code: null, error: expect.stringMatching(/127\.0\.0\.1 is a loopback, private or link-local address/) });
      }
      expect(inner.received).toHaveLength(0);
    } finally {
      await new Promise<void>((resolve) => turncoat.close(() => resolve()));
      await inner.close();
    }
  });
});

describe('webhooks without WEBHOOK_SECRET', { skip: FS_ONLY }, () => {
  let t: TestApp;
  before(async () => {
    t = await startTestApp({ RUNNER_ENABLED: false });
  });
  after(() => t?.close());

  it('refuses a webhook_url, saying what the operator must set', async () => {
    const photo = dataUrl(await sharp({ create: { width: 64, height: 64, channels: 3, background: '#30c060' } }).png().toBuffer());
    const res = await t.http.post('/generate').send({ product_image: photo, webhook_url: 'https://hooks.example.com/x' }).expect(400);
    expect(res.body.error.message).toMatch(/WEBHOOK_SECRET/);
  });
});
