import 'reflect-metadata';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import sharp from 'sharp';
import { type INestApplicationContext, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ConfigModule } from '../src/config/config.module';
import { ModelsModule } from '../src/models/models.module';
import { AdPipelineModule } from '../src/ad/ad-pipeline.module';
import { loadConfig } from '../src/config/app-config';
import { ModelRegistry } from '../src/models/model-registry.service';
import { StudioBackgroundProvider } from '../src/ad/background/studio-background.provider';
import { dominantColors } from '../src/vision/palette';
import { composeProductShot } from '../src/ad/compositing/composite';
import { placeProduct } from '../src/ad/compositing/placement';
import type { RawImage } from '../src/vision/image.types';
import { SegmentationService } from '../src/vision/segmentation/segmentation.service';
import { maskIoU } from '../src/vision/masks';
import { execFileSync } from 'node:child_process';
import { tinyClipManifests } from '../src/clip/tiny-clip.testing';
import { FontsService } from '../src/fonts/fonts.service';
import { EmbeddedImageAnalyzer } from '../src/ad/analysis/embedded-analyzer';
import { TemplateLayoutDesigner } from '../src/ad/layout/template-designer';
import { HTML_RENDERER, type HtmlRenderer } from '../src/renderer/renderer.types';
import type { RegistrySnapshot } from '../src/models/model.types';
import { httpJson, median, type Row, startServer, timeRuns, vendorRemoveBackground, waitJobs } from './bench-helpers';
import { MUG_TONES, mugPhoto, silhouetteIoU } from '../test/helpers/drawn-mugs';
import { benchAdDesign } from './ad-design';
import { benchAdJob } from './ad-job';
import { benchHomepage } from './homepage';
import { benchLayers } from './layers';
import { benchModelLoad } from './model-load';
import { benchPlatform, benchSingleInstance } from './platform';
import { benchProviders } from './providers';
import { benchSecurity } from './security';
import { benchSegmentSizes } from './segment-sizes';

const SAMPLE = path.resolve('samples', 'coffee-cup.png');
const rows: Row[] = [];

/** The sample photo upscaled to 1024 px wide: the issue's working size. */
async function sampleAt1024(): Promise<{ png: Buffer; raw: RawImage }> {
  const png = await sharp(SAMPLE).resize({ width: 1024 }).png().toBuffer();
  const { data, info } = await sharp(png).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return { png, raw: { data, width: info.width, height: info.height, channels: 3 } };
}

@Module({})
class BenchModule {}

/** The pipeline's services without HTTP or a database, as the CLI uses them. */
function pipelineContext(): Promise<INestApplicationContext> {
  return NestFactory.createApplicationContext(
    { module: BenchModule, imports: [ConfigModule.forRoot(loadConfig({ LOG_LEVEL: 'error', SEGMENT_CACHE_MB: '0' })), ModelsModule, AdPipelineModule] },
    { logger: ['error'] },
  );
}

/** Runs a section on a fresh pipeline context, closed afterwards (each section starts cold). */
async function withPipeline(section: (app: INestApplicationContext) => Promise<void>): Promise<void> {
  const app = await pipelineContext();
  try {
    await section(app);
  } finally {
    await app.close();
  }
}

async function benchSegmentation(app: INestApplicationContext): Promise<void> {
  const { png, raw } = await sampleAt1024();
  const segmentation = app.get(SegmentationService);
  const registry = app.get(ModelRegistry);
  const first = await segmentation.segment(raw, {});
  const ours = await timeRuns(5, () => segmentation.segment(raw, {}));
  rows.push({ what: `segment, warm (${first.modelId}, ${raw.width}x${raw.height}, matte refine + decontamination)`, value: ours, unit: 'ms', target: '<= vendor' });

  // The vendor package's own pipeline, run here only as the yardstick.
  const run = () => vendorRemoveBackground(png);
  const vendorPng = await run();
  const theirs = await timeRuns(5, run);
  rows.push({ what: 'segment, vendor removeBackground (medium, same image)', value: theirs, unit: 'ms' });
  const vendorAlpha = await sharp(vendorPng).ensureAlpha().extractChannel(3).raw().toBuffer();
  const iou = maskIoU(first.matte.data, vendorAlpha);
  rows.push({ what: 'mask IoU with the vendor (alpha >= 128)', value: [iou], unit: '', target: '>= 0.98', digits: 4 });
  rows.push({ what: 'segmentation model loads during these runs', value: [registry.snapshot().totals.loads], unit: '' });

  // The hardest class: a white mug on a white sweep takes a second look at a contrast-stretched copy.
  const { data, info } = await sharp(await mugPhoto(MUG_TONES.white)).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  const mug: RawImage = { data, width: info.width, height: info.height, channels: 3 };
  const cut = await segmentation.segment(mug, {});
  rows.push({ what: `segment, warm, white mug on white (${info.width}x${info.height}, second look at ${cut.contrastGain ?? 1}x contrast)`, value: await timeRuns(3, () => segmentation.segment(mug, {})), unit: 'ms' });
  const mattePng = await sharp(cut.matte.data, { raw: { width: info.width, height: info.height, channels: 1 } }).png().toBuffer();
  rows.push({ what: 'white mug on white: matte IoU with the drawn silhouette', value: [await silhouetteIoU(mattePng)], unit: '', target: '>= 0.98', digits: 4 });
}

