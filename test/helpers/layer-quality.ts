import { type INestApplicationContext, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import sharp from 'sharp';
import { loadConfig } from '../../src/config/app-config';
import { ConfigModule } from '../../src/config/config.module';
import { EmbeddedDecomposer } from '../../src/layers/embedded-decomposer.service';
import { FontMatchService } from '../../src/layers/font-match.service';
import { FontsModule } from '../../src/fonts/fonts.module';
import { RendererModule } from '../../src/renderer/renderer.module';
import { aggregateLevels, type LevelScores, layerdScores, type MetricLayer, softAlphaIou } from './layerd-metric';
import { ModelsModule } from '../../src/models/models.module';
import type { Box } from '../../src/vision/image.types';
import { TextDetectionService } from '../../src/vision/text/text-detection.service';
import { TesseractRepository } from '../../src/vision/text/tesseract.repository';
import { VisionModule } from '../../src/vision/vision.module';
import { makePoster } from './poster-generator';

/** LayerD scores its Crello renders at a short side of 360 px; the layers are scaled to that. */
const METRIC_SIDE = 360;

export interface PosterScore {
  seed: number;
  /** Scores after 0..5 merges. */
  levels: LevelScores[];
  psnr: number;
  layers: number;
  truthLayers: number;
  textIou: number;
  seconds: number;
}

@Module({ imports: [VisionModule, FontsModule, RendererModule], providers: [EmbeddedDecomposer, FontMatchService], exports: [EmbeddedDecomposer, FontMatchService] })
class DecomposerModule {}

/** The embedded decomposer with its models, no HTTP or database: what the job handler runs. */
export function decomposerContext(): Promise<INestApplicationContext> {
  return NestFactory.createApplicationContext(
    { module: DecomposerModule, imports: [ConfigModule.forRoot(loadConfig({ LOG_LEVEL: 'error', ORT_CACHE_DIR: process.env.ORT_CACHE_DIR })), ModelsModule, DecomposerModule] },
    { logger: ['error'] },
  );
}

async function scaled(rgba: Uint8Array | Buffer, width: number, height: number): Promise<MetricLayer> {
  const side = Math.min(width, height);
  const out = await sharp(rgba, { raw: { width, height, channels: 4 } })
    .resize(Math.round((width * METRIC_SIDE) / side), Math.round((height * METRIC_SIDE) / side), { fit: 'fill' })
    .raw()
    .toBuffer();
  return { rgba: new Uint8Array(out) };
}

/** The alpha union (maximum) of some layers, as one layer. */
function alphaUnion(layers: MetricLayer[], size: number): MetricLayer {
  const rgba = new Uint8Array(size);
  for (const l of layers) for (let i = 3; i < size; i += 4) rgba[i] = Math.max(rgba[i], l.rgba[i]);
  return { rgba };
}

/** One generated poster decomposed (asking for up to 10 layers) and scored against its true layers. */
export async function scorePoster(decomposer: EmbeddedDecomposer, seed: number): Promise<PosterScore> {
  const poster = await makePoster(seed);
  const { data, info } = await sharp(poster.png).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  const started = performance.now();
  const result = await decomposer.decompose({ data, width: info.width, height: info.height, channels: 3 }, { layers: 10 });
  const seconds = (performance.now() - started) / 1000;
  const pred = await Promise.all(result.layers.map((l) => scaled(l.rgba, result.width, result.height)));
  const truth = await Promise.all(poster.layers.map((l) => scaled(l.rgba, poster.width, poster.height)));
  const size = pred[0].rgba.length;
  const texts = (layers: MetricLayer[], kinds: string[]) => alphaUnion(layers.filter((_, i) => kinds[i] === 'text'), size);
  return {
    seed,
    levels: layerdScores(pred, truth, 5),
    psnr: result.psnr,
    layers: result.layers.length,
    truthLayers: poster.layers.length,
    textIou: softAlphaIou(texts(pred, result.layers.map((l) => l.kind)), texts(truth, poster.layers.map((l) => l.kind))),
    seconds,
  };
}

export interface SetSummary {
  posters: number;
  /** Aggregated as LayerD does, after 0..5 merges. */
  levels: LevelScores[];
  psnrs: number[];
  countErrors: number[];
  textIous: number[];
  seconds: number[];
}

export function summarize(scores: PosterScore[]): SetSummary {
  return {
    posters: scores.length,
    levels: aggregateLevels(scores.map((s) => s.levels)),
    psnrs: scores.map((s) => s.psnr),
    countErrors: scores.map((s) => Math.abs(s.layers - s.truthLayers)),
    textIous: scores.map((s) => s.textIou),
    seconds: scores.map((s) => s.seconds),
  };
}

export interface DetectorScore {
  /** Share of the true text's ink (alpha >= 128) inside the found boxes. */
  recall: number;
  /** Share of the found boxes' area inside the true text blocks' boxes (grown 6 px). */
  precision: number;
  ms: number;
}

/** Text detection on one generated poster by PP-OCRv4 (lines) and by Tesseract's word boxes. */
export async function scoreDetectors(app: INestApplicationContext, seed: number): Promise<{ ppocr: DetectorScore; tesseract: DetectorScore }> {
  const poster = await makePoster(seed);
  const { width: w, height: h } = poster;
  const ink = new Uint8Array(w * h);
  const zone = new Uint8Array(w * h);
  for (const layer of poster.layers.filter((l) => l.kind === 'text')) {
    let [x0, y0, x1, y1] = [w, h, -1, -1];
    for (let p = 0; p < w * h; p++) {
      if (layer.rgba[p * 4 + 3] < 128) continue;
      ink[p] = 1;
      [x0, y0, x1, y1] = [Math.min(x0, p % w), Math.min(y0, Math.floor(p / w)), Math.max(x1, p % w), Math.max(y1, Math.floor(p / w))];
    }
    for (let y = Math.max(0, y0 - 6); y <= Math.min(h - 1, y1 + 6); y++) zone.fill(1, y * w + Math.max(0, x0 - 6), y * w + Math.min(w, x1 + 7));
  }
  const score = (boxes: Box[], ms: number): DetectorScore => {
    const found = new Uint8Array(w * h);
    for (const b of boxes) for (let y = Math.max(0, b.y); y < Math.min(h, b.y + b.height); y++) found.fill(1, y * w + Math.max(0, b.x), y * w + Math.min(w, b.x + b.width));
    let [inkIn, inkAll, area, inZone] = [0, 0, 0, 0];
    for (let p = 0; p < w * h; p++) {
      inkAll += ink[p];
      inkIn += ink[p] & found[p];
      area += found[p];
      inZone += found[p] & zone[p];
    }
    return { recall: inkAll ? inkIn / inkAll : 1, precision: area ? inZone / area : 0, ms };
  };
  const { data } = await sharp(poster.png).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  let started = performance.now();
  const lines = await app.get(TextDetectionService).detect({ data, width: w, height: h, channels: 3 });
  const ppocr = score(lines.map((l) => l.box), performance.now() - started);
  started = performance.now();
  const words = await app.get(TesseractRepository).words(poster.png);
  const tesseract = score(words.map((word) => word.box), performance.now() - started);
  return { ppocr, tesseract };
}
