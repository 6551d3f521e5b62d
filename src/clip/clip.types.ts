/** The CLIP models the service knows, by the name clients use (`model_type` in the seed API). */
export const CLIP_MODEL_TYPES = ['clip', 'koclip'] as const;
export type ClipModelType = (typeof CLIP_MODEL_TYPES)[number];

export function isClipModelType(value: unknown): value is ClipModelType {
  return typeof value === 'string' && (CLIP_MODEL_TYPES as readonly string[]).includes(value);
}

/** The registry manifests that hold a CLIP model's two towers (written by `models:pull`). */
export function clipManifestIds(modelType: ClipModelType): { text: string; image: string } {
  return { text: `${modelType}-text`, image: `${modelType}-image` };
}

/** CLIP's text context: position embeddings exist for 77 tokens, start and end tokens included. */
export const CLIP_CONTEXT_TOKENS = 77;

/**
 * Largest batch one call accepts. One vision run of 32 images is a 19 MB input and one text
 * run of 64 prompts is 64x77 tokens: both far inside a ViT-B/32's activation budget. The limits
 * are a judgement call that keeps a single request from monopolising the device.
 */
export const CLIP_MAX_IMAGES = 32;
export const CLIP_MAX_PROMPTS = 64;
/** 77 tokens are about 300 characters of English; beyond this a prompt is refused, not tokenized. */
export const CLIP_MAX_PROMPT_CHARS = 4000;

/** How one prompt was fed to the text tower. */
export interface ClipPromptTokens {
  prompt: string;
  /** Tokens fed to the model, start and end tokens included (at most 77). */
  tokenCount: number;
  /** Tokens the whole prompt needs, start and end tokens included. */
  untruncatedTokenCount: number;
  /** True when the prompt did not fit in 77 tokens and its tail was dropped. */
  truncated: boolean;
}

/** One image scored against one prompt. */
export interface ClipPairScore {
  /** Cosine similarity of the L2-normalised image and text embeddings, in [-1, 1]. */
  cosine: number;
  /** CLIP-S = 2.5 * max(cosine, 0) (Hessel et al., 2021), in [0, 2.5]. */
  clipScore: number;
}

export interface ClipScoreMatrix {
  modelType: ClipModelType;
  /** The model folder under MODELS_DIR, e.g. "Xenova/clip-vit-base-patch32". */
  modelId: string;
  /** The registry manifests that ran: `<modelType>-text` and `<modelType>-image`. */
  manifestIds: { text: string; image: string };
  /** True for a model whose config.json marks it as a test model: its scores mean nothing. */
  testModel: boolean;
  /** Width of the shared embedding space (512 for ViT-B/32). */
  embeddingSize: number;
  prompts: ClipPromptTokens[];
  /** scores[i][j]: image i against prompt j. */
  scores: ClipPairScore[][];
}
