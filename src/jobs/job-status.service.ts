import { Injectable } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { OPEN_PRINCIPAL, type Principal } from '../auth/principal';
import { ArtifactLinks } from '../storage/artifact-links';
import type { WebhookDelivery } from './webhook-delivery.types';
import { ArtifactEntity } from './job.entity';
import { SystemMetricsRepository } from '../system/system-metrics.repository';
import type { ArtifactDto, JobStatusDto, JobSummaryDto, WebhookDeliveryDto } from './dto/job-status.dto';
import type { JobEntity } from './job.entity';
import type { JobSnapshot } from './job-snapshots.service';
import { JobHandlerRegistry } from './job-handler.registry';
import { JobsService } from './jobs.service';

/** Stands in for an image in the JSON until the cached literal replaces it; JSON.stringify leaves it as it is. */
const IMAGE_MARKER = `@@nanococoa-image-${randomBytes(8).toString('hex')}@@`;

/** Turns job rows into the seed-compatible JobStatus the API and MCP return. */
@Injectable()
export class JobStatusService {
  constructor(
    private readonly links: ArtifactLinks,
    private readonly jobs: JobsService,
    private readonly metrics: SystemMetricsRepository,
    private readonly handlers: JobHandlerRegistry,
  ) {}

  /** Images are immutable per sha256, so pollers share one base64 encoding, kept as JSON bytes. */
  private readonly dataUrls = new DataUrlCache(32 * 2 ** 20);

  /**
   * The /status answer as JSON bytes. With images, step1_result and final_result are the seed's
   * data URLs (~2 MB each): they are spliced in from the cache as ready JSON, so a poller costs a
   * small JSON.stringify instead of re-escaping and copying megabytes per request.
   */
  async statusJson(jobId: string, principal: Principal, opts: { includeImages: boolean; includeMetrics: boolean }): Promise<Buffer[]> {
    const snapshot = await this.jobs.snapshot(jobId, principal);
    const dto = await this.compose(snapshot, opts);
    const images = opts.includeImages ? await this.imageLiterals(snapshot.artifacts) : { step1: null, final: null };
    const json = JSON.stringify({
      ...dto,
      step1_result: images.step1 ? `${IMAGE_MARKER}step1` : null,
      final_result: images.final ? `${IMAGE_MARKER}final` : null,
    });
    const parts: Buffer[] = [];
    let rest = json;
    for (const [name, literal] of [['step1', images.step1], ['final', images.final]] as const) {
      if (!literal) continue;
      const marker = `"${IMAGE_MARKER}${name}"`;
      const at = rest.indexOf(marker);
      parts.push(Buffer.from(rest.slice(0, at)), literal);
      rest = rest.slice(at + marker.length);
    }
    parts.push(Buffer.from(rest));
    return parts; // written one after another: the cached images are never copied
  }

  /** The job's state for API clients, admin pages, SSE and MCP; images only as links. */
  async status(jobId: string, principal: Principal, opts: { includeMetrics: boolean }): Promise<JobStatusDto> {
    return this.compose(await this.jobs.snapshot(jobId, principal), opts);
  }