async function benchBackgroundComposite(app: INestApplicationContext): Promise<void> {
  const { raw } = await sampleAt1024();
  const cut = await app.get(SegmentationService).segment(raw, {});
  const studio = app.get(StudioBackgroundProvider);
  const palette = dominantColors(cut.cutout);
  const canvas = { width: 1024, height: 1024 };
  const once = async (seed: number) => {
    const placement = placeProduct(cut.box!, cut.cutout, canvas, { textPosition: 'auto' });
    const bg = await studio.generate({
      prompt: 'warm beige studio', negativePrompt: '', ...canvas, seed, palette,
      productBox: placement.box, floorY: placement.floorY, strength: 0.6, guidanceScale: 3.5,
    });
    await composeProductShot({ background: bg.image, cutout: cut.cutout, productBox: cut.box!, placement });
  };
  await once(0);
  let seed = 1;
  rows.push({ what: 'studio background + composite, 1024x1024', value: await timeRuns(20, () => once(seed++)), unit: 'ms', target: '<= 150' });
}

/** A typical text layer: the real analysis and template layout of a Stage 1 shot. */
async function benchRenderer(app: INestApplicationContext): Promise<void> {
  const { raw } = await sampleAt1024();
  const cut = await app.get(SegmentationService).segment(raw, {});
  const canvas = { width: 1024, height: 1024 };
  const placement = placeProduct(cut.box!, cut.cutout, canvas, { textPosition: 'auto' });
  const bg = await app.get(StudioBackgroundProvider).generate({
    prompt: 'warm beige studio', negativePrompt: '', ...canvas, seed: 7, palette: dominantColors(cut.cutout),
    productBox: placement.box, floorY: placement.floorY, strength: 0.6, guidanceScale: 3.5,
  });
  const shot = await composeProductShot({ background: bg.image, cutout: cut.cutout, productBox: cut.box!, placement });
  const analysis = await app.get(EmbeddedImageAnalyzer).analyze({
    image: { data: shot.image.data, width: 1024, height: 1024, channels: 3 }, productBox: shot.productBox, position: 'auto',
  });
  const fonts = app.get(FontsService);
  const copy = '명절 특가! 사과 한 박스 20,000원';
  const bundle = fonts.faceBundle(fonts.resolve(undefined, copy), copy);
  const layout = await app.get(TemplateLayoutDesigner).design({
    analysis, copy, stylePrompt: '', position: 'auto', fontCss: bundle.css, fontStack: bundle.stack, ...canvas,
  });
  const renderer = app.get<HtmlRenderer>(HTML_RENDERER);
  const render = () => renderer.render({ html: layout.html, ...canvas, fonts: bundle.assets, fit: layout.fit, measure: layout.measure, fontProbe: [layout.fit.selector] });
  await render();
  rows.push({ what: 'text layer render, warm, 1024x1024 (fit + measure + font probe + PNG)', value: await timeRuns(30, render), unit: 'ms', target: '<= 150' });
  const memory = () => ({ node: process.memoryUsage.rss() / 2 ** 20, chromium: chromiumRssMb() });
  const start = memory();
  const times = await timeRuns(500, render);
  const end = memory();
  rows.push({ what: 'render pool through 500 renders: median render', value: times, unit: 'ms' });
  rows.push({ what: 'render pool: Node RSS at start / after 500 renders', value: [start.node, end.node], unit: 'MB', target: 'flat', pair: true });
  rows.push({ what: 'render pool: Chromium RSS (all its processes) at start / after 500', value: [start.chromium, end.chromium], unit: 'MB', target: 'flat', pair: true });
}

/** Resident memory of every Chromium process, summed (shared pages counted per process). */
function chromiumRssMb(): number {
  const out = execFileSync('ps', ['-C', 'chromium', '-o', 'rss='], { encoding: 'utf8' }).trim();
  return out ? out.split('\n').reduce((sum, kb) => sum + Number(kb), 0) / 1024 : 0;
}

