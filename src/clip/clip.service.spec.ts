import { after, before, describe, it } from 'node:test';
import { expect } from 'expect';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import sharp from 'sharp';
import { DomainException, JobAbortedError } from '../common/errors/domain.exception';
import { ErrorCode } from '../common/errors/error-codes';
import { CLIP_SCORE_WEIGHT } from './clip-math';
import type { ClipScoreMatrix } from './clip.types';
import { TINY_CLIP_DIR, tinyClipService, type TinyClip } from './tiny-clip.testing';

/** The start and end token ids, read from the fixture rather than written down. */
const SPECIALS = (() => {
  const json = JSON.parse(readFileSync(path.join(TINY_CLIP_DIR, 'tokenizer.json'), 'utf8')) as { added_tokens: Array<{ id: number; content: string }> };
  const id = (content: string) => json.added_tokens.find((t) => t.content === content)?.id;
  return { start: id('<|startoftext|>'), end: id('<|endoftext|>') };
})();

/** Three different pictures: a landscape gradient (PNG), a portrait photo-like JPEG and noise with alpha. */
async function testImages(): Promise<Buffer[]> {
  const gradient = Buffer.alloc(320 * 200 * 3);
  for (let i = 0; i < 320 * 200; i++) gradient.set([i % 320, (i / 320) % 256, 90], i * 3);
  const noise = Buffer.alloc(96 * 96 * 4);
  for (let i = 0; i < noise.length; i++) noise[i] = (i * 2654435761) % 251;
  return Promise.all([
    sharp(gradient, { raw: { width: 320, height: 200, channels: 3 } }).png().toBuffer(),
    sharp({ create: { width: 180, height: 400, channels: 3, background: { r: 200, g: 40, b: 30 } } }).jpeg().toBuffer(),
    sharp(noise, { raw: { width: 96, height: 96, channels: 4 } }).png().toBuffer(),
  ]);
}

const PROMPTS = ['a photo of a cup of fresh coffee', '신선한 커피 한 잔'];

async function expectDomainError(work: Promise<unknown>, code: ErrorCode, message?: string | RegExp): Promise<void> {
  const error = await work.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(DomainException);
  expect((error as DomainException).code).toBe(code);
  if (message) expect((error as DomainException).message).toMatch(message);
}

