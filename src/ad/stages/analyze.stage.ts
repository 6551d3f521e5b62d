import { Inject, Injectable } from '@nestjs/common';
import { DomainException } from '../../common/errors/domain.exception';
import { ErrorCode } from '../../common/errors/error-codes';
import { IMAGE_ANALYZER, type ImageAnalyzer } from '../analysis/analysis.types';
import { hasCopy, type Stage, type StageContext } from '../ad.types';

/** Stage 2a: where there is calm room for the copy, and in what colour it reads. */
@Injectable()
export class AnalyzeStage implements Stage {
  readonly name = 'analyze';
  readonly step = 2 as const;
  readonly scope = 'canvas' as const;
  readonly label = 'step2_analyze';
  readonly defaultSeconds = 0.05;

  constructor(@Inject(IMAGE_ANALYZER) private readonly analyzer: ImageAnalyzer) {}

  readonly applies = hasCopy;

  async run(ctx: StageContext): Promise<void> {
    const { step1, productMask, productBox, canvas } = ctx.shot;
    if (!step1 || step1.channels !== 3) throw new DomainException(ErrorCode.INTERNAL, 'analysis ran without a Stage 1 image');
    ctx.report(0.1, this.analyzer.id, 'Looking for room for the copy');
    const analysis = await this.analyzer.analyze({
      image: { data: step1.data, width: step1.width, height: step1.height, channels: 3 },
      productMask: productMask?.channels === 1 ? { data: productMask.data, width: productMask.width, height: productMask.height, channels: 1 } : undefined,
      productBox: productBox ?? null,
      preset: canvas.preset,
      position: ctx.input.textPosition,
      useVision: ctx.input.useVision && !ctx.input.testMode,
      signal: ctx.signal,
    });
    ctx.shot.analysis = analysis;
    ctx.persist(ctx.fileName('analysis', 'json'), Promise.resolve(Buffer.from(JSON.stringify(analysis, null, 2))), 'application/json');
  }
}