/** A photo of about 1 MB: the sample, upscaled until its JPEG passes 1 MiB. */
async function photoOfOneMegabyte(): Promise<{ bytes: Buffer; width: number }> {
  for (let width = 1600; ; width += 200) {
    const bytes = await sharp(SAMPLE).resize({ width }).jpeg({ quality: 95 }).toBuffer();
    if (bytes.length >= 2 ** 20) return { bytes, width };
  }
}

async function benchJobs(dataDir: string): Promise<void> {
  const photo = await photoOfOneMegabyte();
  const body = JSON.stringify({ product_image: `data:image/jpeg;base64,${photo.bytes.toString('base64')}`, stop_step: 1, bg_prompt: 'warm studio' });

  // Submission latency, with the runner off so the queue does not compete for the CPU.
  const intake = await startServer(path.join(dataDir, 'intake'), { RUNNER_ENABLED: 'false' });
  try {
    await httpJson(intake.url, 'POST', '/generate', body);
    rows.push({
      what: `POST /generate -> 202 with a ${(photo.bytes.length / 2 ** 20).toFixed(2)} MB JPEG (${photo.width} px wide)`,
      value: await timeRuns(20, () => httpJson(intake.url, 'POST', '/generate', body)),
      unit: 'ms',
      target: '<= 20',
    });
  } finally {
    await intake.stop();
  }

  // The rest against the real server process, read through its own /system endpoint.
  const server = await startServer(path.join(dataDir, 'jobs'), { JOB_POLL_MS: '100' });
  const system = async () => (await httpJson(server.url, 'GET', '/system')) as { metrics: { process_rss_mb: number }; models: RegistrySnapshot };
  try {
    rows.push({ what: 'server RSS after boot, idle (no model loaded)', value: [(await system()).metrics.process_rss_mb], unit: 'MB' });
    const warm = await httpJson(server.url, 'POST', '/generate', body);
    await waitJobs(server.url, [warm.job_id as string]);
    const serverSide: number[] = [];
    const client = await timeRuns(5, async () => {
      const { job_id } = await httpJson(server.url, 'POST', '/generate', body);
      const [done] = await waitJobs(server.url, [job_id as string]);
      serverSide.push(Date.parse(done.finished_at as string) - Date.parse(done.created_at as string));
    });
    rows.push({ what: 'whole Stage 1 job, warm, embedded (submit -> completed seen by a polling client)', value: client, unit: 'ms', target: '<= 4000' });
    rows.push({ what: 'whole Stage 1 job, warm (created_at -> finished_at on the server)', value: serverSide, unit: 'ms' });

    const withCopy = JSON.stringify({ ...JSON.parse(body), stop_step: 2, text_content: '명절 특가! 사과 한 박스 20,000원' });
    const stage2: number[] = [];
    const whole = await timeRuns(5, async () => {
      const { job_id } = await httpJson(server.url, 'POST', '/generate', withCopy);
      const [done] = await waitJobs(server.url, [job_id as string]);
      const t = done.timings as Record<string, number>;
      stage2.push(t.analyze + t.layout + t.render + t.finalize);
    });
    rows.push({ what: 'Stage 2 on embedded providers (analyze + layout + render + finalize), warm', value: stage2, unit: 'ms', target: '<= 400' });
    rows.push({ what: 'whole job, Stage 1 + 2, warm (submit -> completed seen by a polling client)', value: whole, unit: 'ms', target: '<= 4500' });

    const before = (await system()).models.totals;
    const started = Date.now();
    const ids = await Promise.all(Array.from({ length: 10 }, async () => (await httpJson(server.url, 'POST', '/generate', body)).job_id as string));
    await waitJobs(server.url, ids, 180_000);
    const after = await system();
    rows.push({ what: 'batch of 10 jobs: wall time', value: [Date.now() - started], unit: 'ms' });
    rows.push({ what: 'batch of 10 jobs: model loads during the batch (registry counter)', value: [after.models.totals.loads - before.loads], unit: '', target: '0 (loaded once, before)' });
    rows.push({ what: 'model loads in the server process in total (registry counter)', value: [after.models.totals.loads], unit: '', target: '1' });
    rows.push({ what: 'server RSS after the batch (ISNet resident in its worker)', value: [after.metrics.process_rss_mb], unit: 'MB' });
  } finally {
    await server.stop();
  }
}

