import { Injectable } from '@nestjs/common';
import { DomainException, JobAbortedError } from '../common/errors/domain.exception';
import { ErrorCode } from '../common/errors/error-codes';
import { AppConfig } from '../config/app-config';
import { recordProviderCall } from '../providers/provider-usage';
import { MAX_LAYERS } from './layer-stack';

/** An answer (JSON with the layers inline as data URIs) may weigh this much at most. */
const MAX_ANSWER_BYTES = 256 * 2 ** 20;
/** One layer image fetched from a URL in the answer may weigh this much at most. */
const MAX_LAYER_BYTES = 64 * 2 ** 20;
/** MAX_LAYERS layers and the leading composite, with room for one more. */
const MAX_IMAGES = MAX_LAYERS + 2;

export interface LayeredRequest {
  png: Buffer;
  layers: number;
  seed: number;
  signal?: AbortSignal;
}

/**
 * Qwen-Image-Layered over HTTP, in the request shape of the hosted endpoints
 * (fal-ai/qwen-image-layered): `image_url` (the poster as a data URL), `num_layers`,
 * `num_inference_steps`, `guidance_scale`, `seed`, `output_format`; the answer's `images[].url`
 * are data URIs or links, fetched here with size limits. The answer is untrusted: its shape,
 * sizes and schemes are checked, and anything else is PROVIDER_ERROR.
 */
@Injectable()
export class LayeredApiRepository {
  constructor(private readonly config: AppConfig) {}

  get endpoint(): string | null {
    return this.config.LAYERED_API_BASE_URL ?? null;
  }

  /** The images the server answered with, in its order, encoded (PNG or WebP). */
  async decompose(req: LayeredRequest): Promise<Buffer[]> {
    const url = this.endpoint;
    if (!url) throw new DomainException(ErrorCode.INTERNAL, 'the layered provider is not configured');
    const where = `the layered provider (${new URL(url).host})`;
    const timeout = AbortSignal.timeout(this.config.LAYERED_API_TIMEOUT_MS);
    const signal = req.signal ? AbortSignal.any([req.signal, timeout]) : timeout;
    const started = performance.now();
    let ok = false;
    try {
      const key = this.config.LAYERED_API_KEY;
      const res = await fetch(url, {
        method: 'POST',
        signal,
        headers: {
          'Content-Type': 'application/json',
          ...(key ? { Authorization: `${this.config.LAYERED_API_AUTH === 'key' ? 'Key' : 'Bearer'} ${key}` } : {}),
        },
        body: JSON.stringify({
          image_url: `data:image/png;base64,${req.png.toString('base64')}`,
          num_layers: req.layers,
          num_inference_steps: this.config.LAYERED_INFERENCE_STEPS,
          guidance_scale: this.config.LAYERED_GUIDANCE_SCALE,
          seed: req.seed,
          output_format: 'png',
          // fal: the layers inline as data URIs instead of links to its CDN.
          sync_mode: true,
        }),
      });
      const text = (await readCapped(res, MAX_ANSWER_BYTES, where)).toString('utf8');
      if (!res.ok) {
        const code = res.status === 401 || res.status === 403 ? ErrorCode.PROVIDER_UNAUTHORIZED : ErrorCode.PROVIDER_ERROR;
        throw new DomainException(code, `${where} failed (${res.status}): ${errorDetail(text)}`, { role: 'layered', status: res.status });
      }
      const urls = imageUrls(text, where);
      const images = await Promise.all(urls.map((u) => this.fetchImage(u, signal, where)));
      ok = true;
      return images;
    } catch (error) {
      if (req.signal?.aborted) throw new JobAbortedError();
      if (timeout.aborted) {
        throw new DomainException(ErrorCode.PROVIDER_TIMEOUT, `${where} did not answer within ${this.config.LAYERED_API_TIMEOUT_MS} ms`, { role: 'layered' });
      }
      if (error instanceof DomainException) throw error;
      throw new DomainException(ErrorCode.PROVIDER_ERROR, `${where} failed: ${(error as Error).message}`, { role: 'layered' });
    } finally {
      recordProviderCall({ role: 'layered', model: 'qwen-image-layered', ms: Math.round(performance.now() - started), ok, input_tokens: 0, output_tokens: 0, images: ok ? 1 : 0 });
    }
  }

  private async fetchImage(url: string, signal: AbortSignal, where: string): Promise<Buffer> {
    const inline = /^data:image\/[a-z+]+;base64,/i.exec(url);
    if (inline) {
      const bytes = Buffer.from(url.slice(inline[0].length), 'base64');
      if (bytes.length > MAX_LAYER_BYTES) throw new DomainException(ErrorCode.PROVIDER_ERROR, `${where} answered with a layer over ${MAX_LAYER_BYTES / 2 ** 20} MB`, { role: 'layered' });
      return bytes;
    }
    if (!/^https?:\/\//i.test(url)) throw new DomainException(ErrorCode.PROVIDER_ERROR, `${where} answered with a layer that is neither a data URI nor an http(s) link`, { role: 'layered' });
    const res = await fetch(url, { signal, redirect: 'error' });
    if (!res.ok) throw new DomainException(ErrorCode.PROVIDER_ERROR, `${where}: a layer link answered ${res.status}`, { role: 'layered' });
    return readCapped(res, MAX_LAYER_BYTES, where);
  }
}

/** The body, refused past `cap` bytes without reading the rest. */
async function readCapped(res: Response, cap: number, where: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of res.body ?? []) {
    size += chunk.length;
    if (size > cap) throw new DomainException(ErrorCode.PROVIDER_ERROR, `${where} answered with more than ${cap / 2 ** 20} MB`, { role: 'layered' });
    chunks.push(Buffer.from(chunk));
  }
  return Buffer.concat(chunks);
}

function imageUrls(text: string, where: string): string[] {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new DomainException(ErrorCode.PROVIDER_ERROR, `${where} answered with something other than JSON`, { role: 'layered' });
  }
  const images = (body as { images?: unknown })?.images;
  if (!Array.isArray(images) || images.length === 0 || images.length > MAX_IMAGES || !images.every((i) => typeof (i as { url?: unknown })?.url === 'string')) {
    throw new DomainException(ErrorCode.PROVIDER_ERROR, `${where} answered without 1-${MAX_IMAGES} images[].url`, { role: 'layered' });
  }
  return images.map((i) => (i as { url: string }).url);
}

/** A server's error message (fal: `detail`; OpenAI-style: `error.message`), short and on one line. */
function errorDetail(text: string): string {
  let detail = text;
  try {
    const body = JSON.parse(text) as { detail?: unknown; error?: { message?: unknown } | string; message?: unknown };
    const found = body.detail ?? (typeof body.error === 'object' ? body.error?.message : body.error) ?? body.message;
    if (found !== undefined) detail = typeof found === 'string' ? found : JSON.stringify(found);
  } catch {
    // not JSON: the text itself
  }
  return detail.replace(/\s+/g, ' ').slice(0, 300) || 'no detail';
}
