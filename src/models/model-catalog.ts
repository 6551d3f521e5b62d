import { existsSync, readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import type { ModelManifest } from './model.types';

/** ImageNet normalisation in 0..255 units, as BiRefNet was trained with. */
const IMAGENET = { mean: [123.675, 116.28, 103.53] as [number, number, number], std: [58.395, 57.12, 57.375] as [number, number, number] };

export interface PullableModel {
  kind?: 'file';
  id: string;
  file: string;
  url: string;
  sha256: string;
  bytes: number;
  manifest: Omit<ModelManifest, 'source' | 'files'>;
}

/** One file of a folder model; `path` is relative to the folder. */
export interface PullableFile {
  path: string;
  /** Absent: there is no public download; the entry's `exportCommand` produces the file. */
  url?: string;
  /** Absent where no trustworthy published checksum was found: the pull prints and records what it saw. */
  sha256?: string;
  bytes?: number;
}

/**
 * A model that is a folder in the transformers.js layout (config and tokenizer JSON, onnx/*.onnx),
 * installed as one registry manifest per ONNX graph. The folder is named after the upstream
 * repository so that transformers.js, with env.localModelPath = MODELS_DIR, resolves it locally.
 */
export interface PullableFolderModel {
  kind: 'folder';
  id: string;
  folder: string;
  description: string;
  files: PullableFile[];
  /** `onnx` is the graph's path inside the folder; the VRAM estimate comes from its size. */
  manifests: Array<Omit<ModelManifest, 'source' | 'files' | 'estimatedVramMb'> & { onnx: string }>;
  /** How to produce the files that have no URL; the pull fails with this when they are missing. */
  exportCommand?: string;
}

export type PullableEntry = PullableModel | PullableFolderModel;

/**
 * Device memory for an fp32 ONNX graph: its weights once, plus a fifth for ONNX Runtime's arena
 * and 128 MB of activations (CLIP's towers at a batch of a few dozen stay well inside that).
 */
export function estimateVramMb(onnxBytes: number): number {
  return Math.ceil((onnxBytes / 2 ** 20) * 1.2) + 128;
}

/** Xenova's ONNX export of openai/clip-vit-base-patch32, pinned to one revision. */
const XENOVA_CLIP = 'https://huggingface.co/Xenova/clip-vit-base-patch32/resolve/d15189d7028b43f1d3e65039190477f6af591c2a';
/** No revision pinned and no published checksums: the pull records the sha256 it saw. */
const BINGSU_KOCLIP = 'https://huggingface.co/Bingsu/clip-vit-base-patch32-ko/resolve/main';

/**
 * Models `npm run models:pull` can fetch on a machine with internet. Checksums were
 * cross-checked against several independent projects that pin the same release files.
 */
export const PULLABLE_MODELS: PullableEntry[] = [
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
  {
    // Checksums: the two ONNX files' sha256 are the Git LFS object ids Hugging Face lists for
    // them; those and the JSON files' sha256 and sizes agree across several independent projects
    // that pin this same revision.
    kind: 'folder',
    id: 'clip',
    folder: 'Xenova/clip-vit-base-patch32',
    description: 'CLIP ViT-B/32 (Radford et al., 2021; OpenAI weights, ONNX export by Xenova), English prompts',
    files: [
      { path: 'config.json', url: `${XENOVA_CLIP}/config.json`, bytes: 4_524, sha256: '493ef57ff783e42d1530c91b53469b7fdf8db8a9c1408e86998fcb7899a4f495' },
      { path: 'preprocessor_config.json', url: `${XENOVA_CLIP}/preprocessor_config.json`, bytes: 520, sha256: '6f638fb9401a6d6296feff533ee7efe657b787c49f954f82f5906b36ef2a1b1f' },
      { path: 'tokenizer.json', url: `${XENOVA_CLIP}/tokenizer.json`, bytes: 2_224_119, sha256: 'f7f3b7af117d467b58374797691a6438d3e6b9e9cef800dfd5dced7f697a90cd' },
      { path: 'tokenizer_config.json', url: `${XENOVA_CLIP}/tokenizer_config.json`, bytes: 775, sha256: '60ba2912bc6344c94bc16bbdec27fa1209409167b6f2fdf3cfe9e65462ea3967' },
      { path: 'onnx/text_model.onnx', url: `${XENOVA_CLIP}/onnx/text_model.onnx`, bytes: 254_058_553, sha256: '3f6571f5bad13a97c469c1622e1cfc4d9aef78b79fdbfcff804ca357bfada8cc' },
      { path: 'onnx/vision_model.onnx', url: `${XENOVA_CLIP}/onnx/vision_model.onnx`, bytes: 351_685_709, sha256: 'fd6e1402a588279d1723c7534d4bcba5bc0b14b47dfab0e46f8c47b8270d7d40' },
    ],
    manifests: [
      { id: 'clip-text', task: 'clip-text', onnx: 'onnx/text_model.onnx', description: 'CLIP ViT-B/32 text tower', executionProviders: [], priority: 10, licence: 'MIT' },
      { id: 'clip-image', task: 'clip-image', onnx: 'onnx/vision_model.onnx', description: 'CLIP ViT-B/32 image tower', executionProviders: [], priority: 10, licence: 'MIT' },
    ],
  },
  {
    // No public ONNX export of this model was found, so its two graphs have no URL: the pull
    // stops with exportCommand until they exist, then fetches the JSON files and records the
    // sha256 of everything it saw. transformers.js's convert script (built on 🤗 Optimum) writes
    // exactly this layout into <output_parent_dir>/<model_id>/.
    kind: 'folder',
    id: 'koclip',
    folder: 'Bingsu/clip-vit-base-patch32-ko',
    description: 'Korean CLIP (Bingsu/clip-vit-base-patch32-ko: text tower distilled from CLIP ViT-B/32), Korean prompts; needs a local ONNX export',
    files: [
      { path: 'config.json', url: `${BINGSU_KOCLIP}/config.json` },
      { path: 'preprocessor_config.json', url: `${BINGSU_KOCLIP}/preprocessor_config.json` },
      { path: 'tokenizer.json', url: `${BINGSU_KOCLIP}/tokenizer.json` },
      { path: 'tokenizer_config.json', url: `${BINGSU_KOCLIP}/tokenizer_config.json` },
      { path: 'onnx/text_model.onnx' },
      { path: 'onnx/vision_model.onnx' },
    ],
    manifests: [
      { id: 'koclip-text', task: 'clip-text', onnx: 'onnx/text_model.onnx', description: 'Korean CLIP text tower', executionProviders: [], priority: 5, licence: 'MIT' },
      { id: 'koclip-image', task: 'clip-image', onnx: 'onnx/vision_model.onnx', description: 'Korean CLIP image tower', executionProviders: [], priority: 5, licence: 'MIT' },
    ],
    exportCommand:
      'git clone --depth 1 https://github.com/huggingface/transformers.js && cd transformers.js && pip install -r scripts/requirements.txt && ' +
      'python -m scripts.convert --model_id Bingsu/clip-vit-base-patch32-ko --split_modalities --output_parent_dir "$MODELS_DIR"',
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