  private async compose({ job, artifacts, webhooks }: JobSnapshot, opts: { includeMetrics: boolean }): Promise<JobStatusDto> {
    const step1 = artifacts.find((a) => a.name === 'step1.png');
    const final = artifacts.find((a) => a.name === 'final.png');
    const { eta, stepEta } = await this.jobs.eta(job);
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
      parameters: job.parameters,
      step1_result: null,
      final_result: null,
      step1_result_url: step1 ? this.links.url(job.id, step1.name) : null,
      final_result_url: final ? this.links.url(job.id, final.name) : null,
      finals: this.handlers.get(job.kind)?.finals?.(job, (name) => (artifacts.some((a) => a.name === name) ? this.links.url(job.id, name) : null)) ?? [],
      error_message: job.errorMessage,
      error: job.errorCode && job.status !== 'completed' ? { code: job.errorCode, message: job.errorMessage ?? job.message } : null,
      quality: (job.result.canvases as Array<{ quality?: Record<string, unknown> }> | undefined)?.[0]?.quality ?? null,
      timings: job.timings,
      result: job.result,
      attempts: job.attempts,
      kind: job.kind,
      owner: job.owner,
      worker: job.leaseOwner?.split('/')[0] ?? null,
      artifacts: artifacts.map((a) => this.artifactDto(a)),
      webhook: job.webhookUrl ? { url: job.webhookUrl, deliveries: webhooks.map(deliveryDto) } : null,
      created_at: job.createdAt.toISOString(),
      started_at: job.startedAt?.toISOString() ?? null,
      finished_at: job.finishedAt?.toISOString() ?? null,
    };
  }

  async summaries(jobs: JobEntity[]): Promise<JobSummaryDto[]> {
    return Promise.all(jobs.map(async (job) => this.summary(job, await this.fileNames(job))));
  }

  /**
   * The summaries with each job's kind and a picture of it: `pick` names one of a finished job's
   * files (the admin's thumbnails). The jobs module knows no kind's files; the caller that shows
   * them does.
   */
  async summariesWithPreview(
    jobs: JobEntity[],
    pick: (job: JobEntity, files: string[]) => string | null,
  ): Promise<Array<JobSummaryDto & { kind: string; preview_file: string | null; preview_url: string | null }>> {
    return Promise.all(
      jobs.map(async (job) => {
        const names = await this.fileNames(job);
        const file = job.status === 'completed' ? pick(job, names) : null;
        return { ...this.summary(job, names), kind: job.kind, preview_file: file, preview_url: file ? this.links.url(job.id, file) : null };
      }),
    );
  }

  /** A finished job's file names; none before it finishes (the caller listed these jobs for its principal already). */
  private async fileNames(job: JobEntity): Promise<string[]> {
    return job.status === 'completed' ? (await this.jobs.listArtifacts(job.id, OPEN_PRINCIPAL)).map((a) => a.name) : [];
  }

  private summary(job: JobEntity, names: string[]): JobSummaryDto {
    return {
      job_id: job.id,
      status: job.status,
      progress_percent: job.progressPercent,
      current_step: job.currentStep,
      message: job.message,
      error_code: job.errorCode,
      created_at: job.createdAt.toISOString(),
      finished_at: job.finishedAt?.toISOString() ?? null,
      step1_result_url: names.includes('step1.png') ? this.links.url(job.id, 'step1.png') : null,
      final_result_url: names.includes('final.png') ? this.links.url(job.id, 'final.png') : null,
    };
  }

  private async imageLiterals(artifacts: ArtifactEntity[]): Promise<{ step1: Buffer | null; final: Buffer | null }> {
    const literal = (name: string) => {
      const a = artifacts.find((x) => x.name === name);
      return a ? this.dataUrls.get(a, () => this.jobs.readArtifact(a)) : Promise.resolve(null);
    };
    return { step1: await literal('step1.png'), final: await literal('final.png') };
  }

  artifactDto(a: ArtifactEntity): ArtifactDto {
    return { name: a.name, mime: a.mime, bytes: a.bytes, sha256: a.sha256, url: this.links.url(a.jobId, a.name) };
  }
}

function deliveryDto(d: WebhookDelivery): WebhookDeliveryDto {
  return {
    id: d.id,
    event: d.event,
    state: d.state,
    attempts: d.attempts,
    next_attempt_at: d.state === 'pending' ? new Date(d.next_attempt_at).toISOString() : null,
  };
}

/** Data URLs as JSON string literals (quotes included), by content hash, LRU, bounded in bytes. */
class DataUrlCache {
  private readonly entries = new Map<string, { value: Promise<Buffer>; bytes: number }>();
  private size = 0;

  constructor(private readonly maxBytes: number) {}

  get(a: { sha256: string; mime: string; bytes: number; path: string }, read: () => Promise<Buffer>): Promise<Buffer> {
    const hit = this.entries.get(a.sha256);
    if (hit) {
      this.entries.delete(a.sha256);
      this.entries.set(a.sha256, hit);
      return hit.value;
    }
    // base64 needs no JSON escaping, so the literal is the data URL between quotes.
    const value = read().then((bytes) => Buffer.from(`"data:${a.mime};base64,${bytes.toString('base64')}"`, 'latin1'));
    const bytes = Math.ceil(a.bytes / 3) * 4;
    if (bytes > this.maxBytes / 4) return value; // too big to be worth keeping
    this.add(a.sha256, { value, bytes });
    value.catch(() => this.remove(a.sha256));
    return value;
  }

  private add(key: string, entry: { value: Promise<Buffer>; bytes: number }): void {
    this.entries.set(key, entry);
    this.size += entry.bytes;
    while (this.size > this.maxBytes) this.remove(this.entries.keys().next().value as string);
  }

  private remove(key: string): void {
    const entry = this.entries.get(key);
    if (!entry) return;
    this.entries.delete(key);
    this.size -= entry.bytes;
  }
}
