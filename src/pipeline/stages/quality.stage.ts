import { Injectable } from '@nestjs/common';
import { cutoutConfidence, productFidelity, textPlacement } from '../../quality/quality-checks';
import { summarize, type ClipCheck } from '../../quality/quality-report';
import type { Stage, StageContext } from '../pipeline.types';

/** Last, for every canvas of every job: how far each result can be trusted, line by line. */
@Injectable()
export class QualityStage implements Stage {
  readonly name = 'quality';
  readonly step = 'any' as const;
  readonly scope = 'canvas' as const;
  readonly label = 'quality_report';
  readonly defaultSeconds = 0.15;

  async run(ctx: StageContext): Promise<void> {
    const shot = ctx.shot;
    const final = shot.final ?? shot.step1;
    if (!final) return;
    ctx.report(0.1, 'checks', 'Checking the result');
    // The source-resolution matte when Stage 1 ran; the one found in a supplied image otherwise.
    const matte = ctx.job.matte ?? shot.productMask;
    const text =
      shot.text?.box && shot.layout && shot.analysis
        ? textPlacement(shot.text.box, shot.analysis.safeZone, shot.productBox, shot.layout.contrast)
        : null;
    const clip: ClipCheck = { skipped: true, reason: 'No CLIP model is installed: run npm run models:pull -- clip' };
    shot.quality = summarize({
      cutout: matte ? cutoutConfidence(matte) : null,
      productFidelity: shot.productLayer ? productFidelity(shot.productLayer, final, shot.text?.layer) : null,
      text,
      clip,
    });
    ctx.persist(ctx.fileName('quality', 'json'), Promise.resolve(Buffer.from(JSON.stringify(shot.quality, null, 2))), 'application/json');
  }
}
