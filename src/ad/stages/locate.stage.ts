import { Injectable } from '@nestjs/common';
import { DomainException } from '../../common/errors/domain.exception';
import { ErrorCode } from '../../common/errors/error-codes';
import type { PipelineInput, Stage, StageContext } from '../ad.types';
import { SegmentationService } from '../../vision/segmentation/segmentation.service';
import { encodePng } from './encode';
import { openImage } from '../../common/images/image-input';

/**
 * Stage 2 from a supplied step1_image (start_step 2): the product's place in that image is
 * found again with the segmentation model, so the copy keeps clear of it.
 */
@Injectable()
export class LocateStage implements Stage {
  readonly name = 'locate';
  readonly step = 2 as const;
  readonly scope = 'canvas' as const;
  readonly label = 'step2_locate';
  readonly defaultSeconds = 2.5;

  constructor(private readonly segmentation: SegmentationService) {}

  applies(input: PipelineInput): boolean {
    return input.startStep === 2;
  }

  async run(ctx: StageContext): Promise<void> {
    if (!ctx.input.step1Image) throw new DomainException(ErrorCode.INVALID_PARAMETER, 'step1_image is required when start_step is 2');
    const { width, height } = ctx.shot.canvas;
    const { data } = await openImage(ctx.input.step1Image)
      .rotate()
      .resize(width, height, { fit: 'fill' })
      .flatten({ background: '#ffffff' })
      .raw()
      .toBuffer({ resolveWithObject: true });
    const image = { data, width, height, channels: 3 as const };
    ctx.shot.step1 = image;
    ctx.shot.layers.push({ name: 'image', file: ctx.fileName('step1', 'png'), box: { x: 0, y: 0, width, height }, opacity: 1, blend: 'normal' });
    ctx.persist(ctx.fileName('step1', 'png'), encodePng(image), 'image/png');
    const found = await this.segmentation.segment(image, {
      signal: ctx.signal,
      onProgress: (fraction, subStep) => ctx.report(fraction * 0.95, subStep, `Finding the product: ${subStep}`),
    });
    ctx.shot.productMask = found.matte;
    ctx.shot.productBox = found.box ?? undefined;
  }
}
