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
import { resolveCanvases, shotSuffix } from '../ad/canvases';
import { ASPECT_PRESETS, type AspectPreset } from '../vision/image.types';
import { PipelineOrchestrator } from '../ad/orchestrator.service';
import { AdPipelineModule } from '../ad/ad-pipeline.module';
import { cutSides } from '../ad/compositing/frame-cuts';
import { encodeDeliverable } from '../ad/stages/encode';

const USAGE = `Usage: npm run generate -- --product PHOTO [--prompt "warm beige studio"] [--out ad.png]
  --product PATH      product photo (PNG, JPEG, WebP...)
  --prompt TEXT       background idea, Korean or English
  --negative TEXT     what the background should avoid
  --text TEXT         the ad copy, e.g. "명절 특가! 사과 한 박스 20,000원" (empty: no copy)
  --style TEXT        how the copy should look, e.g. "bold gold text with shadow"
  --font FAMILY       a family from GET /fonts (default: the best Korean sans installed)
  --aspect PRESET     1:1 | 4:5 | 9:16 | 1.91:1 (default 1024x1024)
  --placements LIST   several presets, e.g. 1:1,4:5,9:16,1.91:1: one file per placement
  --width N --height N   canvas size instead of a preset
  --position POS      auto | top | center | bottom (room left for the copy)
  --subject LAYOUT    auto | cutout | card (card: the photo as a framed card; auto: card when the cutout is poor)
  --material M        opaque | glass (glass: see-through, read against a plain backdrop)
  --seed N            same seed, same image
  --variants N        1-4 backgrounds per placement, ranked; the best is written to --out, the others with _v2 style suffixes
  --background-mode M edit | generate | studio, with an image model configured (docs/providers.md)
  --no-vision         leave a configured vision model out of the analysis
  --no-llm-html       let the template design the copy although an LLM is configured
  --embedded          embedded stages only, even with providers configured (no API calls)
  --out PATH          result file (default ad.png; .jpg or .webp for those formats, sRGB, 72 dpi); other placements get _4x5 style suffixes
  --layers DIR        also write every layer and intermediate file here`;

