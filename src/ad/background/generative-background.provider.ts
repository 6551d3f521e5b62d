import { Injectable } from '@nestjs/common';
import sharp from 'sharp';
import { type ImageGenerateRequest, ImageApiRepository, requestSize } from '../../providers/image-api.repository';
import type { BackgroundProvider, BackgroundRequest, BackgroundResult } from './background-provider';
import { cameraSentence, ImagePromptWriter } from './image-prompt-writer';

/**
 * A backdrop painted by the configured image model. `background_mode` edit: the model paints
 * the scene around the placed product, so floor, light and perspective fit it; generate: an
 * empty scene at the canvas's aspect. Either way the product is composited onto the result
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
    const prompt = written.prompt + cameraSentence(req.view, req.elevationDeg);
    const ask = { prompt, negativePrompt: req.negativePrompt, width: req.width, height: req.height, seed: req.seed, guidanceScale: req.guidanceScale, signal: req.signal };
    const editing = req.mode === 'edit' && req.placedProduct !== undefined;
    const { out, data, info } = editing ? await this.edit(req, ask) : await this.fresh(req, ask);
    return {
      image: { data, width: info.width, height: info.height, channels: 3 },
      provider: this.id,
      description: prompt,
      meta: {
        mode: editing ? 'edit' : 'generate',
        model: out.model,
        flavor: out.flavor,
        size: out.size,
        ms: Math.round(performance.now() - started),
        promptWriter: written.writer,
        ...(written.fallback ? { promptWriterFallback: written.fallback } : {}),
      },
    };
  }

  /** An empty scene at the canvas's aspect, scaled to cover the canvas. */
  private async fresh(req: BackgroundRequest, ask: ImageGenerateRequest) {
    const out = await this.images.generate(ask);
    const { data, info } = await sharp(out.bytes).removeAlpha().resize(req.width, req.height, { fit: 'cover' }).raw().toBuffer({ resolveWithObject: true });
    return { out, data, info };
  }

  /**
   * The placed product on the canvas, fitted into a size the server takes (the margin, where
   * aspects differ, is painted too and cut away after), painted around; the product itself is
   * composited back over the result later, so the model's version of it never shows.
   */
  private async edit(req: BackgroundRequest, ask: ImageGenerateRequest) {
    const settings = this.images.settings!;
    const [rw, rh] = requestSize(settings.flavor, req.width, req.height).split('x').map(Number);
    const scale = Math.min(rw / req.width, rh / req.height);
    const fw = Math.round(req.width * scale);
    const fh = Math.round(req.height * scale);
    const left = Math.floor((rw - fw) / 2);
    const top = Math.floor((rh - fh) / 2);
    const placed = req.placedProduct!;
    const fitted = await sharp(placed.data, { raw: { width: placed.width, height: placed.height, channels: 4 } })
      .resize(fw, fh, { fit: 'fill' })
      .extend({ left, top, right: rw - fw - left, bottom: rh - fh - top, background: { r: 0, g: 0, b: 0, alpha: 0 } })
      .raw()
      .toBuffer();
    const keep = await sharp(fitted, { raw: { width: rw, height: rh, channels: 4 } }).extractChannel(3).raw().toBuffer();
    const image = await sharp(fitted, { raw: { width: rw, height: rh, channels: 4 } }).flatten({ background: '#808080' }).png().toBuffer();
    const out = await this.images.edit({ ...ask, image, keep: { data: keep, width: rw, height: rh } });
    // One resize per sharp pipeline: back to the asked size first, then cut the margin and scale to the canvas.
    const painted = await sharp(out.bytes).removeAlpha().resize(rw, rh, { fit: 'fill' }).raw().toBuffer();
    const { data, info } = await sharp(painted, { raw: { width: rw, height: rh, channels: 3 } })
      .extract({ left, top, width: fw, height: fh })
      .resize(req.width, req.height, { fit: 'fill' })
      .raw()
      .toBuffer({ resolveWithObject: true });
    return { out, data, info };
  }
}
