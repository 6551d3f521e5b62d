import { Inject, Injectable } from '@nestjs/common';
import { DomainException } from '../../common/errors/domain.exception';
import { ErrorCode } from '../../common/errors/error-codes';
import { rawRgba } from '../layout/rendered-copy-checks';
import { hasCopy, type Stage, type StageContext } from '../ad.types';
import { HTML_RENDERER, type HtmlRenderer } from '../../renderer/renderer.types';

/** Stage 2c: Chromium draws the copy into a transparent layer at the canvas's full size. */
@Injectable()
export class RenderStage implements Stage {
  readonly name = 'render';
  readonly step = 2 as const;
  readonly scope = 'canvas' as const;
  readonly label = 'step2_render';
  readonly defaultSeconds = 0.15;

  constructor(@Inject(HTML_RENDERER) private readonly renderer: HtmlRenderer) {}

  readonly applies = hasCopy;

  async run(ctx: StageContext): Promise<void> {
    const { layout, fonts, canvas } = ctx.shot;
    if (!layout || !fonts) throw new DomainException(ErrorCode.INTERNAL, 'render ran before layout');
    ctx.report(0.1, 'chromium', 'Rendering the copy');
    const result = ctx.shot.rendered ?? await this.renderer.render({
      html: layout.html,
      width: canvas.width,
      height: canvas.height,
      fonts: fonts.bundle.assets,
      fit: layout.fit,
      measure: layout.measure,
      fontProbe: [layout.fit.selector],
      signal: ctx.signal,
    });
    ctx.shot.text = {
      layer: await rawRgba(result.png),
      box: result.boxes[layout.fit.selector] ?? null,
      fittedPx: result.fittedPx,
      overflow: result.overflow,
      font: fonts.family,
      fontsUsed: result.fontsUsed[layout.fit.selector] ?? [],
      missing: fonts.missing,
    };
    ctx.persist(ctx.fileName('text', 'png'), Promise.resolve(result.png), 'image/png');
  }
}
