import { BeforeApplicationShutdown, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { isDomainException, JobAbortedError } from '../common/errors/domain.exception';
import { ErrorCode } from '../common/errors/error-codes';
import { AppConfig } from '../config/app-config';
import { PipelineOrchestrator, type PipelineOutcome, type ProgressEvent } from '../pipeline/orchestrator.service';
import type { PipelineInput } from '../pipeline/pipeline.types';
import { ArtifactStoreRepository } from '../storage/artifact-store.repository';
import { ArtifactsRepository } from '../storage/artifacts.repository';
import type { JobEntity } from './job.entity';
import { JobsRepository, type ProgressUpdate } from './jobs.repository';
import type { JobParameters } from './jobs.service';

type AbortReason = 'stop' | 'shutdown' | 'lease-lost';

interface Running {
  controller: AbortController;
  reason?: AbortReason;
  done: Promise<void>;
}

/**
 * Claims queued jobs from the database and runs them through the pipeline. Several instances
 * can share one database: claims use SKIP LOCKED and every running job holds a renewed lease.
 */
@Injectable()
export class JobRunnerService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(JobRunnerService.name);
  readonly owner = `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
  private readonly running = new Map<string, Running>();
  private timer?: NodeJS.Timeout;
  private claiming = false;
  private stopped = true;
  private medians: { at: number; value: Record<string, number> } | null = null;

  constructor(
    private readonly config: AppConfig,
    private readonly jobs: JobsRepository,
    private readonly artifacts: ArtifactsRepository,
    private readonly store: ArtifactStoreRepository,
    private readonly orchestrator: PipelineOrchestrator,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    if (!this.config.RUNNER_ENABLED) return;
    this.stopped = false;
    await this.recover();
    this.timer = setInterval(() => this.tick(), this.config.JOB_POLL_MS);
    this.timer.unref();
    this.wake();
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    for (const run of this.running.values()) {
      run.reason ??= 'shutdown';
      run.controller.abort();
    }
    await Promise.race([Promise.all([...this.running.values()].map((r) => r.done)), delay(10_000)]);
  }

  /** Looks for work now instead of at the next poll (called after a submit). */
  wake(): void {
    if (!this.stopped) setImmediate(() => void this.claim());
  }

  abortLocal(jobId: string): void {
    const run = this.running.get(jobId);
    if (!run) return;
    run.reason ??= 'stop';
    run.controller.abort();
  }

  async waitUntilIdle(jobId: string, timeoutMs: number): Promise<void> {
    const run = this.running.get(jobId);
    if (run) await Promise.race([run.done, delay(timeoutMs)]);
  }

  /** Median seconds per stage from recent jobs, cached for half a minute. */
  async stageSeconds(): Promise<Record<string, number>> {
    if (!this.medians || Date.now() - this.medians.at > 30_000) {
      const ms = await this.jobs.stageMedians();
      this.medians = { at: Date.now(), value: Object.fromEntries(Object.entries(ms).map(([k, v]) => [k, v / 1000])) };
    }
    return this.medians.value;
  }

  private tick(): void {
    void this.recover().then(() => this.claim());
  }

  private async recover(): Promise<void> {
    try {
      for (const job of await this.jobs.recoverExpired(this.config.JOB_MAX_ATTEMPTS, this.owner)) {
        this.logger.warn(`job ${job.id} lost its runner; now ${job.status}`);
      }
    } catch (error) {
      this.logger.error(`recovering expired jobs failed: ${(error as Error).message}`);
    }
  }

  private async claim(): Promise<void> {
    if (this.claiming || this.stopped) return;
    this.claiming = true;
    try {
      while (!this.stopped && this.running.size < this.config.JOB_CONCURRENCY) {
        const job = await this.jobs.claimNext(this.owner, this.config.JOB_LEASE_SECONDS);
        if (!job) break;
        const controller = new AbortController();
        const entry: Running = { controller, done: Promise.resolve() };
        this.running.set(job.id, entry);
        entry.done = this.execute(job, entry).finally(() => {
          this.running.delete(job.id);
          this.wake();
        });
      }
    } catch (error) {
      this.logger.error(`claiming jobs failed: ${(error as Error).message}`);
    } finally {
      this.claiming = false;
    }
  }

  private async execute(job: JobEntity, run: Running): Promise<void> {
    const heartbeat = this.heartbeat(job.id, run);
    const progress = new ProgressWriter((update) => this.jobs.updateProgress(job.id, this.owner, update), this.logger);
    try {
      const input = await this.pipelineInput(job);
      const outcome = await this.orchestrator.run(
        input,
        {
          stageSeconds: await this.stageSeconds(),
          progress: (e) => progress.push(toUpdate(e)),
          writeArtifact: async (name, data, mime) => {
            const stored = await this.store.write(job.id, name, data);
            await this.artifacts.upsert({ jobId: job.id, name, mime, ...stored });
            return { name, mime, bytes: stored.bytes, sha256: stored.sha256 };
          },
        },
        run.controller.signal,
      );
      await progress.flush();
      const retried = job.attempts > 1 ? ` (resumed after an interruption, attempt ${job.attempts})` : '';
      await this.jobs.finish(job.id, this.owner, {
        status: 'completed',
        message: `Completed.${retried}`,
        timings: outcome.timings,
        result: jobResult(outcome),
      });
      this.medians = null;
    } catch (error) {
      await progress.flush();
      await this.fail(job, run, error);
    } finally {
      clearInterval(heartbeat);
    }
  }

  private async fail(job: JobEntity, run: Running, error: unknown): Promise<void> {
    if (error instanceof JobAbortedError || run.controller.signal.aborted) {
      if (run.reason === 'shutdown') {
        await this.jobs.requeue(job.id, this.owner, 'Queued again: the server restarted while this job was running.');
      } else if (run.reason !== 'lease-lost') {
        await this.jobs.finish(job.id, this.owner, { status: 'stopped', message: 'Stopped by request.', errorCode: ErrorCode.JOB_STOPPED });
      }
      return;
    }
    const known = isDomainException(error);
    if (!known) this.logger.error(`job ${job.id} failed`, (error as Error)?.stack ?? String(error));
    await this.jobs.finish(job.id, this.owner, {
      status: 'error',
      message: 'Failed.',
      errorCode: known ? error.code : ErrorCode.INTERNAL,
      errorMessage: known ? error.message : `An internal error stopped this job; the server log has the details (job ${job.id}).`,
    });
  }

  /** Renews the lease and picks up stop requests made through other instances. */
  private heartbeat(jobId: string, run: Running): NodeJS.Timeout {
    const everyMs = Math.min(500, (this.config.JOB_LEASE_SECONDS * 1000) / 3);
    const timer = setInterval(() => {
      this.jobs
        .renewLease(jobId, this.owner, this.config.JOB_LEASE_SECONDS)
        .then((state) => {
          if (!state || state.cancelRequested) {
            run.reason ??= state ? 'stop' : 'lease-lost';
            run.controller.abort();
          }
        })
        .catch((error: unknown) => this.logger.warn(`lease renewal for ${jobId} failed: ${(error as Error).message}`));
    }, everyMs);
    timer.unref();
    return timer;
  }

  private async pipelineInput(job: JobEntity): Promise<PipelineInput> {
    const p = job.parameters as unknown as JobParameters;
    const read = async (name?: string) => {
      if (!name) return undefined;
      const artifact = await this.artifacts.findOne(job.id, name);
      return artifact ? this.store.read(artifact.path) : undefined;
    };
    return {
      jobId: job.id,
      startStep: p.start_step,
      stopStep: p.stop_step,
      productImage: await read(p.inputs.product_image),
      step1Image: await read(p.inputs.step1_image),
      textContent: p.text_content ?? '',
      bgPrompt: p.bg_prompt ?? '',
      negativePrompt: p.negative_prompt ?? '',
      textPosition: p.text_position ?? 'auto',
      strength: p.strength ?? 0.6,
      guidanceScale: p.guidance_scale ?? 3.5,
      htmlStylePrompt: p.html_style_prompt ?? '',
      fontName: p.font_name,
      seed: p.seed,
      canvases: p.canvases ?? [{ index: 0, width: p.width, height: p.height, suffix: '' }],
      testMode: Boolean(p.test_mode),
    };
  }
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
          }
        : null,
      quality: quality ?? null,
    })),
  };
}

function toUpdate(e: ProgressEvent): ProgressUpdate {
  return {
    progressPercent: Math.round(e.percent * 10) / 10,
    currentStep: e.label,
    subStep: e.subStep,
    message: e.message,
    stageStartedAt: e.stageStartedAt,
    timings: e.timings,
  };
}

/** Writes progress in order, at most one write in flight; the latest update wins. */
class ProgressWriter {
  private latest?: ProgressUpdate;
  private inFlight?: Promise<void>;

  constructor(
    private readonly write: (update: ProgressUpdate) => Promise<void>,
    private readonly logger: Logger,
  ) {}

  push(update: ProgressUpdate): void {
    this.latest = update;
    this.inFlight ??= this.drain();
  }

  async flush(): Promise<void> {
    await this.inFlight;
  }

  private async drain(): Promise<void> {
    try {
      while (this.latest) {
        const update = this.latest;
        this.latest = undefined;
        await this.write(update).catch((error: unknown) => this.logger.warn(`progress write failed: ${(error as Error).message}`));
      }
    } finally {
      this.inFlight = undefined;
    }
  }
}

const delay = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms).unref());
