import { Injectable, OnApplicationShutdown } from '@nestjs/common';
import { Tensor } from 'onnxruntime-node';
import sharp from 'sharp';
import { DomainException, raceAbort, throwIfAborted } from '../../common/errors/domain.exception';
import { ErrorCode } from '../../common/errors/error-codes';
import * as path from 'node:path';
import { TaskWorker } from '../../common/task-worker';
import { AppConfig } from '../../config/app-config';
import { RecentCutouts } from './recent-cutouts';
import { ModelRegistry } from '../../models/model-registry.service';
import type { ModelManifest, SegmentationIo } from '../../models/model.types';
import type { Box, RawImage } from '../image.types';
import type { MatteRequest, MatteTasks, Refined } from './matte-worker';
import type { SeeThroughOutcome } from './see-through';

export interface SegmentOptions {
  signal?: AbortSignal;
  /** fraction: 0..1 over the whole segmentation; subStep: 'preprocess' | 'waiting for the model' | 'inference' | 'second look' | 'refine'. */
  onProgress?: (fraction: number, subStep: string) => void;
  /** The product is glass: its matte is how see-through it is against the photo's plain backdrop (see-through.ts). */
  seeThrough?: boolean;
  /** Regions are enough (a poster's salient objects): the draft model's quicker, coarser look where one is installed. */
  draft?: boolean;
}

export interface SegmentationResult {
  /** Alpha matte at the source resolution (channels 1). */
  matte: RawImage;
  /** The product's outline: the matte before a glass's opacity was read into it (the matte itself otherwise). */
  outline: RawImage;
  /** Set when seeThrough was asked for: whether the see-through matte was made, and why not when it was not. */
  seeThrough: SeeThroughOutcome | null;
  /** Decontaminated RGB with the matte as alpha (channels 4, source resolution). */
  cutout: RawImage;
  /** Bounding box of alpha >= 128; null if nothing is there. */
  box: Box | null;
  modelId: string;
  /** Share of pixels with alpha >= 128. */
  coverage: number;
  /**
   * How many times the photo's difference from its plain backdrop was stretched for the mask that
   * was kept (backdrop-contrast.ts); null when the model's first look at the photo was kept.
   */
  contrastGain: number | null;
  /**
   * Milliseconds per step of the look kept: preprocess, inference, second_look (when taken), refine
   * (matte refinement and decontamination, in the matte worker); first_look: the whole first look,
   * when it was not kept; total.
   */
  timings: Record<string, number>;
}

/**
 * Below this share of opaque pixels there is no product to cut out: ISNet answers a photo without
 * a salient object with a (near) empty mask, and an empty cutout would only fail later, obscurely.
 */
export const MIN_COVERAGE = 0.001;

/**
 * A first look's matte is kept when at most this share of it is unsure (masks.ts unsureShare), and
 * it is one part. On the bench's photos (`npm run bench -- segment-sizes`) the 768 px look matched
 * the full pass (mask IoU >= 0.99) up to a share of 0.041, and had taken a different subject from
 * 0.061 up. A look can also be sure and wrong: on a seeded drawn jar it cut the label's band out,
 * crisply, leaving two parts where the full pass saw one.
 */
export const FIRST_LOOK_UNSURE_LIMIT = 0.05;

interface Look {
  refined: Refined;
  modelId: string;
  contrastGain: number | null;
  /** preprocess, inference, second_look (when taken), refine, total. */
  timings: Record<string, number>;
}

/**
 * Product cutout: salient-object mask from the preferred segmentation model, then edge-aware
 * refinement and colour decontamination at the photo's own resolution (see matte-refine.ts).
 */
@Injectable()
export class SegmentationService implements OnApplicationShutdown {
  /** The matte's pixel loops (50-250 ms) run off the main thread, which answers HTTP. */
  private readonly matteWorker: TaskWorker<MatteTasks>;
  private readonly recent: RecentCutouts<SegmentationResult>;

  constructor(
    private readonly registry: ModelRegistry,
    config: AppConfig,
  ) {
    this.matteWorker = new TaskWorker(path.join(__dirname, 'matte-worker.js'), 'matte refinement', config.INFERENCE_NICE);
    this.recent = new RecentCutouts(config.SEGMENT_CACHE_MB * 2 ** 20);
  }

