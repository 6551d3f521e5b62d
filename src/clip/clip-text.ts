import type { PreTrainedTokenizer } from '@huggingface/transformers';
import { Tensor } from 'onnxruntime-node';
import { DomainException } from '../common/errors/domain.exception';
import { ErrorCode } from '../common/errors/error-codes';
import type { Feeds } from '../models/model.types';
import type { ClipPromptTokens } from './clip.types';

/** Prompts as one padded batch for the text tower. */
export interface EncodedPrompts {
  /** Token ids per prompt as fed (start token first, end token last), before padding. */
  ids: number[][];
  prompts: ClipPromptTokens[];
  /** Row-major [prompts, length], padded with the pad token. */
  inputIds: BigInt64Array;
  /** 1 for real tokens, 0 for padding. */
  attentionMask: BigInt64Array;
  length: number;
}

/**
 * Tokenizes every prompt with the folder's own tokenizer and builds one batch.
 *
 * Truncation and padding are done here rather than by transformers.js because its truncation
 * cuts the end token off a long prompt. CLIP's text tower pools at the end token (the first one,
 * found by argmax over the ids), so without it a long prompt would be pooled at an arbitrary
 * token. openai/CLIP's tokenize(truncate=True) and Hugging Face's tokenizers both keep the end
 * token as the 77th; so does this. Padding uses the tokenizer's pad token (CLIP's is the end
 * token) with attention mask 0, which leaves every prompt's embedding as it is alone.
 */
export function encodePrompts(tokenizer: PreTrainedTokenizer, prompts: string[], maxTokens: number): EncodedPrompts {
  const start = tokenizer.bos_token_id;
  const end = tokenizer.eos_token_id;
  if (typeof start !== 'number' || typeof end !== 'number') {
    throw new DomainException(ErrorCode.MODEL_LOAD_ERROR, 'The CLIP tokenizer has no start or end token');
  }
  const pad = typeof tokenizer.pad_token_id === 'number' ? tokenizer.pad_token_id : end;
  const ids: number[][] = [];
  const info: ClipPromptTokens[] = [];
  for (const prompt of prompts) {
    const full = tokenizer.encode(prompt);
    if (full[0] !== start || full[full.length - 1] !== end) {
      // A tokenizer.json without CLIP's post-processor: scores would be silently wrong.
      throw new DomainException(ErrorCode.MODEL_LOAD_ERROR, 'The CLIP tokenizer does not add its start and end tokens');
    }
    const fed = full.length > maxTokens ? [...full.slice(0, maxTokens - 1), end] : full;
    ids.push(fed);
    info.push({ prompt, tokenCount: fed.length, untruncatedTokenCount: full.length, truncated: fed.length < full.length });
  }
  const length = Math.max(...ids.map((row) => row.length));
  const inputIds = new BigInt64Array(ids.length * length).fill(BigInt(pad));
  const attentionMask = new BigInt64Array(ids.length * length);
  ids.forEach((row, r) =>
    row.forEach((id, c) => {
      inputIds[r * length + c] = BigInt(id);
      attentionMask[r * length + c] = 1n;
    }),
  );
  return { ids, prompts: info, inputIds, attentionMask, length };
}

/**
 * Feeds for whatever inputs the export declares: exports differ on whether the text tower takes
 * an attention mask (CLIP's causal attention makes it optional), and nothing else is supported.
 */
export function textFeeds(encoded: EncodedPrompts, inputNames: readonly string[], modelId: string): Feeds {
  const dims = [encoded.ids.length, encoded.length];
  const available: Feeds = {
    input_ids: new Tensor('int64', encoded.inputIds, dims),
    attention_mask: new Tensor('int64', encoded.attentionMask, dims),
  };
  const unknown = inputNames.filter((name) => !Object.hasOwn(available, name));
  if (!inputNames.includes('input_ids') || unknown.length) {
    throw new DomainException(
      ErrorCode.MODEL_LOAD_ERROR,
      `${modelId} takes inputs ${inputNames.join(', ')}; a CLIP text tower takes input_ids and optionally attention_mask`,
    );
  }
  return Object.fromEntries(inputNames.map((name) => [name, available[name]]));
}

/**
 * The projected embedding output. Exports of CLIPTextModelWithProjection / CLIPVisionModelWith-
 * Projection (transformers.js --split_modalities, Optimum) name it text_embeds / image_embeds; an
 * export without the projection only has pooler_output, which lives in a different space and
 * cannot be compared across towers, so that is refused rather than scored.
 */
export function embeddingOutput(outputNames: readonly string[], wanted: 'text_embeds' | 'image_embeds', modelId: string): string {
  if (outputNames.includes(wanted)) return wanted;
  throw new DomainException(
    ErrorCode.MODEL_LOAD_ERROR,
    `${modelId} has no ${wanted} output (it has ${outputNames.join(', ')}): export it with its projection layer (e.g. transformers.js convert --split_modalities)`,
  );
}
