import { Injectable } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import type { JobEntity } from '../jobs/job.entity';
import { JobHandler, type JobContext, type JobKindHandler, type JobOutcome } from '../jobs/job-handler';
import type { FinalDto } from '../jobs/dto/job-status.dto';
import { collectProviderCalls, providerMetrics } from '../providers/provider-usage';
import { finalsOf, filesOf } from './ad-files';
import type { AdParameters } from './ad-submit.service';
import { shotSuffix } from './canvases';
import { PipelineOrchestrator, type PipelineOutcome } from './orchestrator.service';
import type { PipelineInput } from './ad.types';
import { cutSides } from './compositing/frame-cuts';
import type { OutputFormat } from './stages/encode';

/** The ad pipeline as a job kind: POST /generate makes `ad` jobs, this runs them. */
@JobHandler('ad')
@Injectable()
export class AdJobHandler implements JobKindHandler {
  constructor(
    private readonly orchestrator: PipelineOrchestrator,
    private readonly config: AppConfig,
  ) {}

  async run(ctx: JobContext): Promise<JobOutcome> {
    const input = await pipelineInput(ctx);
    const { value: outcome, calls } = await collectProviderCalls(() =>
      this.orchestrator.run(
        input,
        {
          stageSeconds: ctx.stageSeconds,
          progress: (e) =>
            ctx.progress({ percent: e.percent, step: e.label, subStep: e.subStep, message: e.message, stageStartedAt: e.stageStartedAt, timings: e.timings }),
          writeArtifact: (name, data, mime) => ctx.writeArtifact(name, data, mime),
        },
        ctx.signal,
      ),
    );
    const result = { ...jobResult(outcome, input.seed, input.variants, input.outputFormat), metrics: { providers: providerMetrics(calls, this.config) } };
    return { message: 'Completed.', timings: outcome.timings, result };
  }

  /** One entry per placement and variant, with the files each has so far. */
  finals(job: JobEntity, link: (name: string) => string | null): FinalDto[] {
    return finalsOf(job, link);
  }

  /** Seconds left: the rest of the current stage plus the estimates of the stages after it. */
  eta(job: JobEntity, stageSeconds: Record<string, number>): { eta: number | null; stepEta: number | null } {
    const params = job.parameters as unknown as AdParameters;
    const plan = this.orchestrator.plan({ startStep: params.start_step, stopStep: params.stop_step, textContent: params.text_content ?? '' });
    const estimates = this.orchestrator.estimates(plan, stageSeconds);
    const canvases = (params.canvases?.length ?? 1) * (params.num_variants ?? 1);
    const index = plan.findIndex((s) => s.label === job.currentStep);
    const inStage = job.stageStartedAt ? (Date.now() - job.stageStartedAt.getTime()) / 1000 : 0;
    const current = index >= 0 ? Math.max(0, estimates[plan[index].name] - inStage) : 0;
    // Progress within the canvases is not tracked here, so the stages after this one are
    // counted once per canvas: an upper bound that falls as stages finish.
    const after = this.orchestrator.totalSeconds(plan.slice(index + 1), estimates, canvases);
    return { eta: round1(current + after), stepEta: index >= 0 ? round1(current) : null };
  }
}

async function pipelineInput(ctx: JobContext): Promise<PipelineInput> {
  const p = ctx.job.parameters as unknown as AdParameters;
  const read = (name?: string) => (name ? ctx.readArtifact(name) : Promise.resolve(undefined));
  return {
    jobId: ctx.job.id,
    startStep: p.start_step,
    stopStep: p.stop_step,
    productImage: await read(p.inputs.product_image),
    step1Image: await read(p.inputs.step1_image),
    textContent: p.text_content ?? '',
    bgPrompt: p.bg_prompt ?? '',
    negativePrompt: p.negative_prompt ?? '',
    backgroundMode: p.background_mode,
    textPosition: p.text_position ?? 'auto',
    subjectLayout: p.subject_layout ?? 'auto',
    subjectMaterial: p.subject_material ?? 'opaque',
    view: p.view ?? 'auto',
    outputFormat: p.output_format ?? 'png',
    strength: p.strength ?? 0.6,
    guidanceScale: p.guidance_scale ?? 3.5,
    htmlStylePrompt: p.html_style_prompt ?? '',
    useVision: p.use_qwen_analysis !== false,
    useLlmHtml: p.use_llm_html !== false,
    fontName: p.font_name,
    seed: p.seed,
    canvases: p.canvases ?? [{ index: 0, width: p.width, height: p.height, suffix: '' }],
    variants: p.num_variants ?? 1,
    testMode: Boolean(p.test_mode),
  };
}

