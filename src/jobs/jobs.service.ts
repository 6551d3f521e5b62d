import { Inject, Injectable } from '@nestjs/common';
import { randomInt, randomUUID } from 'node:crypto';
import { canSee, type Principal } from '../auth/principal';
import type { Submitter } from '../auth/submission';
import { DomainException } from '../common/errors/domain.exception';
import { ErrorCode } from '../common/errors/error-codes';
import { bytesFromBase64, type DecodedImage, MIME_BY_FORMAT, validateImage } from '../common/images/image-input';
import { AppConfig } from '../config/app-config';
import { FontsService } from '../fonts/fonts.service';
import { resolveCanvases } from '../pipeline/canvases';
import type { Canvas } from '../pipeline/pipeline.types';
import type { ArtifactEntity, NewArtifact } from '../storage/artifact.entity';
import { ARTIFACT_STORE, type ArtifactStore } from '../storage/artifact-store';
import { WebhookUrlPolicy } from '../webhooks/webhook-url.policy';
import { type GenerateRequestDto, MAX_TEXT_LENGTH } from './dto/generate-request.dto';
import type { JobEntity, JobStatus } from './job.entity';
import { JobHandlerRegistry } from './job-handler.registry';
import { JobRunnerService } from './job-runner.service';
import { type JobSnapshot, JobSnapshotsService } from './job-snapshots.service';
import { IdempotencyRace, JobsRepository } from './jobs.repository';

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

export interface UploadedImages {
  product_image?: Buffer;
  step1_image?: Buffer;
}

/** The parameters a job row keeps: the request minus image bytes, with defaults resolved. */
export interface JobParameters extends Omit<GenerateRequestDto, 'product_image' | 'step1_image' | 'webhook_url'> {
  start_step: 1 | 2;
  stop_step: 1 | 2;
  seed: number;
  /** The first canvas's size (the seed's single output). */
  width: number;
  height: number;
  canvases: Canvas[];
  inputs: Record<'product_image' | 'step1_image', string | undefined>;
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
    private readonly fonts: FontsService,
    private readonly webhookUrls: WebhookUrlPolicy,
  ) {}

  /** An ad job: validated, its input stored, then admitted; bad input never makes a row. */
  submit(dto: GenerateRequestDto, files: UploadedImages, submitter: Submitter): Promise<Submitted> {
    return this.admit(submitter, dto.webhook_url, (jobId) => this.prepareAd(dto, files, jobId));
  }

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

  /** Checks an ad request and stores its input image under the new job's id. */
  private async prepareAd(dto: GenerateRequestDto, files: UploadedImages, jobId: string): Promise<PreparedJob> {
    const startStep = dto.start_step ?? 1;
    const stopStep = dto.stop_step ?? 2;
    if (stopStep < startStep) {
      throw new DomainException(ErrorCode.INVALID_PARAMETER, 'stop_step must not be smaller than start_step', { field: 'stop_step' });
    }
    const text = (dto.text_content ?? '').trim();
    if (text.length > MAX_TEXT_LENGTH) {
      throw new DomainException(ErrorCode.INVALID_PROMPT, `text_content is ${text.length} characters; the limit is ${MAX_TEXT_LENGTH}`, {
        field: 'text_content',
      });
    }
    if (startStep === 2 && dto.placements) {
      throw new DomainException(ErrorCode.INVALID_PARAMETER, 'placements need Stage 1 (start_step 1): a supplied step1_image has one size', {
        field: 'placements',
      });
    }
    // An unknown font is the caller's mistake: say so now, with the choices, not after a job.
    if (dto.font_name) this.fonts.resolve(dto.font_name, text);
    const needed = startStep === 1 ? 'product_image' : 'step1_image';
    const raw = files[needed] ?? (dto[needed] ? bytesFromBase64(dto[needed], needed) : undefined);
    if (!raw) throw new DomainException(ErrorCode.INVALID_PARAMETER, `${needed} is required when start_step is ${startStep}`, { field: needed });
    const image = await validateImage(raw, needed, this.config.MAX_IMAGE_PIXELS);
    const canvases = startStep === 2 ? [fitCanvas(image.width, image.height)] : resolveCanvases(dto);

    const input = await this.storeInput(jobId, `input_${needed === 'product_image' ? 'product' : 'step1'}`, image);
    const inputName = input.name;
    const { product_image: _p, step1_image: _s, webhook_url: _w, ...rest } = dto;
    const parameters: JobParameters = {
      ...rest,
      text_content: text,
      start_step: startStep,
      stop_step: stopStep,
      seed: dto.seed ?? randomInt(0, 2 ** 31 - 1),
      width: canvases[0].width,
      height: canvases[0].height,
      canvases,
      inputs: { product_image: needed === 'product_image' ? inputName : undefined, step1_image: needed === 'step1_image' ? inputName : undefined },
    };
    return { kind: 'ad', parameters: parameters as unknown as Record<string, unknown>, inputs: [input] };
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

/** A supplied Stage 1 image keeps its aspect; it is scaled to at most 4096 px a side. */
function fitCanvas(width: number, height: number): Canvas {
  const scale = Math.min(1, 4096 / Math.max(width, height));
  return { index: 0, width: Math.round(width * scale), height: Math.round(height * scale), suffix: '' };
}

export function isUuid(value: string): boolean {
  return /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(value);
}
