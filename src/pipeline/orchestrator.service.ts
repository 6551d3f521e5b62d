import { Inject, Injectable } from '@nestjs/common';
import { throwIfAborted } from '../common/errors/domain.exception';
import type { ArtifactRecord, PipelineInput, PipelineState, Stage, StageContext, StepNumber } from './pipeline.types';
import { STAGE } from './pipeline.types';

export interface ProgressEvent {
  percent: number;
  stage: string;
  label: string;
  subStep: string;
  message: string;
  stageStartedAt: Date;
  timings: Record<string, number>;
}

/** Where the orchestrator sends what it produces: the job runner (DB + disk) or the CLI (a folder). */
export interface PipelineSink {
  progress(event: ProgressEvent): void;
  writeArtifact(name: string, data: Buffer, mime: string): Promise<ArtifactRecord>;
  /** Median seconds per stage from past runs, for progress weights; may be empty. */
  stageSeconds?: Record<string, number>;
}

export interface PipelineOutcome {
  timings: Record<string, number>;
  state: PipelineState;
  stages: string[];
}

/** Runs the stages of one job in order, reporting progress and honouring the abort signal. */
@Injectable()
export class PipelineOrchestrator {
  constructor(@Inject(STAGE) private readonly stages: Stage[]) {}

  /** The stages a job with these steps runs, in order. */
  plan(startStep: StepNumber, stopStep: StepNumber): Stage[] {
    return this.stages.filter((s) => s.step >= startStep && s.step <= stopStep);
  }

  hasStep(step: StepNumber): boolean {
    return this.stages.some((s) => s.step === step);
  }

  /** True when a job asks for copy that this server cannot draw yet (no Stage 2 stages). */
  skipsCopy(stopStep: StepNumber, text: string | undefined): boolean {
    return stopStep === 2 && Boolean(text) && !this.hasStep(2);
  }

  /** Estimated seconds per stage: recorded medians where known, the stage's default otherwise. */
  estimates(plan: Stage[], medians: Record<string, number> = {}): Record<string, number> {
    return Object.fromEntries(plan.map((s) => [s.name, medians[s.name] ?? s.defaultSeconds]));
  }

  async run(input: PipelineInput, sink: PipelineSink, signal: AbortSignal): Promise<PipelineOutcome> {
    const plan = this.plan(input.startStep, input.stopStep);
    const estimates = this.estimates(plan, sink.stageSeconds);
    const total = Object.values(estimates).reduce((a, b) => a + b, 0) || 1;
    const state: PipelineState = { layers: [] };
    const timings: Record<string, number> = {};
    const writes: Array<Promise<unknown>> = [];
    let doneSeconds = 0;
    try {
      for (const stage of plan) {
        throwIfAborted(signal);
        const stageStartedAt = new Date();
        const weight = estimates[stage.name];
        const emit = (fraction: number, subStep: string, message?: string) => {
          const clamped = Math.max(0, Math.min(1, fraction));
          sink.progress({
            percent: Math.min(99, ((doneSeconds + clamped * weight) / total) * 100),
            stage: stage.name,
            label: stage.label,
            subStep,
            message: message ?? `${stage.label}: ${subStep}`,
            stageStartedAt,
            timings: { ...timings },
          });
        };
        const ctx: StageContext = {
          input,
          signal,
          state,
          report: emit,
          persist: (name, data, mime) => {
            writes.push(data.then((bytes) => sink.writeArtifact(name, bytes, mime)));
          },
        };
        emit(0, 'start');
        const started = performance.now();
        await stage.run(ctx);
        timings[stage.name] = Math.round(performance.now() - started);
        doneSeconds += weight;
      }
    } catch (error) {
      // No background write may outlive a failed job, or hide the stage's own error.
      await Promise.allSettled(writes);
      throw error;
    }
    await Promise.all(writes);
    return { timings, state, stages: plan.map((s) => s.name) };
  }
}
