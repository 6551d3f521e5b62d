import { AutoImageProcessor, AutoTokenizer, env, type ImageProcessor, type PreTrainedTokenizer } from '@huggingface/transformers';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import * as path from 'node:path';
import { DomainException } from '../common/errors/domain.exception';
import { ErrorCode } from '../common/errors/error-codes';
import type { ModelManifest } from '../models/model.types';
import { CLIP_CONTEXT_TOKENS } from './clip.types';

/** What a CLIP folder needs besides its ONNX graphs (the transformers.js layout). */
export const CLIP_FOLDER_FILES = ['config.json', 'tokenizer.json', 'tokenizer_config.json', 'preprocessor_config.json'] as const;

/** The fields of config.json the service reads. */
interface ClipConfigJson {
  _name_or_path?: string;
  /** Set by scripts/tiny-clip/generate.py: scores from such a model are flagged as test scores. */
  nanococoa_test_model?: boolean;
  text_config?: { max_position_embeddings?: number };
}

/** Everything CPU-side that one CLIP folder provides. */
export interface ClipAssets {
  folder: string;
  testModel: boolean;
  tokenizer: PreTrainedTokenizer;
  imageProcessor: ImageProcessor;
  /** Tokens the text tower accepts: 77 for CLIP, lower only if the folder says so. */
  maxTokens: number;
}

/**
 * Points transformers.js at local files only. It is used here for its tokenizer and image
 * processor, never for inference or downloads: remote loading is off, the models folder is its
 * local root, its file cache is off (it would write into node_modules), and its fetch refuses,
 * so a missing file fails loudly instead of reaching for the Hugging Face Hub.
 */
export function lockTransformersToLocalFiles(modelsDir: string): void {
  env.allowRemoteModels = false;
  env.allowLocalModels = true;
  env.localModelPath = `${path.resolve(modelsDir)}${path.sep}`;
  env.useFSCache = false;
  env.useBrowserCache = false;
  env.fetch = (input: string | URL) => Promise.reject(new Error(`transformers.js may not fetch (${String(input)}): CLIP files are local only`));
}

/** The model folder of a manifest whose source is `<folder>/onnx/<graph>.onnx`. */
export function clipFolderOf(manifest: ModelManifest): string {
  if (manifest.source.kind !== 'file' || path.basename(path.dirname(manifest.source.path)) !== 'onnx') {
    throw new DomainException(
      ErrorCode.MODEL_LOAD_ERROR,
      `Model ${manifest.id} is not in the transformers.js layout (<folder>/onnx/<graph>.onnx beside tokenizer.json)`,
    );
  }
  return path.dirname(path.dirname(manifest.source.path));
}

export function missingClipFiles(folder: string): string[] {
  return CLIP_FOLDER_FILES.filter((name) => !existsSync(path.join(folder, name)));
}

/** The folder as clients see it: relative to MODELS_DIR when inside it (the upstream repo id). */
export function clipModelId(folder: string, modelsDir: string): string {
  const relative = path.relative(path.resolve(modelsDir), folder);
  return relative && !relative.startsWith('..') && !path.isAbsolute(relative) ? relative.split(path.sep).join('/') : path.basename(folder);
}

/**
 * Loads the tokenizer and image processor of one folder. The folder is passed as an absolute
 * path, which transformers.js reads directly rather than resolving as a Hub id.
 */
export async function loadClipAssets(folder: string): Promise<ClipAssets> {
  const config = JSON.parse(await readFile(path.join(folder, 'config.json'), 'utf8')) as ClipConfigJson;
  const options = { local_files_only: true };
  const [tokenizer, imageProcessor] = await Promise.all([
    AutoTokenizer.from_pretrained(folder, options),
    AutoImageProcessor.from_pretrained(folder, options),
  ]);
  fixIntegerShortestEdge(imageProcessor);
  const limits = [CLIP_CONTEXT_TOKENS, Number(tokenizer.model_max_length), config.text_config?.max_position_embeddings ?? Infinity];
  return {
    folder,
    testModel: config.nanococoa_test_model === true,
    tokenizer,
    imageProcessor,
    maxTokens: Math.min(...limits.filter((n) => Number.isFinite(n) && n > 0)),
  };
}

/**
 * Older CLIP preprocessor configs (openai/clip-vit-base-patch32's own, and copies of it) say
 * `"size": 224`. Hugging Face reads that as the shortest edge; transformers.js reads an integer
 * as shortest AND longest edge and would shrink a 3:2 photo to 224x149 before the 224x224 crop.
 * Rewriting it to `{shortest_edge}` gives Hugging Face's behaviour for both config styles.
 */
export function fixIntegerShortestEdge(processor: ImageProcessor): void {
  const size: unknown = processor.size;
  if (typeof size === 'number') processor.size = { shortest_edge: size };
}
