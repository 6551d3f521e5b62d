import { DiscoveryService } from '@nestjs/core';
import type { FinalDto } from './dto/job-status.dto';
import type { JobEntity } from './job.entity';

/**
 * Marks a provider as the handler of one job kind, as immich's @OnJob does: the runner finds
 * it through Nest's discovery, so the jobs module never imports a feature module.
 *
 *   @JobHandler('decompose')
 *   @Injectable()
 *   export class DecomposeJobHandler implements JobKindHandler { ... }
 */
export const JobHandler = DiscoveryService.createDecorator<string>();

export interface JobProgress {
  /** 0-100 over the whole job. */
  percent: number;
  /** The stage shown to users ("배경 생성", "segment"); also the key of its timing. */
  step: string | null;
  subStep: string | null;
  message: string;
  stageStartedAt?: Date;
  /** Milliseconds per finished stage so far. */
  timings?: Record<string, number>;
}

export interface WrittenArtifact {
  name: string;
  mime: string;
  bytes: number;
  sha256: string;
}

/** What a handler gets for one run of one job. */
export interface JobContext {
  job: JobEntity;
  /** Aborted on stop, delete, lease loss, shutdown or JOB_MAX_RUNTIME_SEC; pass it to every await that can be long. */
  signal: AbortSignal;
  /** Coalesced: only the latest update is written when writes fall behind. */
  progress(update: JobProgress): void;
  /** Median seconds per stage of recent jobs of this kind, for progress weights; may be empty. */
  stageSeconds: Record<string, number>;
  /**
   * Stores a file of this job. It lands only while this run still holds the job's lease; a run
   * that lost the job gets a JobAbortedError and its bytes are removed, so two attempts never
   * mix their files. Store failures are STORAGE_ERROR.
   */
  writeArtifact(name: string, data: Buffer, mime: string): Promise<WrittenArtifact>;
  /** A file of this job (inputs stored at submit, or written by an earlier stage). */
  readArtifact(name: string): Promise<Buffer | undefined>;
}

export interface JobOutcome {
  message: string;
  timings: Record<string, number>;
  result: Record<string, unknown>;
}

export interface JobKindHandler {
  run(ctx: JobContext): Promise<JobOutcome>;
  /** Hours a finished job of this kind is kept; unset: JOB_RETENTION_HOURS. */
  readonly retentionHours?: number;
  /** Seconds left for a pending or running job, from past stage timings; null when unknown. */
  eta?(job: JobEntity, stageSeconds: Record<string, number>): { eta: number | null; stepEta: number | null };
  /**
   * /status's `finals`: the kind's own naming of its outputs (an ad: one entry per placement and
   * variant). `link` signs a file of the job, null when it has none by that name. Unset: none.
   */
  finals?(job: JobEntity, link: (name: string) => string | null): FinalDto[];
}
