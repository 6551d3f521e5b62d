import { Injectable } from '@nestjs/common';
import sharp from 'sharp';
import { DomainException } from '../common/errors/domain.exception';
import { ErrorCode } from '../common/errors/error-codes';
import { AppConfig } from '../config/app-config';
import { JobHandler, type JobContext, type JobKindHandler, type JobOutcome } from '../jobs/job-handler';
import type { Decomposition, LayerMetadata } from './decomposition.types';
import { ProviderRegistry } from '../providers/provider-registry';
import { collectProviderCalls, providerMetrics } from '../providers/provider-usage';
import type { RawImage } from '../vision/image.types';
import { type DecomposeOptions, EmbeddedDecomposer } from './embedded-decomposer.service';
import { LayerDescriber } from './layer-describer.service';
import { LayeredDecomposer } from './layered-decomposer.service';
import { type ExportLayer, layerPng, previewOf, psdOf, zipOf } from './layer-export';
import { htmlOf } from './layer-html';
import { FontMatchService } from './font-match.service';
import { recompose } from './layer-stack';
import { hexOf as hex } from '../vision/color-math';
import { openImage } from '../common/images/image-input';

/** What a decompose job keeps in its row. */
export interface DecomposeParameters {
  /** Jobs from before `auto` hold a number. */
  num_layers: number | 'auto';
  describe: boolean;
  /** For a layered provider; jobs from before it was kept have none. */
  seed?: number;
  input: string;
}

/** Posters are worked on at most this size on the long side; larger ones are scaled down first. */
const MAX_SIDE = 2048;

/** What was uploaded and what the decomposition made of it (first frame, sRGB, 8 bits). */
interface InputDescription {
  format: string;
  width: number;
  height: number;
  frames: number;
  color_space: string;
  bits_per_channel: number;
  note?: string;
}

async function describeInput(bytes: Buffer): Promise<InputDescription> {
  const meta = await sharp(bytes, { limitInputPixels: false }).metadata();
  const frames = meta.pages ?? 1;
  const bits = meta.depth === 'ushort' || meta.depth === 'short' ? 16 : meta.depth === 'float' || meta.depth === 'uint' || meta.depth === 'int' ? 32 : 8;
  const notes = [
    frames > 1 ? `an animated or multi-page image: the first of its ${frames} frames was decomposed` : '',
    meta.space && !['srgb', 'b-w', 'rgb'].includes(meta.space) ? `converted from ${meta.space.toUpperCase()} to sRGB` : '',
    bits > 8 ? `reduced from ${bits} to 8 bits per channel` : '',
  ].filter(Boolean);
  return {
    format: meta.format ?? 'unknown',
    width: meta.width ?? 0,
    height: meta.pageHeight ?? meta.height ?? 0,
    frames,
    color_space: meta.space ?? 'unknown',
    bits_per_channel: bits,
    ...(notes.length ? { note: notes.join('; ') } : {}),
  };
}

interface Rasters {
  composite: Uint8Array;
  pngs: Buffer[];
  preview: Buffer;
}

/** Each layer's PNG, the recomposed poster and the preview sheet. */
async function encodeRasters(result: Decomposition): Promise<Rasters> {
  const { width, height } = result;
  const layers = result.layers.map(({ name, rgba, box }) => ({ name, rgba, box }));
  const composite = recompose(result.layers, width, height);
  const pngs = await Promise.all(layers.map((l) => layerPng(l, width, height)));
  return { composite, pngs, preview: await previewOf(width, height, composite, layers) };
}

const prefixed = (t: Record<string, number>) => Object.fromEntries(Object.entries(t).map(([k, v]) => [`layers_${k}`, v]));

/** The second seed as a job kind: a flat poster in, RGBA layers, metadata, a preview, a ZIP and a PSD out. */
@JobHandler('decompose')
@Injectable()
export class DecomposeJobHandler implements JobKindHandler {
  constructor(
    private readonly embedded: EmbeddedDecomposer,
    private readonly layered: LayeredDecomposer,
    private readonly describer: LayerDescriber,
    private readonly fontMatch: FontMatchService,
    private readonly providers: ProviderRegistry,
    private readonly config: AppConfig,
  ) {}

  get retentionHours(): number {
    return this.config.DECOMPOSE_RETENTION_HOURS;
  }

