import { after, before, describe, it } from 'node:test';
import { expect } from 'expect';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import sharp from 'sharp';
import { tinyClipManifests } from '../src/clip/tiny-clip.testing';
import { dataUrl, samplePhoto, startTestApp, type TestApp, waitForJob } from './helpers/test-app';

const solid = async (color: string) => dataUrl(await sharp({ create: { width: 64, height: 48, channels: 3, background: color } }).png().toBuffer());

describe('/clip-score without a CLIP model', () => {
  let t: TestApp;
  const empty = mkdtempSync(path.join(tmpdir(), 'nanococoa-nomodels-'));
  before(async () => {
    t = await startTestApp({ MODELS_DIR: empty, RUNNER_ENABLED: false });
  });
  after(async () => {
    await t?.close();
    rmSync(empty, { recursive: true, force: true });
  });

  it('answers 503 MODEL_NOT_INSTALLED naming the pull command', async () => {
    const res = await t.http.post('/clip-score').send({ image_base64: await solid('#c33'), prompt: 'a red square', model_type: 'koclip' }).expect(503);
    expect(res.body.error.code).toBe('MODEL_NOT_INSTALLED');
    expect(res.body.error.message).toContain('npm run models:pull -- koclip');
  });

  it('checks the input first: empty prompt, bad image, unknown model type', async () => {
    expect((await t.http.post('/clip-score').send({ image_base64: await solid('#c33'), prompt: '   ' }).expect(400)).body.error.code).toBe('INVALID_PROMPT');
    expect((await t.http.post('/clip-score').send({ image_base64: 'bm90IGFuIGltYWdl', prompt: 'x' }).expect(400)).body.error.code).toBe('INVALID_IMAGE');
    const unknown = await t.http.post('/clip-score').send({ image_base64: await solid('#c33'), prompt: 'x', model_type: 'dalle' }).expect(400);
    expect(unknown.body.error.code).toBe('INVALID_PARAMETER');
    expect(unknown.body.error.message).toMatch(/clip.*koclip/);
  });
});

describe('/clip-score and the quality report with the tiny test CLIP installed', () => {
  let t: TestApp;
  const models = mkdtempSync(path.join(tmpdir(), 'nanococoa-models-'));
  before(async () => {
    // What `npm run models:pull -- clip` installs, pointing at the committed tiny model.
    mkdirSync(path.join(models, 'manifests'));
    for (const manifest of tinyClipManifests('clip')) {
      writeFileSync(path.join(models, 'manifests', `${manifest.id}.json`), JSON.stringify(manifest));
    }
    t = await startTestApp({ MODELS_DIR: models });
  });
  after(async () => {
    await t?.close();
    rmSync(models, { recursive: true, force: true });
  });

  it("answers in the seed's shape, marked as a test model", async () => {
    const res = await t.http.post('/clip-score').send({ image_base64: await solid('#c33'), prompt: 'a red square', lang: 'en' }).expect(200);
    expect(res.body).toMatchObject({ prompt: 'a red square', model_type: 'clip', test_model: true, truncated: [false] });
    expect(res.body.cosine).toBeGreaterThanOrEqual(-1);
    expect(res.body.cosine).toBeLessThanOrEqual(1);
    expect(res.body.clip_score).toBeCloseTo(2.5 * Math.max(res.body.cosine, 0), 6);
    expect(typeof res.body.interpretation).toBe('string');
  });

  it('scores several images against several prompts as a matrix', async () => {
    const prompts = ['red', 'green', 'blue'];
    const res = await t.http
      .post('/clip-score')
      .send({ images_base64: [await solid('#c33'), await solid('#3c3')], prompts, lang: 'ko' })
      .expect(200);
    expect(res.body.matrix).toHaveLength(2);
    for (const row of res.body.matrix) expect(row).toHaveLength(3);
    expect(res.body.best_prompt).toHaveLength(2);
    const one = await t.http.post('/clip-score').send({ image_base64: await solid('#3c3'), prompt: 'green' }).expect(200);
    expect(one.body.cosine).toBeCloseTo(res.body.matrix[1][1].cosine, 5);
  });

  it("adds a CLIP line to a job's quality report", async () => {
    const res = await t.http.post('/generate').send({ product_image: dataUrl(samplePhoto()), bg_prompt: 'warm beige studio', stop_step: 1 }).expect(202);
    const done = await waitForJob(t.http, res.body.job_id as string, 120_000);
    expect(done.status).toBe('completed');
    const status = await t.http.get(`/status/${res.body.job_id}?include_images=false`).expect(200);
    expect(status.body.quality.clip).toMatchObject({ skipped: false, testModel: true, prompt: 'warm beige studio' });
    expect(status.body.quality.clip.cosine).toBeGreaterThanOrEqual(-1);
  });
});
