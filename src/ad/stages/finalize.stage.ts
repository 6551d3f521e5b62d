import { Injectable } from '@nestjs/common';
import sharp from 'sharp';
import { DomainException } from '../../common/errors/domain.exception';
import { ErrorCode } from '../../common/errors/error-codes';
import type { Box } from '../../vision/image.types';
import type { Stage, StageContext } from '../ad.types';
import { layersJson } from './composite.stage';
import { encodeDeliverable, OUTPUT_FILES } from './encode';

/** Stage 2d: the text layer over the product shot; the layer stack gains the text layer. */
@Injectable()
export class FinalizeStage implements Stage {
  readonly name = 'finalize';
  readonly step = 2 as const;
  readonly scope = 'canvas' as const;
  readonly label = 'step2_finalize';
  readonly defaultSeconds = 0.05;

  async run(ctx: StageContext): Promise<void> {
    const { step1, text, layout, canvas } = ctx.shot;
    if (!step1) throw new DomainException(ErrorCode.INTERNAL, 'finalize ran without a Stage 1 image');
    const full: Box = { x: 0, y: 0, width: canvas.width, height: canvas.height };
    if (!text || !layout) {
      // Empty copy: the product shot is the final, as in the seed.
      ctx.shot.final = step1;
    } else {
      ctx.report(0.2, 'compose', 'Placing the copy on the product shot');
      const { data } = await sharp(step1.data, { raw: { width: step1.width, height: step1.height, channels: step1.channels } })
        .composite([{ input: text.layer.data, raw: { width: text.layer.width, height: text.layer.height, channels: 4 } }])
        .removeAlpha()
        .raw()
        .toBuffer({ resolveWithObject: true });
      ctx.shot.final = { data, width: step1.width, height: step1.height, channels: 3 };
      ctx.shot.layers.push({
        name: 'text',
        file: ctx.fileName('text', 'png'),
        box: full,
        opacity: 1,
        blend: 'normal',
        meta: {
          html: ctx.fileName('text', 'html'),
          textBox: text.box,
          font: text.font,
          preset: layout.preset,
          treatment: layout.treatment,
          contrast: layout.contrast,
          fittedPx: text.fittedPx,
        },
      });
    }
    // final.png always (the exports, the homepage and /status read it); the asked format beside it.
    ctx.persist(ctx.fileName('final', 'png'), encodeDeliverable(ctx.shot.final, 'png'), 'image/png');
    const format = ctx.input.outputFormat ?? 'png';
    if (format !== 'png') ctx.persist(ctx.fileName('final', OUTPUT_FILES[format].ext), encodeDeliverable(ctx.shot.final, format), OUTPUT_FILES[format].mime);
    ctx.persist(ctx.fileName('layers', 'json'), Promise.resolve(layersJson(full, ctx.shot.layers)), 'application/json');
  }
}
