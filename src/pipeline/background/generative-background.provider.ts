import { Injectable } from '@nestjs/common';
import sharp from 'sharp';
import { ImageApiRepository } from '../../providers/image-api.repository';
import type { BackgroundProvider, BackgroundRequest, BackgroundResult } from './background-provider';
import { ImagePromptWriter } from './image-prompt-writer';

/**
 * A backdrop painted by the configured image model (`background_mode` generate): an empty
 * scene at the canvas's aspect, scaled to cover the canvas. The product is composited onto it
 * afterwards with its own shadow, so its pixels stay exactly the photo's.
 */
@Injectable()
export class GenerativeBackgroundProvider implements BackgroundProvider {
  constructor(
    private readonly images: ImageApiRepository,
    private readonly writer: ImagePromptWriter,
  ) {}

  get id(): string {
    const s = this.images.settings;
    return s ? `${s.flavor}:${s.model}` : 'image-provider';
  }

  async generate(req: BackgroundRequest): Promise<BackgroundResult> {
    const started = performance.now();
    const written = await this.writer.write(req.prompt, req.negativePrompt, req.signal);
    const prompt = written.prompt;
    const out = await this.images.generate({
      prompt,
      negativePrompt: req.negativePrompt,
      width: req.width,
      height: req.height,
      seed: req.seed,
      guidanceScale: req.guidanceScale,
      signal: req.signal,
    });
    const { data, info } = await sharp(out.bytes)
      .removeAlpha()
      .resize(req.width, req.height, { fit: 'cover', position: 'centre' })
      .raw()
      .toBuffer({ resolveWithObject: true });
    return {
      image: { data, width: info.width, height: info.height, channels: 3 },
      provider: this.id,
      description: prompt,
      meta: {
        model: out.model,
        flavor: out.flavor,
        size: out.size,
        ms: Math.round(performance.now() - started),
        promptWriter: written.writer,
        ...(written.fallback ? { promptWriterFallback: written.fallback } : {}),
      },
    };
  }
}
