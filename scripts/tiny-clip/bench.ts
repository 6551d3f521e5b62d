/**
 * Times ClipService.score on the tiny test CLIP: one image (samples/coffee-cup.png, 600x400 PNG)
 * and one prompt, warm (models loaded, tokenizer and processor cached). It measures the service's
 * own overhead around inference: decode, resize, tokenize, two worker round trips, scoring. Real
 * ViT-B/32 adds its inference on top.
 *
 *   npx tsc -p tsconfig.json && node dist/scripts/tiny-clip/bench.js [runs]
 */
import 'reflect-metadata';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { REPO_ROOT, tinyClipService } from '../../src/clip/tiny-clip.testing';

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];

async function main(): Promise<void> {
  const runs = Number(process.argv[2] ?? 50);
  const image = readFileSync(path.join(REPO_ROOT, 'samples', 'coffee-cup.png'));
  const prompt = 'a photo of a cup of fresh coffee on a wooden table';
  const tiny = tinyClipService(['clip'], { ORT_INTRA_OP_THREADS: 0 });
  try {
    for (let i = 0; i < 5; i++) await tiny.service.score([image], [prompt], 'clip');
    const times: number[] = [];
    for (let i = 0; i < runs; i++) {
      const started = process.hrtime.bigint();
      await tiny.service.score([image], [prompt], 'clip');
      times.push(Number(process.hrtime.bigint() - started) / 1e6);
    }
    times.sort((a, b) => a - b);
    const fmt = (ms: number) => `${ms.toFixed(1)} ms`;
    console.log(`tiny CLIP score(), 1 image x 1 prompt, warm, ${runs} runs: median ${fmt(percentile(times, 50))}, p10 ${fmt(percentile(times, 10))}, p90 ${fmt(percentile(times, 90))}`);
  } finally {
    await tiny.close();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