describe('ClipService on the tiny CLIP model', () => {
  let tiny: TinyClip;
  let images: Buffer[];
  let batch: ClipScoreMatrix;

  before(async () => {
    tiny = tinyClipService(['clip']);
    images = await testImages();
    batch = await tiny.service.score(images, PROMPTS, 'clip');
  });
  after(() => tiny.close());

  it('scores every image against every prompt with a cosine in [-1, 1] and CLIP-S = 2.5 * max(cos, 0)', () => {
    expect(batch.scores).toHaveLength(images.length);
    for (const row of batch.scores) {
      expect(row).toHaveLength(PROMPTS.length);
      for (const { cosine, clipScore } of row) {
        expect(cosine).toBeGreaterThanOrEqual(-1);
        expect(cosine).toBeLessThanOrEqual(1);
        expect(clipScore).toBeCloseTo(CLIP_SCORE_WEIGHT * Math.max(cosine, 0), 12);
      }
    }
    // Random weights still tell different inputs apart: not every pair scores the same.
    expect(new Set(batch.scores.flat().map((s) => s.cosine.toFixed(6))).size).toBeGreaterThan(1);
  });

  it('says which model scored and that it is a test model', () => {
    expect(batch).toMatchObject({ modelType: 'clip', modelId: 'tiny-clip', testModel: true, manifestIds: { text: 'clip-text', image: 'clip-image' } });
    expect(batch.embeddingSize).toBe(32);
  });

  it('gives the same scores in one batch as one image and one prompt at a time', async () => {
    for (const [i, image] of images.entries()) {
      for (const [j, prompt] of PROMPTS.entries()) {
        const single = await tiny.service.score([image], [prompt], 'clip');
        expect(single.scores[0][0].cosine).toBeCloseTo(batch.scores[i][j].cosine, 5);
        expect(single.prompts[0]).toEqual(batch.prompts[j]);
      }
    }
  });

  it('is deterministic across calls', async () => {
    const again = await tiny.service.score(images, PROMPTS, 'clip');
    expect(again.scores).toEqual(batch.scores);
  });

  it('runs each tower once per call, however many images and prompts', async () => {
    const runs = () => Object.fromEntries(tiny.registry.snapshot().models.map((m) => [m.id, m.counters.runs]));
    const before = runs();
    await tiny.service.score(images, [...PROMPTS, 'summer sale'], 'clip');
    const afterRuns = runs();
    expect(afterRuns['clip-text'] - before['clip-text']).toBe(1);
    expect(afterRuns['clip-image'] - before['clip-image']).toBe(1);
  });

  it('reports a 200-word prompt as truncated at 77 tokens and a short one as whole', async () => {
    const long = Array.from({ length: 200 }, (_, i) => ['fresh', 'coffee', 'summer', 'sale'][i % 4]).join(' ');
    const result = await tiny.service.score([images[0]], [long, 'fresh coffee'], 'clip');
    expect(result.prompts[0]).toMatchObject({ tokenCount: 77, truncated: true });
    expect(result.prompts[0].untruncatedTokenCount).toBeGreaterThan(77);
    expect(result.prompts[1].truncated).toBe(false);
    expect(result.prompts[1].tokenCount).toBe(result.prompts[1].untruncatedTokenCount);
    expect(result.prompts[1].tokenCount).toBeLessThan(77);
  });

  it('feeds token ids that start with the start token and end with the end token, truncated or not', async () => {
    expect(typeof SPECIALS.start).toBe('number');
    const long = Array.from({ length: 200 }, () => 'coffee').join(' ');
    const ids = await tiny.service.tokenize(['a photo of a cat', long, '신선한 커피'], 'clip');
    for (const row of ids) {
      expect(row[0]).toBe(SPECIALS.start);
      expect(row[row.length - 1]).toBe(SPECIALS.end);
      expect(row.length).toBeLessThanOrEqual(77);
      // The end token appears once: truncation replaced the 77th token rather than dropping it.
      expect(row.filter((id) => id === SPECIALS.end)).toHaveLength(1);
    }
    expect(ids[1]).toHaveLength(77);
  });

  it('answers MODEL_NOT_INSTALLED with the pull command for a model that is not registered', async () => {
    expect(tiny.service.installed('clip')).toBe(true);
    expect(tiny.service.installed('koclip')).toBe(false);
    await expectDomainError(tiny.service.score(images, PROMPTS, 'koclip'), ErrorCode.MODEL_NOT_INSTALLED, 'npm run models:pull -- koclip');
    const empty = tinyClipService([]);
    await expectDomainError(empty.service.score(images, PROMPTS, 'clip'), ErrorCode.MODEL_NOT_INSTALLED, 'npm run models:pull -- clip');
  });

  it('refuses empty, whitespace-only and absurdly long prompts with INVALID_PROMPT', async () => {
    await expectDomainError(tiny.service.score(images, [''], 'clip'), ErrorCode.INVALID_PROMPT);
    await expectDomainError(tiny.service.score(images, ['fine', ' \n\t '], 'clip'), ErrorCode.INVALID_PROMPT, 'prompts[1]');
    await expectDomainError(tiny.service.score(images, [], 'clip'), ErrorCode.INVALID_PROMPT);
    await expectDomainError(tiny.service.score(images, ['coffee '.repeat(1000)], 'clip'), ErrorCode.INVALID_PROMPT, 'longer than');
  });

  it('refuses bytes that are not an image with INVALID_IMAGE, naming which one', async () => {
    const png = images[0];
    await expectDomainError(tiny.service.score([png, Buffer.from('not an image at all')], PROMPTS, 'clip'), ErrorCode.INVALID_IMAGE, 'images[1]');
    await expectDomainError(tiny.service.score([png.subarray(0, png.length / 2)], PROMPTS, 'clip'), ErrorCode.INVALID_IMAGE);
    await expectDomainError(tiny.service.score([Buffer.alloc(0)], PROMPTS, 'clip'), ErrorCode.INVALID_IMAGE);
    await expectDomainError(tiny.service.score([], PROMPTS, 'clip'), ErrorCode.INVALID_IMAGE);
  });

  it('refuses an unknown model type with INVALID_PARAMETER', async () => {
    await expectDomainError(tiny.service.score(images, PROMPTS, 'dall-e' as 'clip'), ErrorCode.INVALID_PARAMETER);
  });

  it('stops when the signal is aborted', async () => {
    const controller = new AbortController();
    controller.abort();
    await expect(tiny.service.score(images, PROMPTS, 'clip', controller.signal)).rejects.toBeInstanceOf(JobAbortedError);
  });
});
