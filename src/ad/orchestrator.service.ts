import { Inject, Injectable } from '@nestjs/common';
import { throwIfAborted } from '../common/errors/domain.exception';
import { compareReports } from '../quality/quality-report';
import { shotSuffix } from './canvases';
import type { ArtifactRecord, JobState, PipelineInput, ShotState, Stage, StageContext, StepNumber } from './ad.types';
import { STAGE } from './ad.types';

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
  /** Median seconds per stage run from past jobs, for progress weights; may be empty. */
  stageSeconds?: Record<string, number>;
}

export interface PipelineOutcome {
  /** ms per stage; for canvas stages the mean over the job's canvases. */
  timings: Record<string, number>;
  job: JobState;
  shots: ShotState[];
  stages: string[];
}

interface PlanStep {
  stage: Stage;
  shot?: ShotState;
}

/** Runs the stages of one job in order, per canvas where needed, honouring the abort signal. */
@Injectable()
export class PipelineOrchestrator {
  constructor(@Inject(STAGE) private readonly stages: Stage[]) {}

  /** The stages a job runs, in order (canvas stages are repeated per canvas by `run`). */
  plan(input: Pick<PipelineInput, 'startStep' | 'stopStep' | 'textContent'>): Stage[] {
    return this.stages.filter(
      (s) => (s.step === 'any' || (s.step >= input.startStep && s.step <= input.stopStep)) && (!s.applies || s.applies(input as PipelineInput)),
    );
  }

  hasStep(step: StepNumber): boolean {
    return this.stages.some((s) => s.step === step);
  }

  /** Estimated seconds per stage run: recorded medians where known, the stage's default otherwise. */
  estimates(plan: Stage[], medians: Record<string, number> = {}): Record<string, number> {
    return Object.fromEntries(plan.map((s) => [s.name, medians[s.name] ?? s.defaultSeconds]));
  }

  /** Seconds a whole job takes by the estimates. */
  totalSeconds(plan: Stage[], estimates: Record<string, number>, canvases: number): number {
    return plan.reduce((sum, s) => sum + estimates[s.name] * (s.scope === 'canvas' ? canvases : 1), 0);
  }

  async run(input: PipelineInput, sink: PipelineSink, signal: AbortSignal): Promise<PipelineOutcome> {
    const plan = this.plan(input);
    const estimates = this.estimates(plan, sink.stageSeconds);
    const variants = Math.max(1, input.variants);
    const job: JobState = {};
    const shots: ShotState[] = input.canvases.flatMap((canvas) => Array.from({ length: variants }, (_, variant) => ({ canvas, variant, layers: [] })));
    const total = this.totalSeconds(plan, estimates, shots.length) || 1;
    // With variants every file is written under its variant's name; the best's are written again under the plain names.
    // By name: a file persisted twice (layers.json after composite, then after finalize) keeps its last version.
    const kept = new Map<ShotState, Map<string, { data: Promise<Buffer>; mime: string }>>();
    const steps: PlanStep[] = [
      ...plan.filter((s) => s.scope === 'job').map((stage) => ({ stage })),
      ...shots.flatMap((shot) => plan.filter((s) => s.scope === 'canvas').map((stage) => ({ stage, shot }))),
    ];
    const spent: Record<string, number> = {};
    const writes: Array<Promise<unknown>> = [];
    const latest = new Map<string, Promise<unknown>>();
    let doneSeconds = 0;
    try {
      for (const { stage, shot } of steps) {
        throwIfAborted(signal);
        const stageStartedAt = new Date();
        const weight = estimates[stage.name];
        const where = !shot || shots.length === 1 ? '' : variants > 1 ? ` (${shot.canvas.width}x${shot.canvas.height}, variant ${shot.variant + 1}/${variants})` : ` (${shot.canvas.width}x${shot.canvas.height})`;
        const report = (fraction: number, subStep: string, message?: string) => {
          const clamped = Math.max(0, Math.min(1, fraction));
          sink.progress({
            percent: Math.min(99, ((doneSeconds + clamped * weight) / total) * 100),
            stage: stage.name,
            label: stage.label,
            subStep,
            message: (message ?? `${stage.label}: ${subStep}`) + where,
            stageStartedAt,
            timings: perRun(spent, plan, shots.length),
          });
        };
        const suffix = shot ? shotSuffix(shot, variants) : '';
        const ctx: StageContext = {
          input,
          signal,
          job,
          shot: shot ?? shots[0],
          report,
          persist: (name, data, mime) => {
            // A name persisted again (layers.json) is written after its earlier version, never racing it.
            const earlier = latest.get(name)?.catch(() => undefined);
            const write = Promise.all([data, earlier]).then(([bytes]) => sink.writeArtifact(name, bytes, mime));
            latest.set(name, write);
            // Awaited after the stages; until then a failed write must not count as unhandled.
            write.catch(() => undefined);
            writes.push(write);
            if (shot && variants > 1) kept.set(shot, (kept.get(shot) ?? new Map()).set(name, { data, mime }));
          },
          fileName: (base, ext) => `${base}${suffix}.${ext}`,
        };
        report(0, 'start');
        const started = performance.now();
        await stage.run(ctx);
        spent[stage.name] = (spent[stage.name] ?? 0) + (performance.now() - started);
        doneSeconds += weight;
      }
    } catch (error) {
      // No background write may outlive a failed job, or hide the stage's own error.
      await Promise.allSettled(writes);
      throw error;
    }
    if (variants > 1) {
      for (const best of rankVariants(shots)) {
        const plain = new RegExp(`_v${best.variant + 1}(\\.\\w+)$`);
        for (const [name, file] of kept.get(best) ?? []) writes.push(file.data.then((bytes) => sink.writeArtifact(name.replace(plain, '$1'), bytes, file.mime)));
      }
    }
    await Promise.all(writes);
    return { timings: perRun(spent, plan, shots.length), job, shots, stages: plan.map((s) => s.name) };
  }
}

/** Ranks each canvas's variants by their quality reports (sets `rank`); returns the best of each canvas. */
function rankVariants(shots: ShotState[]): ShotState[] {
  const byCanvas = new Map<number, ShotState[]>();
  for (const shot of shots) byCanvas.set(shot.canvas.index, [...(byCanvas.get(shot.canvas.index) ?? []), shot]);
  return [...byCanvas.values()].map((group) => {
    const ranked = [...group].sort((a, b) => compareReports(a.quality, b.quality) || a.variant - b.variant);
    ranked.forEach((shot, i) => (shot.rank = i + 1));
    return ranked[0];
  });
}

/** ms per stage run: canvas stages are averaged over the canvases so ETAs scale with their count. */
function perRun(spent: Record<string, number>, plan: Stage[], canvases: number): Record<string, number> {
  const out: Record<string, number> = {};
  for (const stage of plan) {
    if (spent[stage.name] === undefined) continue;
    out[stage.name] = Math.round(spent[stage.name] / (stage.scope === 'canvas' ? canvases : 1));
  }
  return out;
}
