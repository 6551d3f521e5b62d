import { Injectable } from '@nestjs/common';
import type { Tensor } from 'onnxruntime-node';
import { DomainException, raceAbort, throwIfAborted } from '../common/errors/domain.exception';
import { ErrorCode } from '../common/errors/error-codes';
import { AppConfig } from '../config/app-config';
import { ModelRegistry } from '../models/model-registry.service';
import type { ModelLease, ModelManifest } from '../models/model.types';
import { clipFolderOf, clipModelId, loadClipAssets, lockTransformersToLocalFiles, missingClipFiles, type ClipAssets } from './clip-assets';
import { clipPixelValues } from './clip-image';
import { assertFinite, l2NormalizeRows, scoreMatrix } from './clip-math';
import { embeddingOutput, encodePrompts, textFeeds, type EncodedPrompts } from './clip-text';
import {
  CLIP_MAX_IMAGES,
  CLIP_MAX_PROMPT_CHARS,
  CLIP_MAX_PROMPTS,
  CLIP_MODEL_TYPES,
  clipManifestIds,
  isClipModelType,
  type ClipModelType,
  type ClipScoreMatrix,
} from './clip.types';

interface Towers {
  text: ModelManifest;
  image: ModelManifest;
}

/** Embeddings of one tower: row-major [rows, width]. */
interface Embeddings {
  data: Float32Array;
  rows: number;
  width: number;
}

/**
 * Scores images against prompts with CLIP. Tokenizer and image preprocessing come from the
 * model folder through transformers.js (local files only); both ONNX towers run through the
 * ModelRegistry, so the VRAM budget, worker threads, eviction and counters apply to them as to
 * every other model. All prompts go through the text tower in one run and all images through
 * the vision tower in one run.
 */
@Injectable()
export class ClipService {
  /** Tokenizer and processor per model folder; a failed load is forgotten so a fix is picked up. */
  private readonly assets = new Map<string, Promise<ClipAssets>>();

  constructor(
    private readonly registry: ModelRegistry,
    private readonly config: AppConfig,
  ) {
    lockTransformersToLocalFiles(config.modelsDir);
  }

  /** Both towers registered and the folder's tokenizer and config files present. */
  installed(modelType: ClipModelType): boolean {
    const towers = this.towers(modelType);
    if (!towers) return false;
    try {
      return [towers.text, towers.image].every((m) => missingClipFiles(clipFolderOf(m)).length === 0);
    } catch {
      return false;
    }
  }

  async score(images: Buffer[], prompts: string[], modelType: ClipModelType, signal?: AbortSignal): Promise<ClipScoreMatrix> {
    this.checkModelType(modelType);
    this.checkInputs(images, prompts);
    const towers = this.requireInstalled(modelType);
    throwIfAborted(signal);
    const [textAssets, imageAssets] = await Promise.all([this.assetsOf(towers.text), this.assetsOf(towers.image)]);
    const encoded = encodePrompts(textAssets.tokenizer, prompts, textAssets.maxTokens);
    const pixels = await clipPixelValues(images, imageAssets.imageProcessor, this.config.MAX_IMAGE_PIXELS);
    throwIfAborted(signal);
    const [texts, pictures] = await Promise.all([
      raceAbort(this.registry.withModel(towers.text.id, (lease) => this.embedTexts(lease, encoded)), signal),
      raceAbort(this.registry.withModel(towers.image.id, (lease) => this.embedImages(lease, pixels)), signal),
    ]);
    if (texts.width !== pictures.width) {
      throw new DomainException(
        ErrorCode.MODEL_LOAD_ERROR,
        `${towers.text.id} embeds into ${texts.width} dimensions but ${towers.image.id} into ${pictures.width}: the two ONNX files are not one model`,
      );
    }
    return {
      modelType,
      modelId: clipModelId(textAssets.folder, this.config.modelsDir),
      manifestIds: { text: towers.text.id, image: towers.image.id },
      testModel: textAssets.testModel || imageAssets.testModel,
      embeddingSize: texts.width,
      prompts: encoded.prompts,
      scores: scoreMatrix(l2NormalizeRows(pictures.data, pictures.rows, pictures.width), l2NormalizeRows(texts.data, texts.rows, texts.width)),
    };
  }

  /** Token ids exactly as score() feeds them (start token first, end token last, at most 77). */
  async tokenize(prompts: string[], modelType: ClipModelType): Promise<number[][]> {
    this.checkModelType(modelType);
    this.checkPrompts(prompts);
    const assets = await this.assetsOf(this.requireInstalled(modelType).text);
    return encodePrompts(assets.tokenizer, prompts, assets.maxTokens).ids;
  }

  private async embedTexts(lease: ModelLease, encoded: EncodedPrompts): Promise<Embeddings> {
    const output = embeddingOutput(lease.outputNames, 'text_embeds', lease.manifest.id);
    const outputs = await lease.run(textFeeds(encoded, lease.inputNames, lease.manifest.id), [output]);
    return this.embeddings(outputs[output], encoded.ids.length, lease.manifest.id);
  }

