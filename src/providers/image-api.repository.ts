import { Injectable } from '@nestjs/common';
import { toFile } from 'openai';
import sharp from 'sharp';
import { DomainException } from '../common/errors/domain.exception';
import { ErrorCode } from '../common/errors/error-codes';
import { AppConfig } from '../config/app-config';
import { ProviderRegistry } from './provider-registry';
import type { RoleSettings } from '../config/provider-roles';

export interface ImageGenerateRequest {
  prompt: string;
  negativePrompt: string;
  /** The canvas the image is for; each server gets the nearest size it takes. */
  width: number;
  height: number;
  seed: number;
  guidanceScale: number;
  signal?: AbortSignal;
}

/** gpt-image models report tokens; FLUX servers report nothing: the image is the unit. */
const imageUsage = (out: GeneratedImage) => ({ images: 1, inputTokens: out.usage.input, outputTokens: out.usage.output });

/** The first image of an Images API answer, with the tokens gpt-image models report. */
function imageOf(res: unknown, s: RoleSettings, size: string): GeneratedImage {
  const answer = res as { data?: Array<{ b64_json?: string }>; usage?: { input_tokens?: number; output_tokens?: number } };
  const b64 = answer.data?.[0]?.b64_json;
  if (!b64) throw new DomainException(ErrorCode.PROVIDER_ERROR, `the image provider (${s.model}) answered without a b64_json image`, { role: 'image' });
  const usage = { input: answer.usage?.input_tokens ?? 0, output: answer.usage?.output_tokens ?? 0 };
  return { bytes: Buffer.from(b64, 'base64'), size, model: s.model, flavor: s.flavor, usage };
}

export interface GeneratedImage {
  /** The encoded image the server sent (PNG, JPEG or WebP). */
  bytes: Buffer;
  /** The size asked for, WxH. */
  size: string;
  model: string;
  flavor: RoleSettings['flavor'];
  usage: { input: number; output: number };
}

/** The sizes GPT image models take; FLUX-style servers take any multiple of 16. */
const OPENAI_SIZES = [
  [1024, 1024],
  [1536, 1024],
  [1024, 1536],
] as const;
/** FLUX works best up to about a megapixel and a bit. */
const MAX_PIXELS = 1_200_000;

/**
 * The Images API of the image role, in the request shape of the server behind it:
 * - openai (gpt-image-1 family): b64_json only, so no response_format; one of three sizes;
 * - vllm-omni (FLUX.1): any size, with seed, guidance_scale, negative_prompt, steps;
 * - sglang (FLUX.1): the same, plus response_format b64_json (its default is a URL).
 */
@Injectable()
export class ImageApiRepository {
  constructor(
    private readonly providers: ProviderRegistry,
    private readonly config: AppConfig,
  ) {}

  get settings(): RoleSettings | null {
    return this.providers.settings('image');
  }

  /** edit where the server takes masks (the OpenAI Images API, vLLM-Omni), generate elsewhere. */
  get defaultMode(): 'edit' | 'generate' {
    return this.settings?.flavor === 'sglang' ? 'generate' : 'edit';
  }

  /**
   * Paints `image` where `keep` is 0, as the server's mask convention says: OpenAI takes an RGBA
   * mask whose alpha 0 marks what to paint; vLLM-Omni a grey mask whose white marks it. The size
   * asked for is the image's own.
   */
  edit(req: ImageGenerateRequest & { image: Buffer; keep: { data: Buffer; width: number; height: number } }): Promise<GeneratedImage> {
    return this.providers.call('image', req.signal, async (client, s) => {
      const { width, height } = req.keep;
      const mask =
        s.flavor === 'openai'
          ? await sharp({ create: { width, height, channels: 3, background: '#000000' } }).joinChannel(req.keep.data, { raw: { width, height, channels: 1 } }).png().toBuffer()
          : await sharp(Buffer.from(req.keep.data.map((v) => 255 - v)), { raw: { width, height, channels: 1 } }).png().toBuffer();
      const size = `${width}x${height}`;
      const body = {
        model: s.model,
        prompt: req.prompt,
        n: 1,
        size,
        image: await toFile(req.image, 'image.png', { type: 'image/png' }),
        mask: await toFile(mask, 'mask.png', { type: 'image/png' }),
        ...this.extraFields(s.flavor, req),
      };
      const res = await client.images.edit(body as unknown as Parameters<typeof client.images.edit>[0], { signal: req.signal });
      return imageOf(res, s, size);
    }, imageUsage);
  }

  generate(req: ImageGenerateRequest): Promise<GeneratedImage> {
    return this.providers.call('image', req.signal, async (client, s) => {
      const size = requestSize(s.flavor, req.width, req.height);
      const body = { model: s.model, prompt: req.prompt, n: 1, size, ...this.extraFields(s.flavor, req) };
      const res = await client.images.generate(body as unknown as Parameters<typeof client.images.generate>[0], { signal: req.signal });
      return imageOf(res, s, size);
    }, imageUsage);
  }

  private extraFields(flavor: RoleSettings['flavor'], req: ImageGenerateRequest): Record<string, unknown> {
    if (flavor === 'openai') return {};
    return {
      seed: req.seed,
      guidance_scale: req.guidanceScale,
      ...(req.negativePrompt ? { negative_prompt: req.negativePrompt } : {}),
      ...(this.config.IMAGE_INFERENCE_STEPS ? { num_inference_steps: this.config.IMAGE_INFERENCE_STEPS } : {}),
      ...(flavor === 'sglang' ? { response_format: 'b64_json' } : {}),
    };
  }
}

/** The size to ask for: GPT image models take three; FLUX any multiple of 16 up to about a megapixel. */
export function requestSize(flavor: RoleSettings['flavor'], width: number, height: number): string {
  const aspect = width / height;
  if (flavor === 'openai') {
    const [w, h] = OPENAI_SIZES.reduce((best, size) => (Math.abs(Math.log(size[0] / size[1] / aspect)) < Math.abs(Math.log(best[0] / best[1] / aspect)) ? size : best));
    return `${w}x${h}`;
  }
  const scale = Math.min(1, Math.sqrt(MAX_PIXELS / (width * height)));
  const round16 = (v: number) => Math.max(256, Math.round((v * scale) / 16) * 16);
  return `${round16(width)}x${round16(height)}`;
}
