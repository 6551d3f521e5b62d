import { Injectable } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { ArtifactEntity } from '../storage/artifact.entity';
import { SystemMetricsRepository } from '../system/system-metrics.repository';
import type { ArtifactDto, JobStatusDto, JobSummaryDto } from './dto/job-status.dto';
import type { JobEntity } from './job.entity';
import { JobsService, type JobParameters } from './jobs.service';

/** Turns job rows into the seed-compatible JobStatus the API and MCP return. */
@Injectable()
export class JobStatusService {
  constructor(
    private readonly config: AppConfig,
    private readonly jobs: JobsService,
    private readonly metrics: SystemMetricsRepository,
  ) {}

  /** Finished images are immutable per sha256, so pollers share one base64 encoding. */
  private readonly dataUrls = new DataUrlCache(32 * 2 ** 20);

  async status(jobId: string, opts: { includeImages: boolean; includeMetrics: boolean }): Promise<JobStatusDto> {
    const { job, artifacts } = await this.jobs.snapshot(jobId);
    const params = job.parameters as unknown as JobParameters;
    const step1 = artifacts.find((a) => a.name === 'step1.png');
    const final = artifacts.find((a) => a.name === 'final.png');
    const { eta, stepEta } = await this.jobs.eta(job);
    const dataUrl = (a?: ArtifactEntity) => (a && opts.includeImages ? this.dataUrls.get(a, () => this.jobs.readArtifact(a)) : null);
    const since = job.startedAt ?? job.createdAt;
    const until = job.finishedAt ?? new Date();
    return {
      job_id: job.id,
      status: job.status,
      progress_percent: job.progressPercent,
      current_step: job.currentStep,
      sub_step: job.subStep,
      message: job.message,
      elapsed_sec: Math.round((until.getTime() - since.getTime()) / 100) / 10,
      eta_seconds: eta,
      step_eta_seconds: stepEta,
      ...(opts.includeMetrics ? { system_metrics: await this.metrics.read() } : {}),
      parameters: params as unknown as Record<string, unknown>,
      step1_result: await dataUrl(step1),
      final_result: await dataUrl(final),
      step1_result_url: step1 ? this.url(job.id, step1.name) : null,
      final_result_url: final ? this.url(job.id, final.name) : null,
      finals: (params.canvases ?? []).map((c) => {
        const has = (name: string) => (artifacts.some((a) => a.name === name) ? this.url(job.id, name) : null);
        return {
          placement: c.preset ?? `${c.width}x${c.height}`,
          width: c.width,
          height: c.height,
          step1_url: has(`step1${c.suffix}.png`),
          final_url: has(`final${c.suffix}.png`),
        };
      }),
      error_message: job.errorMessage,
      error: job.errorCode && job.status !== 'completed' ? { code: job.errorCode, message: job.errorMessage ?? job.message } : null,
      quality: (job.result.canvases as Array<{ quality?: Record<string, unknown> }> | undefined)?.[0]?.quality ?? null,
      timings: job.timings,
      result: job.result,
      attempts: job.attempts,
      kind: job.kind,
      worker: job.leaseOwner?.split('/')[0] ?? null,
      artifacts: artifacts.map((a) => this.artifactDto(a)),
      created_at: job.createdAt.toISOString(),
      started_at: job.startedAt?.toISOString() ?? null,
      finished_at: job.finishedAt?.toISOString() ?? null,
    };
  }

  async summaries(jobs: JobEntity[]): Promise<JobSummaryDto[]> {
    return Promise.all(
      jobs.map(async (job) => {
        const done = job.status === 'completed';
        const names = done ? (await this.jobs.listArtifacts(job.id)).map((a) => a.name) : [];
        return {
          job_id: job.id,
          status: job.status,
          progress_percent: job.progressPercent,
          current_step: job.currentStep,
          message: job.message,
          error_code: job.errorCode,
          created_at: job.createdAt.toISOString(),
          finished_at: job.finishedAt?.toISOString() ?? null,
          step1_result_url: names.includes('step1.png') ? this.url(job.id, 'step1.png') : null,
          final_result_url: names.includes('final.png') ? this.url(job.id, 'final.png') : null,
        };
      }),
    );
  }

  artifactDto(a: ArtifactEntity): ArtifactDto {
    return { name: a.name, mime: a.mime, bytes: a.bytes, sha256: a.sha256, url: this.url(a.jobId, a.name) };
  }

  private url(jobId: string, name: string): string {
    return `${this.config.PUBLIC_URL ?? ''}/jobs/${jobId}/artifacts/${encodeURIComponent(name)}`;
  }
}

/** Data URLs by content hash, least recently used out first, bounded in characters. */
class DataUrlCache {
  private readonly entries = new Map<string, { value: Promise<string>; chars: number }>();
  private size = 0;

  constructor(private readonly maxChars: number) {}

  get(a: Pick<ArtifactEntity, 'sha256' | 'mime' | 'bytes'>, read: () => Promise<Buffer>): Promise<string> {
    const hit = this.entries.get(a.sha256);
    if (hit) {
      this.entries.delete(a.sha256);
      this.entries.set(a.sha256, hit);
      return hit.value;
    }
    const value = read().then((bytes) => `data:${a.mime};base64,${bytes.toString('base64')}`);
    const chars = Math.ceil(a.bytes / 3) * 4;
    if (chars > this.maxChars / 4) return value; // too big to be worth keeping
    this.add(a.sha256, { value, chars });
    value.catch(() => this.remove(a.sha256));
    return value;
  }

  private add(key: string, entry: { value: Promise<string>; chars: number }): void {
    this.entries.set(key, entry);
    this.size += entry.chars;
    while (this.size > this.maxChars) this.remove(this.entries.keys().next().value as string);
  }

  private remove(key: string): void {
    const entry = this.entries.get(key);
    if (!entry) return;
    this.entries.delete(key);
    this.size -= entry.chars;
  }
}
