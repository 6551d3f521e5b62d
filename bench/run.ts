import 'reflect-metadata';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import sharp from 'sharp';
import { createApp } from '../src/app.setup';
import { loadConfig } from '../src/config/app-config';
import { ModelRegistry } from '../src/models/model-registry.service';
import { StudioBackgroundProvider } from '../src/pipeline/background/studio-background.provider';
import { dominantColors } from '../src/pipeline/background/palette';
import { composeProductShot } from '../src/pipeline/compositing/composite';
import { placeProduct } from '../src/pipeline/compositing/placement';
import type { RawImage } from '../src/pipeline/image.types';
import { maskIoU, SegmentationService } from '../src/pipeline/segmentation/segmentation.service';
import { httpJson, median, type Row, timeRuns, waitJobs } from './bench-helpers';

const SAMPLE = path.resolve('samples', 'coffee-cup.png');
const rows: Row[] = [];

/** The sample photo upscaled to 1024 px wide: the issue's working size. */
async function sampleAt1024(): Promise<{ png: Buffer; raw: RawImage }> {
  const png = await sharp(SAMPLE).resize({ width: 1024 }).png().toBuffer();
  const { data, info } = await sharp(png).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return { png, raw: { data, width: info.width, height: info.height, channels: 3 } };
}

async function benchSegmentation(dataDir: string): Promise<void> {
  const { png, raw } = await sampleAt1024();
  const app = await createApp(loadConfig({ DATA_DIR: dataDir, LOG_LEVEL: 'error', RUNNER_ENABLED: 'false' }));
  await app.init();
  const segmentation = app.get(SegmentationService);
  const registry = app.get(ModelRegistry);
  try {
    const first = await segmentation.segment(raw, {});
    const ours = await timeRuns(5, () => segmentation.segment(raw, {}));
    rows.push({ what: `segment, warm (${first.modelId}, ${raw.width}x${raw.height}, matte refine + decontamination)`, value: ours, unit: 'ms', target: '<= vendor' });

    // The vendor package's own pipeline, run here only as the yardstick (AGPL code: never in src/).
    const vendor = (await import('@imgly/background-removal-node')) as unknown as {
      removeBackground: (input: Blob, config: object) => Promise<Blob>;
    };
    const run = async () => Buffer.from(await (await vendor.removeBackground(new Blob([png], { type: 'image/png' }), { model: 'medium' })).arrayBuffer());
    const vendorPng = await run();
    const theirs = await timeRuns(5, run);
    rows.push({ what: 'segment, vendor removeBackground (medium, same image)', value: theirs, unit: 'ms' });
    const vendorAlpha = await sharp(vendorPng).ensureAlpha().extractChannel(3).raw().toBuffer();
    const iou = maskIoU(first.matte.data, vendorAlpha);
    rows.push({ what: 'mask IoU with the vendor (alpha >= 128)', value: [iou], unit: '', target: '>= 0.98', digits: 4 });
    rows.push({ what: 'segmentation model loads during these runs', value: [registry.snapshot().totals.loads], unit: '' });
  } finally {
    await app.close();
  }
}

async function benchBackgroundComposite(): Promise<void> {
  const { raw } = await sampleAt1024();
  const app = await createApp(loadConfig({ DATA_DIR: mkdtempSync(path.join(os.tmpdir(), 'bench-bg-')), LOG_LEVEL: 'error', RUNNER_ENABLED: 'false' }));
  await app.init();
  try {
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
  } finally {
    await app.close();
  }
}

async function benchJobs(dataDir: string): Promise<void> {
  const photo = await sharp(SAMPLE).resize({ width: 1800 }).jpeg({ quality: 97 }).toBuffer();
  const body = JSON.stringify({ product_image: `data:image/jpeg;base64,${photo.toString('base64')}`, stop_step: 1, bg_prompt: 'warm studio' });

  // Submission latency, with the runner off so the queue does not compete for the CPU.
  const intake = await createApp(loadConfig({ DATA_DIR: dataDir, LOG_LEVEL: 'error', RUNNER_ENABLED: 'false', PORT: '0' }));
  await intake.listen(0, '127.0.0.1');
  const intakeUrl = await intake.getUrl();
  await httpJson(intakeUrl, 'POST', '/generate', body);
  rows.push({
    what: `POST /generate -> 202 with a ${(photo.length / 2 ** 20).toFixed(2)} MB JPEG (1800x1200)`,
    value: await timeRuns(20, () => httpJson(intakeUrl, 'POST', '/generate', body)),
    unit: 'ms',
    target: '<= 30',
  });
  await intake.close();

  const app = await createApp(loadConfig({ DATA_DIR: mkdtempSync(path.join(os.tmpdir(), 'bench-jobs-')), LOG_LEVEL: 'error', JOB_POLL_MS: '100' }));
  await app.listen(0, '127.0.0.1');
  const url = await app.getUrl();
  const registry = app.get(ModelRegistry);
  try {
    rows.push({ what: 'idle RSS after boot (no model loaded)', value: [process.memoryUsage.rss() / 2 ** 20], unit: 'MB' });
    const warm = await httpJson(url, 'POST', '/generate', body);
    await waitJobs(url, [warm.job_id as string]);
    const server: number[] = [];
    const client = await timeRuns(5, async () => {
      const { job_id } = await httpJson(url, 'POST', '/generate', body);
      const [done] = await waitJobs(url, [job_id as string]);
      server.push(Date.parse(done.finished_at as string) - Date.parse(done.created_at as string));
    });
    rows.push({ what: 'whole Stage 1 job, warm, embedded (submit -> completed seen by a polling client)', value: client, unit: 'ms', target: '<= 4000' });
    rows.push({ what: 'whole Stage 1 job, warm (created_at -> finished_at on the server)', value: server, unit: 'ms' });

    const before = registry.snapshot().totals;
    const started = Date.now();
    const ids = await Promise.all(Array.from({ length: 10 }, async () => (await httpJson(url, 'POST', '/generate', body)).job_id as string));
    await waitJobs(url, ids, 180_000);
    const after = registry.snapshot().totals;
    rows.push({ what: 'batch of 10 jobs: wall time', value: [Date.now() - started], unit: 'ms' });
    rows.push({ what: 'batch of 10 jobs: model loads during the batch (registry counter)', value: [after.loads - before.loads], unit: '', target: '0 (loaded once, before)' });
    rows.push({ what: 'model loads in this process in total', value: [after.loads], unit: '', target: '1' });
    rows.push({ what: 'RSS after the batch (ISNet resident)', value: [process.memoryUsage.rss() / 2 ** 20], unit: 'MB' });
  } finally {
    await app.close();
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
      return `| ${r.what} | ${f(median(r.value))} | ${f(Math.min(...r.value))} | ${f(Math.max(...r.value))} | ${r.value.length} | ${r.target ?? ''} |`;
    }),
    '',
  ];
  return lines.join('\n');
}

async function main(): Promise<void> {
  const root = mkdtempSync(path.join(os.tmpdir(), 'nanococoa-bench-'));
  try {
    await benchSegmentation(path.join(root, 'seg'));
    await benchBackgroundComposite();
    await benchJobs(path.join(root, 'jobs'));
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
  const text = report();
  console.log(text);
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