  /** After the job runner has drained, so no running job loses the matte worker under it. */
  async onApplicationShutdown(): Promise<void> {
    await this.matteWorker.close();
  }

  async segment(image: RawImage, opts: SegmentOptions = {}): Promise<SegmentationResult> {
    const { signal, onProgress } = opts;
    throwIfAborted(signal);
    const manifest = this.registry.preferred('segmentation', { draft: opts.draft });
    const key = await this.recent.key(image, manifest.id, opts.seeThrough === true);
    const again = this.recent.get(key);
    if (again) {
      onProgress?.(1, 'refine');
      return again;
    }
    const rgb = toRgb(image);
    const { width: w, height: h } = image;
    const started = performance.now();

    // The quicker look first where one is installed; the full pass only where it is unsure.
    const quick = opts.draft ? undefined : this.registry.firstLook(manifest.id);
    let kept: Look | null = null;
    let firstLookMs: number | undefined;
    if (quick) {
      const look = await this.look(quick, image, rgb, opts, [0, 0.6], true);
      const { box, count, unsure = 1, parts } = look.refined.found;
      if (box && count / (w * h) >= MIN_COVERAGE && unsure <= FIRST_LOOK_UNSURE_LIMIT && parts === 1) kept = look;
      else firstLookMs = look.timings.total;
    }
    kept ??= await this.look(manifest, image, rgb, opts, quick ? [0.6, 1] : [0, 1]);

    const { matte, cutout, outline, glass, found } = kept.refined;
    // The outline decides whether anything was found: a clear glass is mostly see-through.
    const { box, count } = found;
    const coverage = count / (w * h);
    if (!box || coverage < MIN_COVERAGE) {
      throw new DomainException(
        ErrorCode.INVALID_IMAGE,
        'No product found in the photo: the cutout came back empty. Use a photo where the product is clearly visible ' +
          'and stands out from the background.',
        { modelId: kept.modelId, coverage },
      );
    }
    throwIfAborted(signal);
    onProgress?.(1, 'refine');
    const asImage = (a: Uint8Array): RawImage => ({ data: Buffer.from(a.buffer, a.byteOffset, a.length), width: w, height: h, channels: 1 });
    const result: SegmentationResult = {
      matte: asImage(matte),
      outline: asImage(outline ?? matte),
      seeThrough: glass ?? null,
      cutout: { data: Buffer.from(cutout.buffer, cutout.byteOffset, cutout.length), width: w, height: h, channels: 4 },
      box,
      modelId: kept.modelId,
      coverage,
      contrastGain: kept.contrastGain,
      timings: { ...(firstLookMs === undefined ? {} : { first_look: firstLookMs }), ...kept.timings, total: Math.round(performance.now() - started) },
    };
    this.recent.set(key, result);
    return result;
  }