/** What a finished job reports about each canvas (its best variant): what was drawn, where, and how legibly. */
function jobResult(outcome: PipelineOutcome, seed: number, variants: number, format?: OutputFormat): Record<string, unknown> {
  const best = outcome.shots.filter((shot) => (shot.rank ?? 1) === 1);
  return {
    stages: outcome.stages,
    segment_model: outcome.job.segmentModel,
    // Sides of the photo that cut the subject; each final bleeds it off the same side.
    cut_by_frame: outcome.job.frameCuts ? cutSides(outcome.job.frameCuts) : [],
    subject_layout: outcome.job.subjectLayout ?? null,
    // Glass: the matte is how see-through it is (null without Stage 1).
    subject_material: outcome.job.material ?? null,
    // How the camera saw the product, and so which set it got (flat lay, table from above, sweep).
    view: outcome.job.view ?? null,
    stray_fragments_removed: outcome.job.strayParts ?? 0,
    // A small subject in a big photo is cut again from a crop around it, at the original's resolution.
    subject_recut: outcome.job.recut === true,
    // A product nearly the colour of a plain backdrop is outlined on a contrast-stretched copy.
    subject_contrast_stretch: outcome.job.contrastStretch ?? null,
    canvases: best.map(({ canvas, backgroundInfo, productBox, layout, text, quality }) => ({
      placement: canvas.preset ?? `${canvas.width}x${canvas.height}`,
      width: canvas.width,
      height: canvas.height,
      files: filesOf(canvas.suffix, format),
      background: backgroundInfo,
      product_box: productBox,
      text: layout && text
        ? {
            box: text.box,
            font: text.font,
            fonts_used: text.fontsUsed,
            fitted_px: text.fittedPx,
            overflow: text.overflow,
            missing_characters: text.missing,
            preset: layout.preset,
            treatment: layout.treatment,
            position: layout.position,
            text_color: layout.textColor,
            contrast: Math.round(layout.contrast * 100) / 100,
            // Measured on the rendered glyphs (halos, outlines, LLM designs), else planned on the background's pixels.
            contrast_measured: layout.contrastMeasured,
            designer: layout.designer,
            ...(layout.design ? { design: layout.design } : {}),
          }
        : null,
      quality: quality ?? null,
      ...(variants > 1 ? { variants: variantsOf(outcome, canvas.index, seed, variants, format) } : {}),
    })),
  };
}

/** One canvas's variants, best first, with what ranked them. */
function variantsOf(outcome: PipelineOutcome, index: number, seed: number, variants: number, format?: OutputFormat) {
  return outcome.shots
    .filter((shot) => shot.canvas.index === index)
    .sort((a, b) => (a.rank ?? 0) - (b.rank ?? 0))
    .map((shot) => {
      const suffix = shotSuffix(shot, variants);
      const clip = shot.quality?.clip;
      return {
        variant: shot.variant + 1,
        rank: shot.rank,
        seed: seed + shot.variant,
        files: filesOf(suffix, format),
        background: shot.backgroundInfo?.provider,
        issues: shot.quality?.issues ?? [],
        contrast: shot.layout ? Math.round(shot.layout.contrast * 100) / 100 : null,
        clip_cosine: clip && !clip.skipped ? clip.cosine : null,
      };
    });
}

const round1 = (n: number) => Math.round(n * 10) / 10;
