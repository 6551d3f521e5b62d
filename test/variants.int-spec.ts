import { after, before, describe, it } from 'node:test';
import { expect } from 'expect';
import { createHash } from 'node:crypto';
import { dataUrl, samplePhoto, startTestApp, type TestApp, waitForJob } from './helpers/test-app';

interface Variant {
  variant: number;
  rank: number;
  seed: number;
  files: { step1: string; final: string };
  issues: string[];
  contrast: number | null;
}
interface Final {
  placement: string;
  variant: number;
  rank: number | null;
  final_url: string | null;
}

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

describe('num_variants: several backgrounds per placement, ranked, the best is the final', () => {
  let t: TestApp;
  before(async () => {
    t = await startTestApp();
  });
  after(async () => {
    await t?.close();
  });

  it('makes one background per seed, ranks them by quality, and writes the best under the plain names', async () => {
    const body = { product_image: dataUrl(samplePhoto()), text_content: '주말 한정 1+1', seed: 1234, num_variants: 3, placements: ['1:1', '4:5'] };
    const made = await t.http.post('/generate').send(body).expect(202);
    const done = await waitForJob(t.http, made.body.job_id, 240_000);
    expect(done.status).toBe('completed');
    const canvases = (done.result as { canvases: Array<{ placement: string; variants: Variant[] }> }).canvases;
    expect(canvases.map((c) => c.placement)).toEqual(['1:1', '4:5']);
    for (const canvas of canvases) {
      expect(canvas.variants.map((v) => v.rank)).toEqual([1, 2, 3]);
      expect(canvas.variants.map((v) => v.seed).sort()).toEqual([1234, 1235, 1236]);
      // Ranked: never more issues than the one after it.
      for (let i = 1; i < 3; i++) expect(canvas.variants[i - 1].issues.length).toBeLessThanOrEqual(canvas.variants[i].issues.length);
    }
    const file = async (name: string) => {
      const res = await t.http.get(`/jobs/${made.body.job_id}/artifacts/${name}`).expect(200);
      return Buffer.isBuffer(res.body) ? res.body : Buffer.from(res.text);
    };
    const [square] = canvases;
    const finals = await Promise.all(square.variants.map((v) => file(v.files.final)));
    expect(new Set(finals.map(sha)).size).toBe(3); // three seeds, three different backgrounds
    expect(sha(await file('final.png'))).toBe(sha(finals[0]));
    expect(sha(await file('final_4x5.png'))).toBe(sha(await file(canvases[1].variants[0].files.final)));
    expect(sha(await file('layers.json'))).toBe(sha(await file(`layers_v${square.variants[0].variant}.json`)));

    const status = (await t.http.get(`/status/${made.body.job_id}?include_images=false`).expect(200)).body as { finals: Final[]; final_result_url: string };
    expect(status.finals.map((f) => [f.placement, f.rank])).toEqual([['1:1', 1], ['1:1', 2], ['1:1', 3], ['4:5', 1], ['4:5', 2], ['4:5', 3]]);
    expect(status.finals[0].final_url).toContain(`final_v${square.variants[0].variant}.png`);
    expect(status.final_result_url).toContain('/final.png');
  });

  it('refuses a count outside 1-4 with the envelope code', async () => {
    for (const n of [0, 5, 2.5, 'many']) {
      const res = await t.http.post('/generate').send({ product_image: dataUrl(samplePhoto()), num_variants: n }).expect(400);
      expect(res.body.error.code).toBe('INVALID_PARAMETER');
      expect(JSON.stringify(res.body.error)).toContain('num_variants');
    }
  });
});
