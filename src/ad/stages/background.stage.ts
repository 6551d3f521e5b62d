import { Inject, Injectable } from '@nestjs/common';
import { DomainException } from '../../common/errors/domain.exception';
import { ErrorCode } from '../../common/errors/error-codes';
import { BACKGROUND_PROVIDER, type BackgroundProvider, type BackgroundRequest, type BackgroundResult, keyLightFromMeta } from '../background/background-provider';
import { StudioBackgroundProvider } from '../background/studio-background.provider';
import { productLayer, scaleProduct } from '../compositing/composite';
import { placeProduct, standOnFloor } from '../compositing/placement';
import { placeSharply } from '../compositing/sharp-placement';
import { readScene } from '../background/scene-reading';
import { ImageApiRepository } from '../../providers/image-api.repository';
import { ProviderRegistry } from '../../providers/provider-registry';
import type { Stage, StageContext, ViewOutcome } from '../ad.types';
import { estimateView } from '../analysis/camera-view';
import type { ColorUse } from '../background/studio-scheme';
import { encodePng } from './encode';

/** Stage 1b: decide where the product stands, then make a backdrop around that spot. */
@Injectable()
export class BackgroundStage implements Stage {
  readonly name = 'background';
  readonly step = 1 as const;
  readonly scope = 'canvas' as const;
  readonly label = 'step1_background';
  readonly defaultSeconds = 0.3;

  constructor(
    @Inject(BACKGROUND_PROVIDER) private readonly configured: BackgroundProvider,
    private readonly studio: StudioBackgroundProvider,
    private readonly images: ImageApiRepository,
    private readonly providers: ProviderRegistry,
  ) {}

  async run(ctx: StageContext): Promise<void> {
    const { cutout, productBox, palette, frameCuts } = ctx.job;
    if (!cutout || !productBox) throw new DomainException(ErrorCode.INTERNAL, 'background stage ran before segmentation');
    const { width, height } = ctx.shot.canvas;
    const { textPosition } = ctx.input;
    const options = { textPosition, cuts: frameCuts, copy: ctx.input.textContent.trim() !== '' };
    // No soft enlargements: past what keeps the photo's sharpness, the product stays smaller and the set gets the room.
    const sharply = await placeSharply(cutout, productBox, (maxUpscale) => placeProduct(productBox, cutout, { width, height }, { ...options, maxUpscale }));
    const placement = sharply.placement;
    ctx.shot.sharpnessCap = sharply.cap;
    ctx.job.sourceSharpness ??= sharply.source; // the quality report's yardstick, measured once
    ctx.shot.placement = placement;
    const scaling = sharply.scaled ? Promise.resolve(sharply.scaled) : scaleProduct(cutout, productBox, placement.box);
    scaling.catch(() => undefined);
    ctx.shot.scaledProduct = scaling;

    // test_mode keeps a job on the embedded provider: no paid API calls, same real pipeline.
    const provider = ctx.input.testMode || ctx.input.backgroundMode === 'studio' ? this.studio : this.configured;
    ctx.report(0.1, provider.id, `Making the background (${provider.id})`);
    // Edit mode needs the product where it will stand, so the model paints around it.
    const mode = provider === this.studio || ctx.input.backgroundMode === 'studio' ? 'generate' : (ctx.input.backgroundMode ?? this.images.defaultMode);
    let placedProduct: BackgroundRequest['placedProduct'];
    if (mode === 'edit') {
      // Scaled once: the composite stage places this same patch.
      const scaled = await scaling;
      placedProduct = { data: productLayer(scaled, width, height), width, height, channels: 4 };
    }
    const view = (ctx.job.view ??= viewOf(ctx));
    const request: BackgroundRequest = {
      mode,
      placedProduct,
      prompt: ctx.input.bgPrompt,
      negativePrompt: ctx.input.negativePrompt,
      width,
      height,
      seed: ctx.input.seed + ctx.shot.variant,
      palette: palette ?? [],
      productBox: placement.visible,
      floorY: placement.floorY,
      view: view.estimated,
      elevationDeg: view.elevationDeg,
      strength: ctx.input.strength,
      guidanceScale: ctx.input.guidanceScale,
      signal: ctx.signal,
    };
    let result: BackgroundResult;
    let fallback: string | undefined;
    try {
      result = await provider.generate(request);
    } catch (error) {
      // PROVIDER_FALLBACK=embedded: a failed image provider costs the job its generated scene, not the ad.
      if (provider === this.studio || !this.providers.fallsBackFrom(error)) throw error;
      fallback = `${error.code}: ${error.message}`;
      ctx.report(0.5, this.studio.id, `The image provider failed; using the studio backdrop (${error.code})`);
      result = await this.studio.generate(request);
    }
    ctx.shot.background = result.image;
    // A generated scene has its own light and floor: the shadow and the product's footing follow them.
    let scene: { keyLight?: { x: number; y: number }; floorLine?: number; productMovedPx?: number } = {};
    if (provider !== this.studio && !fallback) {
      scene = readScene(result.image);
      if (mode === 'generate' && scene.floorLine !== undefined && textPosition !== 'bottom') {
        const moved = standOnFloor(placement, scene.floorLine, height);
        if (moved !== placement) {
          scene.productMovedPx = moved.floorY - placement.floorY;
          // The patch scaled for the first placement goes down with it.
          const drop = scene.productMovedPx;
          ctx.shot.scaledProduct = scaling.then((scaled) => ({ ...scaled, y: scaled.y + drop }));
          ctx.shot.scaledProduct.catch(() => undefined);
        }
        ctx.shot.placement = moved;
      }
    }
    const { promptWriter, promptWriterFallback, mode: painted, colors } = result.meta as { promptWriter?: string; promptWriterFallback?: string; mode?: string; colors?: ColorUse };
    ctx.shot.backgroundInfo = {
      provider: result.provider,
      description: result.description,
      ...(painted ? { mode: painted } : {}),
      ...(promptWriter ? { promptWriter } : {}),
      ...(promptWriterFallback ? { promptFallback: promptWriterFallback } : {}),
      ...(fallback ? { fallback } : {}),
      ...(colors ? { colors } : {}),
      ...(Object.keys(scene).length ? { scene } : {}),
    };
    ctx.shot.keyLight = scene.keyLight ?? keyLightFromMeta(result.meta);
    ctx.persist(ctx.fileName('background', 'png'), encodePng(result.image), 'image/png');
  }
}

/** The request's view when it forces one; else read off the job's matte (once: every canvas shares it). */
function viewOf(ctx: StageContext): ViewOutcome {
  const forced = ctx.input.view;
  if (forced && forced !== 'auto') return { estimated: forced, confidence: 1, why: `view=${forced} was asked for`, elevationDeg: null, forced: true };
  const { matte, productBox } = ctx.job;
  if (!matte || !productBox) return { estimated: 'eye-level', confidence: 0, why: 'no matte to read the camera angle from; assuming eye level', elevationDeg: null, forced: false };
  return { ...estimateView(matte.data, matte.width, matte.height, productBox), forced: false };
}
