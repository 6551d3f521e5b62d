import { Inject, Injectable } from '@nestjs/common';
import { DomainException } from '../../common/errors/domain.exception';
import { ErrorCode } from '../../common/errors/error-codes';
import { BACKGROUND_PROVIDER, type BackgroundProvider, keyLightFromMeta } from '../background/background-provider';
import { StudioBackgroundProvider } from '../background/studio-background.provider';
import { placeProduct } from '../compositing/placement';
import type { Stage, StageContext } from '../pipeline.types';
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
  ) {}

  async run(ctx: StageContext): Promise<void> {
    const { cutout, productBox, palette } = ctx.job;
    if (!cutout || !productBox) throw new DomainException(ErrorCode.INTERNAL, 'background stage ran before segmentation');
    const { width, height } = ctx.shot.canvas;
    const { textPosition } = ctx.input;
    const placement = placeProduct(productBox, { width: cutout.width, height: cutout.height }, { width, height }, { textPosition });
    ctx.shot.placement = placement;

    // test_mode keeps a job on the embedded provider: no paid API calls, same real pipeline.
    const provider = ctx.input.testMode ? this.studio : this.configured;
    ctx.report(0.1, provider.id, `Making the background (${provider.id})`);
    const result = await provider.generate({
      prompt: ctx.input.bgPrompt,
      negativePrompt: ctx.input.negativePrompt,
      width,
      height,
      seed: ctx.input.seed,
      palette: palette ?? [],
      productBox: placement.box,
      floorY: placement.floorY,
      strength: ctx.input.strength,
      guidanceScale: ctx.input.guidanceScale,
      signal: ctx.signal,
    });
    ctx.shot.background = result.image;
    ctx.shot.backgroundInfo = { provider: result.provider, description: result.description };
    ctx.shot.keyLight = keyLightFromMeta(result.meta);
    ctx.persist(ctx.fileName('background', 'png'), encodePng(result.image), 'image/png');
  }
}
