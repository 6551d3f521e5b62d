import { Injectable } from '@nestjs/common';
import { cutoutConfidence, productFidelity, textPlacement } from '../../quality/quality-checks';
import { summarize, type ClipCheck } from '../../quality/quality-report';
import { ClipService } from '../../clip/clip.service';
import { describeCosine } from '../../clip/interpretation';
import type { RawImage } from '../../vision/image.types';
import type { Stage, StageContext } from '../ad.types';
import { parsePromptStyle } from '../background/color-words';
import { detailSharpness, KEEP_SHARPNESS, NO_DETAIL, productSharpness } from '../compositing/sharpness';
import { checkBackdropColors, type ColorCheck } from '../../quality/backdrop-colors';
import type { SharpnessCheck, ViewLine } from '../../quality/quality-report';
import { encodePng } from './encode';

/** Last, for every canvas of every job: how far each result can be trusted, line by line. */
@Injectable()
export class QualityStage implements Stage {
  readonly name = 'quality';
  readonly step = 'any' as const;
  readonly scope = 'canvas' as const;
  readonly label = 'quality_report';
  readonly defaultSeconds = 0.15;

  constructor(private readonly clip: ClipService) {}

  /** The final against the brief (background idea and copy), when a CLIP model that reads its language is installed. */
  private async clipLine(ctx: StageContext, final: RawImage): Promise<ClipCheck> {
    const brief = [ctx.input.bgPrompt, ctx.input.textContent].map((s) => s.trim()).filter(Boolean).join('. ') || 'a product advertisement photo';
    const korean = /[\uac00-\ud7a3]/u.test(brief);
    const modelType = korean ? 'koclip' : 'clip';
    if (!this.clip.installed(modelType)) {
      return {
        skipped: true,
        reason: korean
          ? 'The brief is Korean and the Korean CLIP is not installed (npm run models:pull -- koclip); English CLIP would misread it'
          : 'No CLIP model is installed: run npm run models:pull -- clip',
      };
    }
    ctx.report(0.5, 'clip', 'Scoring the ad against the brief');
    const result = await this.clip.score([await encodePng(final)], [brief], modelType, ctx.signal);
    const { cosine, clipScore } = result.scores[0][0];
    return { skipped: false, model: result.modelId, prompt: brief, cosine, clipScore, interpretation: describeCosine(cosine, 'en', result.testModel), testModel: result.testModel };
  }

  /** The product's detail in the final against the photo's (the card layout shows the photo itself: no line). */
  private sharpnessLine(ctx: StageContext): SharpnessCheck | null {
    const { job, shot } = ctx;
    if (!job.cutout || !job.productBox || !shot.productLayer || !shot.placement || job.subjectLayout?.used === 'card') return null;
    const source = (job.sourceSharpness ??= productSharpness(job.cutout, job.productBox));
    if (source < NO_DETAIL) return null;
    const { data, width, height } = shot.productLayer;
    // The placed product and a margin: the layer around it is transparent, and no pixel there counts.
    const box = shot.productBox ? { x: shot.productBox.x - 2, y: shot.productBox.y - 2, width: shot.productBox.width + 4, height: shot.productBox.height + 4 } : undefined;
    const final = detailSharpness(data, width, height, box);
    const ratio = Math.round((final / source) * 100) / 100;
    const scale = Math.round(shot.placement.scale * 100) / 100;
    return { source: Math.round(source * 10) / 10, final: Math.round(final * 10) / 10, ratio, scale, capped: shot.sharpnessCap != null, ok: scale <= 1 || ratio >= KEEP_SHARPNESS };
  }

  /** The backdrop's pixels against the prompt's first two colours, whoever drew it. */
  private colorLine(ctx: StageContext, final: RawImage): ColorCheck | null {
    const style = parsePromptStyle(ctx.input.bgPrompt, ctx.input.negativePrompt);
    const [first, second] = style.named;
    if (!first || !ctx.shot.background) return null;
    const accent = second ?? style.accents[0] ?? null;
    return checkBackdropColors(final, ctx.shot.productLayer?.data ?? null, first, accent);
  }

  private viewLine(ctx: StageContext): ViewLine | null {
    const view = ctx.job.view;
    if (!view || !ctx.shot.backgroundInfo) return null;
    return { estimated: view.estimated, confidence: view.confidence, forced: view.forced, set: ctx.shot.backgroundInfo.description };
  }

  async run(ctx: StageContext): Promise<void> {
    const shot = ctx.shot;
    const final = shot.final ?? shot.step1;
    if (!final) return;
    ctx.report(0.1, 'checks', 'Checking the result');
    // The source-resolution matte when Stage 1 ran (once per job); the one found in a supplied image otherwise.
    const job = ctx.job;
    // The segment stage checked the matte once per job. A card shows the photo, not the cutout,
    // and a photo that came cut out has the user's own edges: neither is an issue of this ad
    // (result.subject_layout keeps the confidence).
    const cutout = job.subjectLayout?.used === 'card' || job.cutAlready
      ? null
      : job.matte
      ? (job.cutoutCheck ??= cutoutConfidence(job.matte, job.productBox))
      : shot.productMask
        ? cutoutConfidence(shot.productMask, shot.productBox)
        : null;
    const text =
      shot.text?.box && shot.layout && shot.analysis
        ? textPlacement(shot.text.box, shot.analysis.safeZone, shot.productBox, shot.layout.contrast)
        : null;
    const clip = await this.clipLine(ctx, final);
    shot.quality = summarize({
      cutout,
      productFidelity: shot.productLayer ? productFidelity(shot.productLayer, final, shot.text?.layer) : null,
      text,
      clip,
      sharpness: this.sharpnessLine(ctx),
      colors: this.colorLine(ctx, final),
      view: this.viewLine(ctx),
    });
    ctx.persist(ctx.fileName('quality', 'json'), Promise.resolve(Buffer.from(JSON.stringify(shot.quality, null, 2))), 'application/json');
  }
}
