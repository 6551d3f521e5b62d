import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { loadConfig, type AppConfig } from '../config/app-config';
import { estimateVramMb } from '../models/model-catalog';
import { ModelRegistry } from '../models/model-registry.service';
import type { ModelManifest } from '../models/model.types';
import { OnnxModelLoader } from '../models/onnx-model.loader';
import { ClipService } from './clip.service';
import { clipManifestIds, type ClipModelType } from './clip.types';

/**
 * The committed tiny CLIP (test/fixtures/tiny-clip, made by scripts/tiny-clip/generate.py) wired
 * into a real ModelRegistry with the real ONNX loader, for specs and benchmarks. Only test code
 * imports this file.
 */
export const REPO_ROOT = (() => {
  let dir = __dirname;
  while (!existsSync(path.join(dir, 'package.json'))) dir = path.dirname(dir);
  return dir;
})();
export const FIXTURES_DIR = path.join(REPO_ROOT, 'test', 'fixtures');
export const TINY_CLIP_DIR = path.join(FIXTURES_DIR, 'tiny-clip');

/** The manifests `models:pull` would write, pointing at the tiny model's graphs. */
export function tinyClipManifests(modelType: ClipModelType = 'clip', folder = TINY_CLIP_DIR): ModelManifest[] {
  const ids = clipManifestIds(modelType);
  const manifest = (id: string, task: 'clip-text' | 'clip-image', graph: string): ModelManifest => ({
    id,
    task,
    description: `tiny test CLIP (${graph})`,
    source: { kind: 'file', path: path.join(folder, 'onnx', graph) },
    // The real formula on a 0.1 MB graph: the budget sees it like any other model.
    estimatedVramMb: estimateVramMb(100_000),
    executionProviders: ['cpu'],
    priority: 0,
  });
  return [manifest(ids.text, 'clip-text', 'text_model.onnx'), manifest(ids.image, 'clip-image', 'vision_model.onnx')];
}

export interface TinyClip {
  service: ClipService;
  registry: ModelRegistry;
  config: AppConfig;
  close(): Promise<void>;
}

/** A ClipService over a real registry with the tiny model registered as `modelTypes`. */
export function tinyClipService(modelTypes: ClipModelType[] = ['clip'], overrides: Partial<AppConfig> = {}): TinyClip {
  const config = loadConfig({ ORT_CACHE_DIR: process.env.ORT_CACHE_DIR }, { MODELS_DIR: FIXTURES_DIR, ORT_INTRA_OP_THREADS: 1, ...overrides });
  const registry = new ModelRegistry(config, new OnnxModelLoader(config));
  for (const type of modelTypes) for (const manifest of tinyClipManifests(type)) registry.register(manifest);
  return { service: new ClipService(registry, config), registry, config, close: async () => void (await registry.unloadIdle()) };
}