  async run(ctx: JobContext): Promise<JobOutcome> {
    const params = ctx.job.parameters as unknown as DecomposeParameters;
    const input = await ctx.readArtifact(params.input);
    if (!input) throw new DomainException(ErrorCode.ARTIFACT_MISSING, `The job's input ${params.input} is gone`);
    const source = await describeInput(input);
    const { data, info } = await openImage(input)
      .rotate()
      .resize(MAX_SIDE, MAX_SIDE, { fit: 'inside', withoutEnlargement: true })
      .flatten({ background: '#ffffff' })
      .raw()
      .toBuffer({ resolveWithObject: true });
    const started = new Date();
    const progress = (fraction: number, step: string) =>
      ctx.progress({ percent: Math.round(fraction * 90), step: 'decompose', subStep: step, message: `Decomposing: ${step}`, stageStartedAt: started });
    const image: RawImage = { data, width: info.width, height: info.height, channels: 3 };
    const { value, calls } = await collectProviderCalls(async () => {
      const found = await this.decompose(image, { layers: params.num_layers, signal: ctx.signal, onProgress: progress }, params.seed ?? 0);
      // The layers' PNGs and the preview need no typography: they are encoded while Chromium matches the fonts.
      const [rasters] = await Promise.all([encodeRasters(found), this.typeset(ctx, found, params.describe !== false, started)]);
      return { found, rasters };
    });
    const { found: result, rasters } = value;
    ctx.progress({ percent: 92, step: 'export', subStep: 'files', message: 'Writing the layers, the ZIP and the PSD', stageStartedAt: new Date() });
    const exported = await this.export(ctx, result, rasters, params.describe !== false, source);
    return {
      message: `Completed: ${result.layers.length} layers.`,
      // Prefixed: the step names (text, background...) must not read as the ad pipeline's stages.
      timings: { decompose: Object.values(result.timings).reduce((a, b) => a + b, 0), ...prefixed(result.timings), layers_export: exported.ms },
      result: { ...exported.metadata, metrics: { providers: providerMetrics(calls, this.config) } },
    };
  }

  /** Live text's typography (fonts drawn in Chromium), then the layers' descriptions when asked for. */
  private async typeset(ctx: JobContext, found: Decomposition, describe: boolean, started: Date): Promise<void> {
    ctx.progress({ percent: 88, step: 'decompose', subStep: 'typeset', message: 'Matching the fonts of the text layers', stageStartedAt: started });
    const typesetStarted = performance.now();
    await this.fontMatch.typeset(found.layers, found.width, found.height, ctx.signal);
    found.timings.typeset = Math.round(performance.now() - typesetStarted);
    found.engines.typography = 'installed families drawn in Chromium, the closest glyphs chosen';
    if (describe) {
      ctx.progress({ percent: 90, step: 'decompose', subStep: 'describe', message: 'Describing the layers', stageStartedAt: started });
      found.engines.descriptions = await this.describer.describe(found.layers, found.width, found.height, ctx.signal);
    }
  }

  /** The layered provider where one is configured (the embedded decomposer if it fails and PROVIDER_FALLBACK allows), else the embedded one. */
  private async decompose(image: RawImage, opts: DecomposeOptions, seed: number): Promise<Decomposition> {
    if (!this.layered.configured) return this.embedded.decompose(image, opts);
    try {
      return await this.layered.decompose(image, { ...opts, seed });
    } catch (error) {
      if (!this.providers.fallsBackFrom(error)) throw error;
      const result = await this.embedded.decompose(image, opts);
      result.engines.fallback = `the layered provider failed, so the embedded decomposer made these layers: ${error.message}`;
      return result;
    }
  }

  private async export(ctx: JobContext, result: Decomposition, rasters: Rasters, describe: boolean, input: InputDescription) {
    const started = performance.now();
    const { composite, pngs, preview } = rasters;
    const { width, height } = result;
    const layers: LayerMetadata[] = result.layers.map((l, index) => ({
      index,
      file: `layer_${String(index).padStart(2, '0')}.png`,
      name: l.name,
      kind: l.kind,
      box: l.box,
      area: l.area,
      colors: l.colors.map(hex),
      text: l.text ?? null,
      typography: l.typography ?? null,
      description: describe ? l.description : null,
    }));
    const exportLayers: ExportLayer[] = result.layers.map((l) => ({
      name: l.name,
      rgba: l.rgba,
      box: l.box,
      ...(l.kind === 'text' && l.text ? { text: { value: l.text, color: l.colors[0], typography: l.typography } } : {}),
    }));
    const metadata = {
      width,
      height,
      input,
      num_layers_requested: result.requested,
      num_layers: layers.length,
      recomposition_psnr_db: Number.isFinite(result.psnr) ? Math.round(result.psnr * 100) / 100 : null,
      recomposition_exact: !Number.isFinite(result.psnr),
      engines: result.engines,
      layers,
    };
    const json = JSON.stringify(metadata, null, 2);
    const html = await htmlOf(width, height, result.layers.map((l, i) => ({ name: l.name, box: l.box, png: pngs[i], text: l.text, typography: l.typography })));
    const files: Record<string, Buffer | string> = { 'metadata.json': json, 'preview.jpg': preview, 'layers.html': html };
    for (const [i, l] of layers.entries()) {
      files[l.file] = pngs[i];
      await ctx.writeArtifact(l.file, pngs[i], 'image/png');
    }
    await ctx.writeArtifact('metadata.json', Buffer.from(json), 'application/json');
    await ctx.writeArtifact('preview.jpg', preview, 'image/jpeg');
    await ctx.writeArtifact('layers.zip', zipOf(files), 'application/zip');
    await ctx.writeArtifact('layers.psd', psdOf(width, height, exportLayers, composite), 'image/vnd.adobe.photoshop');
    await ctx.writeArtifact('layers.html', Buffer.from(html), 'text/html; charset=utf-8');
    return { metadata, ms: Math.round(performance.now() - started) };
  }
}
