import { after, before, describe, it } from 'node:test';
import { expect } from 'expect';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { imageMutants, type Mutant } from './helpers/image-fuzz';
import { startTestApp, type TestApp, waitForJob } from './helpers/test-app';

/** The codes a refused image may carry: the door's, never a 5xx. */
const IMAGE_CODES = ['INVALID_IMAGE', 'IMAGE_TOO_LARGE', 'PAYLOAD_TOO_LARGE'];

/**
 * Mutated images (seeded: truncated, bit-flipped, header-swapped, random tails, junk between JPEG
 * segments, PNGs claiming 100,000 px, junk GIFs, noise) sent to every route that takes an image,
 * and every job the door let in followed to its end: one image intake, one tolerance.
 */
describe('image intake: mutated images on every route, to the end of the jobs', () => {
  let t: TestApp;
  let mutants: Mutant[];
  const accepted: Array<{ route: string; name: string; jobId: string }> = [];
  /** Answers that break the contract, listed whole so one run shows them all. */
  const problems: string[] = [];
  let refused = 0;

  before(async () => {
    t = await startTestApp({ RENDER_PAGES: 1 });
    mutants = await imageMutants(Number(process.env.FUZZ_SEED ?? 20261206), 16);
  });
  after(() => t?.close());

  /** A route's answer to one mutant: 202 with a job (kept for the end), or a 4xx image code. */
  function judge(route: string, name: string, status: number, body: { job_id?: string; error?: { code: string } }): void {
    if (status === 202) accepted.push({ route, name, jobId: body.job_id! });
    else if (status >= 400 && status < 500 && IMAGE_CODES.includes(body.error?.code ?? '')) refused += 1;
    else problems.push(`${route} ${name}: ${status} ${body.error?.code ?? JSON.stringify(body).slice(0, 120)}`);
  }

  it('POST /generate (product photos as JSON, Stage 1 images as multipart) and POST /api/decompose', async () => {
    for (const m of mutants) {
      const ad = await t.http.post('/generate').send({ product_image: m.bytes.toString('base64'), stop_step: 1 });
      judge('/generate product_image', m.name, ad.status, ad.body);
      const resumed = await t.http.post('/generate').field('start_step', '2').field('text_content', '오늘만 20% 할인').attach('step1_image', m.bytes, 'step1.png');
      judge('/generate step1_image', m.name, resumed.status, resumed.body);
      const poster = await t.http.post('/api/decompose').attach('image', m.bytes, 'poster.jpg').field('num_layers', '3').field('describe', 'false');
      judge('/api/decompose', m.name, poster.status, poster.body);
    }
    expect(problems).toEqual([]);
  });

  it('POST /homepage product photos, the admin forms and the MCP tools take the same door', async () => {
    for (const m of mutants.slice(0, 8)) {
      const site = await t.http.post('/homepage').send({ name: '소금빵 연구소', products: [{ name: '소금빵', price: 3500, image: m.bytes.toString('base64') }] });
      judge('/homepage products[0].image', m.name, site.status, site.body);
      for (const [path, field] of [['/admin/new', 'product_image'], ['/admin/layers', 'image']] as const) {
        const form = await t.http.post(path).attach(field, m.bytes, 'upload.png').redirects(0);
        if (form.status === 303) accepted.push({ route: path, name: m.name, jobId: form.headers.location.split('/').pop()! });
        else if (form.status !== 400 && form.status !== 413) problems.push(`${path} ${m.name}: ${form.status}`);
      }
    }
    const client = new Client({ name: 'intake-fuzz', version: '1.0.0' });
    await client.connect(new StreamableHTTPClientTransport(new URL('/mcp', t.url)));
    try {
      for (const m of mutants.slice(8, 14)) {
        const image = `data:image/png;base64,${m.bytes.toString('base64')}`;
        for (const [tool, args] of [['generate_ad_image', { product_image: image, wait: false }], ['decompose_layers', { image, num_layers: 3, timeout_seconds: 5 }]] as const) {
          const result = (await client.callTool({ name: tool, arguments: args }, undefined, { timeout: 60_000 })) as CallToolResult;
          const jobId = (result.structuredContent as { job_id?: string } | undefined)?.job_id;
          const code = (result.content[0] as { text: string }).text.split(':')[0];
          if (jobId) accepted.push({ route: `mcp ${tool}`, name: m.name, jobId });
          else if (!result.isError || !IMAGE_CODES.includes(code)) problems.push(`mcp ${tool} ${m.name}: ${code}`);
        }
      }
    } finally {
      await client.close();
    }
    expect(problems).toEqual([]);
  });

  it('every job the door let in ends completed, or failed with an image code, never INTERNAL', async () => {
    // Both kinds of answer were exercised: the mutants are not all readable, nor all broken.
    expect(accepted.length).toBeGreaterThan(5);
    expect(refused).toBeGreaterThan(accepted.length);
    const unexpected: string[] = [];
    for (const job of accepted) {
      const done = await waitForJob(t.http, job.jobId, 180_000);
      const code = (done.error as { code: string } | null)?.code;
      if (done.status !== 'completed' && code !== 'INVALID_IMAGE') unexpected.push(`${job.route} ${job.name}: ${String(done.status)} ${code}`);
    }
    expect(unexpected).toEqual([]);
  });
});
