import { Inject, Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { canSee, type Principal } from '../auth/principal';
import type { Submitter } from '../auth/submission';
import { DomainException } from '../common/errors/domain.exception';
import { ErrorCode } from '../common/errors/error-codes';
import { type DecodedImage, MIME_BY_FORMAT } from '../common/images/image-input';
import { AppConfig } from '../config/app-config';
import type { ArtifactEntity, NewArtifact } from './job.entity';
import { ARTIFACT_STORE, type ArtifactStore } from '../storage/artifact-store';
import type { JobEntity, JobStatus } from './job.entity';
import { JobHandlerRegistry } from './job-handler.registry';
import { JobRunnerService } from './job-runner.service';
import { type JobSnapshot, JobSnapshotsService } from './job-snapshots.service';
import { IdempotencyRace, JobsRepository } from './jobs.repository';
import { WEBHOOK_URL_CHECK, type WebhookUrlCheck } from './webhook-url-check';

/** What a job kind's `prepare` hands to admit(): its row's content and its stored inputs. */
export interface PreparedJob {
  kind: string;
  parameters: Record<string, unknown>;
  inputs: NewArtifact[];
}

/** A submit's answer; `replayed` when an Idempotency-Key brought back an earlier one. */
export interface Submitted {
  jobId: string;
  message: string;
  response: Record<string, unknown>;
  replayed: boolean;
}

@Injectable()
export class JobsService {
  constructor(
    private readonly config: AppConfig,
    private readonly jobs: JobsRepository,
    private readonly snapshots: JobSnapshotsService,
    @Inject(ARTIFACT_STORE) private readonly store: ArtifactStore,
    private readonly handlers: JobHandlerRegistry,
    private readonly runner: JobRunnerService,
    @Inject(WEBHOOK_URL_CHECK) private readonly webhookUrls: WebhookUrlCheck,
  ) {}

  /**
   * How every kind's job is let in: a retried Idempotency-Key gets its first answer back (422
   * if the request differs), the webhook URL is checked, `prepare` validates the request and
   * stores its inputs, and the row goes in unless the key's queue is full. A concurrent
   * duplicate loses the race inside the insert, drops its stored inputs and answers as the
   * winner did.
   */
  async admit(submitter: Submitter, webhookUrl: string | undefined, prepare: (jobId: string) => Promise<PreparedJob>): Promise<Submitted> {
    const owner = submitter.principal.name;
    const idem = submitter.idempotency;
    const idemOwner = owner ?? ''; // idempotency keys of the open service share one namespace
    if (idem) {
      const replay = await this.replay(idemOwner, idem.key, idem.requestHash);
      if (replay) return replay;
    }
    // The operator's WEBHOOK_URL is configuration, not input: only a caller's URL is probed.
    const webhook = webhookUrl ? await this.webhookUrls.check(webhookUrl, 'webhook_url') : this.config.WEBHOOK_URL;
    const jobId = randomUUID();
    const message = 'Queued.';
    const response = { job_id: jobId, status: 'pending', message, status_url: `/status/${jobId}` };
    const job = await prepare(jobId);
    try {
      await this.jobs.create({ id: jobId, kind: job.kind, parameters: job.parameters, message, owner, webhookUrl: webhook ?? null }, job.inputs, {
        maxPending: this.config.MAX_PENDING_JOBS_PER_KEY,
        idempotency: idem ? { owner: idemOwner, key: idem.key, requestHash: idem.requestHash, jobId, response } : undefined,
      });
    } catch (error) {
      await this.store.removePrefix(`jobs/${jobId}/`).catch(() => undefined);
      const replay = error instanceof IdempotencyRace && idem ? await this.replay(idemOwner, idem.key, idem.requestHash) : null;
      if (replay) return replay;
      throw error;
    }
    this.runner.wake(); // NOTIFY wakes every instance; this saves the local one the round trip
    return { jobId, message, response, replayed: false };
  }

  private async replay(owner: string, key: string, requestHash: string): Promise<Submitted | null> {
    const found = await this.jobs.findIdempotent(owner, key);
    if (!found) return null;
    if (found.requestHash !== requestHash) {
      throw new DomainException(
        ErrorCode.IDEMPOTENCY_KEY_REUSED,
        'This Idempotency-Key was used within the last 24 hours for a different request; use a new key for a new request',
        { job_id: found.jobId },
      );
    }
    return { jobId: found.jobId, message: String(found.response.message ?? ''), response: found.response, replayed: true };
  }

  /** Stores a validated input image of a job about to be admitted, as `base.ext`. */
  async storeInput(jobId: string, base: string, image: DecodedImage): Promise<NewArtifact> {
    const name = `${base}.${image.format === 'jpeg' ? 'jpg' : image.format}`;
    const mime = MIME_BY_FORMAT[image.format];
    const stored = await this.store.write(`jobs/${jobId}/${name}`, image.buffer, mime);
    return { jobId, name, mime, path: stored.key, bytes: stored.bytes, sha256: stored.sha256 };
  }

  async get(jobId: string, principal: Principal): Promise<JobEntity> {
    return (await this.snapshot(jobId, principal)).job;
  }

  /**
   * The job with its artifact rows, from the shared snapshot (one read per change). Another
   * tenant's job is JOB_NOT_FOUND, exactly as a job that does not exist: ids leak nothing.
   */
  async snapshot(jobId: string, principal: Principal): Promise<JobSnapshot> {
    const found = isUuid(jobId) ? await this.snapshots.get(jobId.toLowerCase()) : null;
    if (!found || !canSee(principal, found.job.owner)) throw new DomainException(ErrorCode.JOB_NOT_FOUND, `No job with id ${jobId}`, { job_id: jobId });
    return found;
  }

  async listArtifacts(jobId: string, principal: Principal): Promise<ArtifactEntity[]> {
    return (await this.snapshot(jobId, principal)).artifacts;
  }

  async artifact(jobId: string, name: string, principal: Principal): Promise<ArtifactEntity> {
    const artifact = (await this.snapshot(jobId, principal)).artifacts.find((a) => a.name === name);
    if (!artifact) throw new DomainException(ErrorCode.ARTIFACT_NOT_FOUND, `Job ${jobId} has no file named ${name}`, { job_id: jobId, name });
    return artifact;
  }

  readArtifact(artifact: Pick<ArtifactEntity, 'path'>): Promise<Buffer> {
    return this.store.read(artifact.path);
  }

  get artifactStore(): ArtifactStore {
    return this.store;
  }

  /** An admin lists every job; any other key its own. */
  list(principal: Principal, statuses: JobStatus[] | undefined, limit: number, offset: number, kind?: string) {
    return this.jobs.list({ statuses, kind, limit, offset, owner: principal.admin ? undefined : principal.name });
  }

  async stop(jobId: string, principal: Principal): Promise<{ status: JobStatus; message: string }> {
    await this.get(jobId, principal);
    const status = await this.jobs.requestStop(jobId, 'Stopped by request before it started.');
    if (status === 'running') {
      this.runner.abortLocal(jobId);
      return { status: 'running', message: 'Stop requested; the job stops within a second.' };
    }
    if (status === 'stopped') return { status, message: 'Stopped.' };
    throw new DomainException(ErrorCode.JOB_NOT_STOPPABLE, `Job ${jobId} has already finished (${status})`, { status });
  }

  /**
   * Deleting the row is what stops a running job wherever it runs: its runner hears the
   * deletion by NOTIFY and aborts, and any file it still writes fails the lease check and is
   * removed by that runner itself.
   */
  async delete(jobId: string, principal: Principal): Promise<void> {
    await this.get(jobId, principal);
    await this.jobs.delete(jobId);
    this.runner.abortLocal(jobId, 'deleted');
    this.snapshots.invalidate(jobId);
    await this.store.removePrefix(`jobs/${jobId}/`);
  }

  /** Seconds left, as the job kind's handler estimates them from past stage timings. */
  async eta(job: JobEntity): Promise<{ eta: number | null; stepEta: number | null }> {
    if (job.status !== 'running' && job.status !== 'pending') return { eta: job.status === 'completed' ? 0 : null, stepEta: null };
    const handler = this.handlers.get(job.kind);
    if (!handler?.eta) return { eta: null, stepEta: null };
    return handler.eta(job, await this.runner.stageSeconds(job.kind));
  }
}

export function isUuid(value: string): boolean {
  return /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(value);
}