function parse() {
  const { values } = parseArgs({
    options: {
      product: { type: 'string' },
      prompt: { type: 'string', default: '' },
      negative: { type: 'string', default: '' },
      text: { type: 'string', default: '' },
      style: { type: 'string', default: '' },
      font: { type: 'string' },
      placements: { type: 'string' },
      aspect: { type: 'string' },
      width: { type: 'string' },
      height: { type: 'string' },
      position: { type: 'string', default: 'auto' },
      subject: { type: 'string', default: 'auto' },
      material: { type: 'string', default: 'opaque' },
      seed: { type: 'string' },
      variants: { type: 'string', default: '1' },
      'background-mode': { type: 'string' },
      'no-vision': { type: 'boolean', default: false },
      'no-llm-html': { type: 'boolean', default: false },
      embedded: { type: 'boolean', default: false },
      out: { type: 'string', default: 'ad.png' },
      layers: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help || !values.product) {
    console.log(USAGE);
    process.exit(values.help ? 0 : 2);
  }
  if (!['auto', 'top', 'center', 'bottom'].includes(values.position)) throw new Error('--position must be auto, top, center or bottom');
  if (!['auto', 'cutout', 'card'].includes(values.subject)) throw new Error('--subject must be auto, cutout or card');
  if (!['opaque', 'glass'].includes(values.material)) throw new Error('--material must be opaque or glass');
  const mode = values['background-mode'];
  if (mode !== undefined && !['edit', 'generate', 'studio'].includes(mode)) throw new Error('--background-mode must be edit, generate or studio');
  const presets = (values.placements ?? values.aspect)?.split(',').map((p) => p.trim());
  for (const p of presets ?? []) if (!(p in ASPECT_PRESETS)) throw new Error(`placements must be among ${Object.keys(ASPECT_PRESETS).join(', ')}`);
  const width = values.width === undefined ? undefined : Number(values.width);
  const height = values.height === undefined ? undefined : Number(values.height);
  for (const v of [width, height]) if (v !== undefined && (!Number.isInteger(v) || v < 256 || v > 4096)) throw new Error('--width/--height must be 256..4096');
  const variants = Number(values.variants);
  if (!Number.isInteger(variants) || variants < 1 || variants > 4) throw new Error('--variants must be 1..4');
  const canvases = resolveCanvases(presets ? { placements: presets as AspectPreset[] } : { width, height });
  return { ...values, product: values.product, canvases, variants };
}

@Module({})
class GenerateCliModule {}

async function main(): Promise<void> {
  const args = parse();
  const config = loadConfig();
  const app = await NestFactory.createApplicationContext(
    { module: GenerateCliModule, imports: [ConfigModule.forRoot(config), ModelsModule, AdPipelineModule] },
    { logger: ['error', 'warn'] },
  );
  try {
    const photo = await validateImage(await readFile(args.product), args.product, config.MAX_IMAGE_PIXELS);
    const orchestrator = app.get(PipelineOrchestrator);
    const layersDir = args.layers ? path.resolve(args.layers) : undefined;
    if (layersDir) await mkdir(layersDir, { recursive: true });
    // --out into a folder not made yet: made now, not found missing after the whole job.
    await mkdir(path.dirname(path.resolve(args.out)), { recursive: true });
    const started = Date.now();
    let lastLine = '';
    const outcome = await orchestrator.run(
      {
        jobId: randomUUID(),
        startStep: 1,
        stopStep: 2,
        productImage: photo.buffer,
        textContent: args.text,
        bgPrompt: args.prompt,
        negativePrompt: args.negative,
        htmlStylePrompt: args.style,
        backgroundMode: args['background-mode'] as 'edit' | 'generate' | 'studio' | undefined,
        useVision: !args['no-vision'],
        useLlmHtml: !args['no-llm-html'],
        fontName: args.font,
        textPosition: args.position as 'auto',
        subjectLayout: args.subject as 'auto',
        subjectMaterial: args.material as 'opaque',
        strength: 0.6,
        guidanceScale: 3.5,
        seed: args.seed !== undefined ? Number(args.seed) : randomInt(0, 2 ** 31 - 1),
        canvases: args.canvases,
        variants: args.variants,
        testMode: args.embedded,
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
    const stages = Object.entries(outcome.timings).map(([k, v]) => `${k} ${v} ms`).join(', ');
    for (const shot of outcome.shots) {
      const image = shot.final;
      if (!image) throw new Error('the pipeline produced no image');
      const ext = path.extname(args.out) || '.png';
      // The best variant takes the plain name, as final.png does for a job.
      const suffix = (shot.rank ?? 1) === 1 ? shot.canvas.suffix : shotSuffix(shot, args.variants);
      const out = `${args.out.slice(0, args.out.length - path.extname(args.out).length)}${suffix}${ext}`;
      // The extension picks the format, as users expect of --out ad.jpg.
      const format = /^\.jpe?g$/i.test(ext) ? 'jpeg' : /^\.webp$/i.test(ext) ? 'webp' : 'png';
      await writeFile(out, await encodeDeliverable(image, format));
      const copy = shot.text ? `, copy in ${shot.text.font} at ${shot.text.fittedPx}px by ${shot.layout?.designer}${shot.layout?.treatment === 'none' ? '' : ` with a ${shot.layout?.treatment}`}, contrast ${shot.layout?.contrast.toFixed(1)}:1 ${shot.layout?.contrastMeasured ? 'measured' : 'planned'}` : '';
      const rank = shot.rank ? `, rank ${shot.rank} of ${args.variants}` : '';
      console.log(`wrote ${out} (${image.width}x${image.height}${copy}${rank})`);
    }
    const subject = outcome.job.subjectLayout;
    if (subject) console.log(`subject: ${subject.used} (${subject.why})${outcome.job.frameCuts && cutSides(outcome.job.frameCuts).length ? `, bleeding off ${cutSides(outcome.job.frameCuts).join(', ')}` : ''}${outcome.job.recut ? ', cut again from a crop of the original' : ''}${outcome.job.contrastStretch ? `, outlined on a copy with ${outcome.job.contrastStretch}x its contrast to the backdrop` : ''}`);
    const material = outcome.job.material;
    if (material && material.requested !== 'opaque') console.log(`material: ${material.used} (${material.why})`);
    console.log(`done in ${Date.now() - started} ms [${stages}]`);
  } finally {
    await app.close();
  }
}

main().catch((error: unknown) => {
  console.error(isDomainException(error) ? `${error.code}: ${error.message}` : error instanceof Error ? error.message : String(error));
  process.exit(1);
});