/** /clip-score over HTTP, warm, with whatever CLIP is installed: here only the tiny test model. */
async function benchClip(dataDir: string): Promise<void> {
  const models = path.join(dataDir, 'models');
  mkdirSync(path.join(models, 'manifests'), { recursive: true });
  for (const manifest of tinyClipManifests('clip')) writeFileSync(path.join(models, 'manifests', `${manifest.id}.json`), JSON.stringify(manifest));
  const server = await startServer(path.join(dataDir, 'clip'), { MODELS_DIR: models, RUNNER_ENABLED: 'false' });
  try {
    const image = (await sharp(SAMPLE).png().toBuffer()).toString('base64');
    const body = JSON.stringify({ image_base64: image, prompt: 'a red espresso cup on a saucer' });
    await httpJson(server.url, 'POST', '/clip-score', body);
    rows.push({
      what: '/clip-score warm, 600x400 photo x 1 prompt, CPU (TINY random test model, not ViT-B/32: none can be fetched here)',
      value: await timeRuns(30, () => httpJson(server.url, 'POST', '/clip-score', body)),
      unit: 'ms',
      target: '<= 150 for ViT-B/32 where installed',
    });
  } finally {
    await server.stop();
  }
}

function report(): string {
  const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
  const lines = [
    '# Benchmarks',
    '',
    `Machine: ${cpu}, ${os.cpus().length} cores, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB RAM, no GPU; Node ${process.version}; ` +
      `${new Date().toISOString().slice(0, 10)}. Produced by \`npm run bench\` (bench/run.ts); medians unless one value is shown.`,
    '',
    '| measurement | median | min | max | runs | target |',
    '|---|---:|---:|---:|---:|---|',
    ...rows.map((r) => {
      const d = r.digits ?? (r.unit === 'MB' ? 0 : 1);
      const f = (v: number) => `${v.toFixed(d)}${r.unit ? ` ${r.unit}` : ''}`;
      if (r.pair) return `| ${r.what} | ${f(r.value[0])} -> ${f(r.value[1])} | | | | ${r.target ?? ''} |`;
      return `| ${r.what} | ${f(median(r.value))} | ${f(Math.min(...r.value))} | ${f(Math.max(...r.value))} | ${r.value.length} | ${r.target ?? ''} |`;
    }),
    '',
  ];
  return lines.join('\n');
}

/** `npm run bench` runs every section and rewrites docs/benchmarks.md; `npm run bench -- platform` runs one and only prints. */
type Section = 'pipeline' | 'model-load' | 'segment-sizes' | 'ad-job' | 'design' | 'jobs' | 'platform' | 'polling' | 'security' | 'providers' | 'layers' | 'homepage' | 'clip';

async function main(): Promise<void> {
  const only = process.argv[2]?.split(',');
  const want = (s: Section) => !only || only.includes(s);
  const root = mkdtempSync(path.join(os.tmpdir(), 'nanococoa-bench-'));
  chmodSync(root, 0o755); // the embedded PostgreSQL's user must be able to enter the data dirs inside
  try {
    if (want('pipeline')) {
      await withPipeline(async (app) => {
        await benchSegmentation(app);
        await benchBackgroundComposite(app);
        await benchRenderer(app);
      });
    }
    if (want('model-load')) benchModelLoad(rows);
    if (want('segment-sizes')) await withPipeline((app) => benchSegmentSizes(app, readFileSync(SAMPLE), rows));
    if (want('ad-job')) await benchAdJob(root, (await sampleAt1024()).png, rows);
    if (want('design')) await withPipeline((app) => benchAdDesign(app, readFileSync(SAMPLE), rows));
    if (want('jobs')) await benchJobs(root);
    if (want('platform')) await benchPlatform(root, (await sampleAt1024()).png, rows);
    if (want('polling')) await benchSingleInstance(root, (await sampleAt1024()).png, rows);
    if (want('security')) await benchSecurity(root, rows);
    if (want('providers')) await benchProviders(root, (await sampleAt1024()).png, rows);
    if (want('layers')) {
      const scores = await benchLayers(rows);
      if (only) console.log(JSON.stringify(scores.map(({ seed, levels, psnr, layers, truthLayers, textIou, seconds }) => ({ seed, first: levels[0], last: levels.at(-1), psnr, layers, truthLayers, textIou, seconds }))));
    }
    if (want('homepage')) await benchHomepage(root, (await sampleAt1024()).png, rows);
    if (want('clip')) await benchClip(root);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
  const text = report();
  console.log(text);
  if (only) return;
  mkdirSync('docs', { recursive: true });
  // The table is regenerated; the hand-kept history below the marker (before/after of each
  // optimisation) is carried over.
  const file = path.resolve('docs', 'benchmarks.md');
  const old = existsSync(file) ? readFileSync(file, 'utf8') : '';
  const history = old.includes(HISTORY) ? old.slice(old.indexOf(HISTORY)) : `${HISTORY}\n## History\n`;
  writeFileSync(file, `${text}\n${history}`);
}

const HISTORY = '<!-- history: kept by hand, below this line -->';

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