  private async embedImages(lease: ModelLease, pixels: Tensor): Promise<Embeddings> {
    const output = embeddingOutput(lease.outputNames, 'image_embeds', lease.manifest.id);
    const input = lease.inputNames.includes('pixel_values') ? 'pixel_values' : lease.inputNames[0];
    const outputs = await lease.run({ [input]: pixels }, [output]);
    return this.embeddings(outputs[output], pixels.dims[0], lease.manifest.id);
  }

  private embeddings(tensor: Tensor | undefined, rows: number, modelId: string): Embeddings {
    if (!tensor || tensor.type !== 'float32' || tensor.dims.length !== 2 || tensor.dims[0] !== rows) {
      const shape = tensor ? `${tensor.type} [${tensor.dims.join(', ')}]` : 'nothing';
      throw new DomainException(ErrorCode.MODEL_LOAD_ERROR, `${modelId} returned ${shape}; expected float32 [${rows}, width]`);
    }
    const data = tensor.data as Float32Array;
    try {
      assertFinite(data, `${modelId} embeddings`);
    } catch (error) {
      throw new DomainException(ErrorCode.MODEL_LOAD_ERROR, (error as Error).message);
    }
    return { data, rows, width: tensor.dims[1] };
  }

  private towers(modelType: ClipModelType): Towers | null {
    const ids = clipManifestIds(modelType);
    const text = this.registry.manifests('clip-text').find((m) => m.id === ids.text);
    const image = this.registry.manifests('clip-image').find((m) => m.id === ids.image);
    return text && image ? { text, image } : null;
  }

  private requireInstalled(modelType: ClipModelType): Towers {
    const towers = this.towers(modelType);
    const missing = towers ? [...new Set([towers.text, towers.image].flatMap((m) => missingClipFiles(clipFolderOf(m))))] : [];
    if (!towers || missing.length) {
      const what = towers ? ` (missing ${missing.join(', ')})` : '';
      throw new DomainException(
        ErrorCode.MODEL_NOT_INSTALLED,
        `CLIP model "${modelType}" is not installed${what}; run: npm run models:pull -- ${modelType}`,
        { modelType },
      );
    }
    return towers;
  }

  private assetsOf(manifest: ModelManifest): Promise<ClipAssets> {
    const folder = clipFolderOf(manifest);
    let loading = this.assets.get(folder);
    if (!loading) {
      loading = loadClipAssets(folder).catch((error: unknown) => {
        this.assets.delete(folder);
        if (error instanceof DomainException) throw error;
        throw new DomainException(ErrorCode.MODEL_LOAD_ERROR, `Loading the CLIP tokenizer or image processor in ${folder} failed: ${(error as Error).message}`);
      });
      this.assets.set(folder, loading);
    }
    return loading;
  }

  /** Callers may pass through an unvalidated string from a request body. */
  private checkModelType(modelType: ClipModelType): void {
    if (!isClipModelType(modelType)) {
      throw new DomainException(ErrorCode.INVALID_PARAMETER, `model_type must be one of ${CLIP_MODEL_TYPES.join(', ')}`, { field: 'model_type' });
    }
  }

  private checkInputs(images: Buffer[], prompts: string[]): void {
    if (!Array.isArray(images) || images.length === 0) {
      throw new DomainException(ErrorCode.INVALID_IMAGE, 'At least one image is needed', { field: 'images' });
    }
    if (images.length > CLIP_MAX_IMAGES) {
      throw new DomainException(ErrorCode.INVALID_PARAMETER, `At most ${CLIP_MAX_IMAGES} images per call`, { field: 'images' });
    }
    this.checkPrompts(prompts);
  }

  private checkPrompts(prompts: string[]): void {
    if (!Array.isArray(prompts) || prompts.length === 0) {
      throw new DomainException(ErrorCode.INVALID_PROMPT, 'At least one prompt is needed', { field: 'prompts' });
    }
    if (prompts.length > CLIP_MAX_PROMPTS) {
      throw new DomainException(ErrorCode.INVALID_PARAMETER, `At most ${CLIP_MAX_PROMPTS} prompts per call`, { field: 'prompts' });
    }
    prompts.forEach((prompt, index) => {
      if (typeof prompt !== 'string' || prompt.trim() === '') {
        throw new DomainException(ErrorCode.INVALID_PROMPT, `prompts[${index}] is empty`, { field: `prompts[${index}]` });
      }
      if (prompt.length > CLIP_MAX_PROMPT_CHARS) {
        throw new DomainException(ErrorCode.INVALID_PROMPT, `prompts[${index}] is longer than ${CLIP_MAX_PROMPT_CHARS} characters`, {
          field: `prompts[${index}]`,
        });
      }
    });
  }
}