  /** One model's look at the photo, refined at the photo's resolution; progress reported within [from, to]. */
  private async look(manifest: ModelManifest, image: RawImage, rgb: Uint8Array, opts: SegmentOptions, [from, to]: [number, number], firstLook = false): Promise<Look> {
    const { signal } = opts;
    const report = (fraction: number, subStep: string) => opts.onProgress?.(from + fraction * (to - from), subStep);
    const io = manifest.segmentation;
    if (!io) throw new DomainException(ErrorCode.MODEL_LOAD_ERROR, `Model ${manifest.id} declares no segmentation input/output`);
    const { width: w, height: h } = image;
    const timings: Record<string, number> = {};
    const started = performance.now();
    let mark = started;
    const lap = (name: string) => {
      const now = performance.now();
      timings[name] = Math.round(now - mark);
      mark = now;
    };

    // Every pixel loop runs on the matte worker's thread; this one only sequences the steps.
    report(0, 'preprocess');
    const view = await modelView(rgb, w, h, io.size);
    const inputs = await this.matteWorker.call('inputs', { view, io });
    lap('preprocess');
    throwIfAborted(signal);

    report(0.1, 'inference');
    const looking = (busy: boolean) => report(0.1, busy ? 'waiting for the model' : 'inference');
    let prediction = await this.infer(manifest.id, io, inputs.input, signal, looking);
    lap('inference');
    let contrastGain: number | null = null;
    if (inputs.boost) {
      report(0.45, 'second look');
      const second = await this.infer(manifest.id, io, inputs.boost.input, signal, () => report(0.45, 'second look'));
      // The stretched look is kept when it sees at least what the first one saw: it is there to
      // add the faint parts, not to trade the product for something else.
      if (await this.matteWorker.call('holds', { second: planeOf(second), first: planeOf(prediction), io })) {
        prediction = second;
        contrastGain = Math.round(inputs.boost.gain * 10) / 10;
      }
      lap('second_look');
    }
    throwIfAborted(signal);

    report(0.8, 'refine');
    const [mh, mw] = prediction.dims.slice(-2);
    const values = planeOf(prediction);
    if (values.length !== mh * mw) throw new Error(`segmentation output has dims [${prediction.dims.join(',')}], expected one plane`);
    const sourceRgba = image.channels === 4 ? new Uint8Array(image.data.buffer, image.data.byteOffset, image.data.length) : undefined;
    // Copies handed over: the caller keeps its own photo (and a second look may need it).
    const msg: MatteRequest = { rgb: rgb.slice(), prediction: { values, width: mw, height: mh }, io, width: w, height: h, sourceRgba: sourceRgba?.slice(), seeThrough: opts.seeThrough, firstLook };
    const transfer = [msg.rgb, values, ...(msg.sourceRgba ? [msg.sourceRgba] : [])].map((b) => b.buffer as ArrayBuffer);
    const refined = await this.matteWorker.call('refine', msg, transfer);
    lap('refine');
    timings.total = Math.round(performance.now() - started);
    return { refined, modelId: manifest.id, contrastGain, timings };
  }

  private async infer(modelId: string, io: SegmentationIo, data: Float32Array, signal: AbortSignal | undefined, waiting: (busy: boolean) => void): Promise<Tensor> {
    return raceAbort(
      this.registry.withModel(modelId, async (lease) => {
        throwIfAborted(signal);
        const input = new Tensor('float32', data, [1, 3, io.size, io.size]);
        const outputs = await raceAbort(lease.run({ [io.input]: input }, [io.output], waiting), signal);
        return outputs[io.output];
      }),
      signal,
    );
  }
}

/**
 * What the model sees: the photo squashed to size x size (aspect ignored, like the model's
 * training and the vendor runtime). sharp's 'linear' kernel is a bilinear interpolation; unlike
 * the vendor's naive top-left-aligned sampling it is centre aligned and antialiases when
 * shrinking, a sub-pixel difference the mask does not notice.
 */
function modelView(rgb: Uint8Array, w: number, h: number, size: number): Promise<Buffer> {
  return sharp(rgb, { raw: { width: w, height: h, channels: 3 } }).resize(size, size, { fit: 'fill', kernel: 'linear' }).raw().toBuffer();
}

/** The model's output plane as floats (the only output type these models give). */
function planeOf(prediction: Tensor): Float32Array {
  if (!(prediction.data instanceof Float32Array)) throw new Error(`segmentation output is ${prediction.type}, expected float32`);
  return prediction.data;
}

/**
 * Interleaved RGB of any RawImage. RGBA is flattened onto white: the colour under transparent
 * pixels is arbitrary (often black) and would otherwise be shown to the model as content; opaque
 * pixels keep their exact colour. Grey is replicated into three channels.
 */
function toRgb(image: RawImage): Uint8Array {
  const { data, width, height, channels } = image;
  if (data.length !== width * height * channels) {
    throw new DomainException(ErrorCode.INVALID_IMAGE, `Image buffer holds ${data.length} bytes, expected ${width}x${height}x${channels}`);
  }
  if (channels === 3) return new Uint8Array(data.buffer, data.byteOffset, data.length);
  const n = width * height;
  const rgb = new Uint8Array(n * 3);
  for (let i = 0; i < n; i++) {
    if (channels === 1) {
      rgb[i * 3] = rgb[i * 3 + 1] = rgb[i * 3 + 2] = data[i];
      continue;
    }
    const a = data[i * 4 + 3];
    for (let c = 0; c < 3; c++) rgb[i * 3 + c] = a === 255 ? data[i * 4 + c] : Math.round((data[i * 4 + c] * a + 255 * (255 - a)) / 255);
  }
  return rgb;
}

