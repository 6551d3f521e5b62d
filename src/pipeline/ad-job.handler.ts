import { Injectable } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import type { JobEntity } from '../jobs/job.entity';
import { JobHandler, type JobContext, type JobKindHandler, type JobOutcome } from '../jobs/job-handler';
import type { JobParameters } from '../jobs/jobs.service';
import { collectProviderCalls, providerMetrics } from '../providers/provider-usage';
import { PipelineOrchestrator, type PipelineOutcome } from './orchestrator.service';
import type { PipelineInput } from './pipeline.types';

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
    const result = { ...jobResult(outcome), metrics: { providers: providerMetrics(calls, this.config) } };
    return { message: 'Completed.', timings: outcome.timings, result };
  }

  /** Seconds left: the rest of the current stage plus the estimates of the stages after it. */
  eta(job: JobEntity, stageSeconds: Record<string, number>): { eta: number | null; stepEta: number | null } {
    const params = job.parameters as unknown as JobParameters;
    const plan = this.orchestrator.plan({ startStep: params.start_step, stopStep: params.stop_step, textContent: params.text_content ?? '' });
    const estimates = this.orchestrator.estimates(plan, stageSeconds);
    const canvases = params.canvases?.length ?? 1;
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
  const p = ctx.job.parameters as unknown as JobParameters;
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
    strength: p.strength ?? 0.6,
    guidanceScale: p.guidance_scale ?? 3.5,
    htmlStylePrompt: p.html_style_prompt ?? '',
    useVision: p.use_qwen_analysis !== false,
    useLlmHtml: p.use_llm_html !== false,
    fontName: p.font_name,
    seed: p.seed,
    canvases: p.canvases ?? [{ index: 0, width: p.width, height: p.height, suffix: '' }],
    testMode: Boolean(p.test_mode),
  };
}

/** What a finished job reports about each canvas: what was drawn, where, and how legibly. */
function jobResult(outcome: PipelineOutcome): Record<string, unknown> {
  return {
    stages: outcome.stages,
    segment_model: outcome.job.segmentModel,
    canvases: outcome.shots.map(({ canvas, backgroundInfo, productBox, layout, text, quality }) => ({
      placement: canvas.preset ?? `${canvas.width}x${canvas.height}`,
      width: canvas.width,
      height: canvas.height,
      files: { step1: `step1${canvas.suffix}.png`, final: `final${canvas.suffix}.png` },
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
            text_color: layout.textColor,
            contrast: Math.round(layout.contrast * 100) / 100,
            designer: layout.designer,
            ...(layout.design ? { design: layout.design } : {}),
          }
        : null,
      quality: quality ?? null,
    })),
  };
}

const round1 = (n: number) => Math.round(n * 10) / 10;
