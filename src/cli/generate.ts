import 'reflect-metadata';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { createHash, randomInt, randomUUID } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { isDomainException } from '../common/errors/domain.exception';
import { validateImage } from '../common/images/image-input';
import { loadConfig } from '../config/app-config';
import { ConfigModule } from '../config/config.module';
import { ModelsModule } from '../models/models.module';
import { ASPECT_PRESETS, type AspectPreset, DEFAULT_CANVAS } from '../pipeline/image.types';
import { PipelineOrchestrator } from '../pipeline/orchestrator.service';
import { PipelineModule } from '../pipeline/pipeline.module';

const USAGE = `Usage: npm run generate -- --product PHOTO [--prompt "warm beige studio"] [--out ad.png]
  --product PATH      product photo (PNG, JPEG, WebP...)
  --prompt TEXT       background idea, Korean or English
  --negative TEXT     what the background should avoid
  --aspect PRESET     1:1 | 4:5 | 9:16 | 1.91:1 (default 1024x1024)
  --width N --height N   canvas size instead of a preset
  --position POS      auto | top | center | bottom (room left for the copy)
  --seed N            same seed, same image
  --out PATH          result PNG (default ad.png)
  --layers DIR        also write every layer and intermediate file here`;

function parse() {
  const { values } = parseArgs({
    options: {
      product: { type: 'string' },
      prompt: { type: 'string', default: '' },
      negative: { type: 'string', default: '' },
      aspect: { type: 'string' },
      width: { type: 'string' },
      height: { type: 'string' },
      position: { type: 'string', default: 'auto' },
      seed: { type: 'string' },
      out: { type: 'string', default: 'ad.png' },
      layers: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help || !values.product) {
    console.log(USAGE);
    process.exit(values.help ? 0 : 2);
  }
  if (values.aspect && !(values.aspect in ASPECT_PRESETS)) throw new Error(`--aspect must be one of ${Object.keys(ASPECT_PRESETS).join(', ')}`);
  if (!['auto', 'top', 'center', 'bottom'].includes(values.position)) throw new Error('--position must be auto, top, center or bottom');
  const size = values.aspect
    ? ASPECT_PRESETS[values.aspect as AspectPreset]
    : { width: Number(values.width ?? DEFAULT_CANVAS.width), height: Number(values.height ?? DEFAULT_CANVAS.height) };
  for (const [k, v] of Object.entries(size)) if (!Number.isInteger(v) || v < 256 || v > 4096) throw new Error(`--${k} must be 256..4096`);
  return { ...values, product: values.product, ...size };
}

@Module({})
class GenerateCliModule {}

async function main(): Promise<void> {
  const args = parse();
  const config = loadConfig();
  const app = await NestFactory.createApplicationContext(
    { module: GenerateCliModule, imports: [ConfigModule.forRoot(config), ModelsModule, PipelineModule] },
    { logger: ['error', 'warn'] },
  );
  try {
    const photo = await validateImage(await readFile(args.product), args.product, config.MAX_IMAGE_PIXELS);
    const orchestrator = app.get(PipelineOrchestrator);
    const layersDir = args.layers ? path.resolve(args.layers) : undefined;
    if (layersDir) await mkdir(layersDir, { recursive: true });
    const started = Date.now();
    let lastLine = '';
    const outcome = await orchestrator.run(
      {
        jobId: randomUUID(),
        startStep: 1,
        stopStep: 1,
        productImage: photo.buffer,
        textContent: '',
        bgPrompt: args.prompt,
        negativePrompt: args.negative,
        textPosition: args.position as 'auto',
        strength: 0.6,
        guidanceScale: 3.5,
        seed: args.seed !== undefined ? Number(args.seed) : randomInt(0, 2 ** 31 - 1),
        width: args.width,
        height: args.height,
        testMode: true,
      },
      {
        progress: (e) => {
          const line = `${e.percent.toFixed(0).padStart(3)}%  ${e.label}: ${e.subStep}`;
          if (line !== lastLine) process.stderr.write(`${line}\n`);
          lastLine = line;
        },
        writeArtifact: async (name, data, mime) => {
          if (layersDir) await writeFile(path.join(layersDir, name), data);
          return { name, mime, bytes: data.length, sha256: createHash('sha256').update(data).digest('hex') };
        },
      },
      new AbortController().signal,
    );
    const step1 = outcome.state.step1;
    if (!step1) throw new Error('the pipeline produced no image');
    const sharp = (await import('sharp')).default;
    await sharp(step1.data, { raw: { width: step1.width, height: step1.height, channels: step1.channels } }).png().toFile(args.out);
    const stages = Object.entries(outcome.timings).map(([k, v]) => `${k} ${v} ms`).join(', ');
    console.log(`wrote ${args.out} (${step1.width}x${step1.height}) in ${Date.now() - started} ms [${stages}]`);
  } finally {
    await app.close();
  }
}

main().catch((error: unknown) => {
  console.error(isDomainException(error) ? `${error.code}: ${error.message}` : error instanceof Error ? error.message : String(error));
  process.exit(1);
});
