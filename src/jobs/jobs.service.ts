import { Injectable } from '@nestjs/common';
import { randomInt, randomUUID } from 'node:crypto';
import { DomainException } from '../common/errors/domain.exception';
import { ErrorCode } from '../common/errors/error-codes';
import { bytesFromBase64, MIME_BY_FORMAT, validateImage } from '../common/images/image-input';
import { AppConfig } from '../config/app-config';
import { FontsService } from '../fonts/fonts.service';
import { resolveCanvases } from '../pipeline/canvases';
import type { Canvas } from '../pipeline/pipeline.types';
import { PipelineOrchestrator } from '../pipeline/orchestrator.service';
import { ArtifactEntity } from '../storage/artifact.entity';
import { ArtifactStoreRepository } from '../storage/artifact-store.repository';
import { ArtifactsRepository, type NewArtifact } from '../storage/artifacts.repository';
import { type GenerateRequestDto, MAX_TEXT_LENGTH } from './dto/generate-request.dto';
import type { JobStatus } from './job.entity';
import { JobsRepository } from './jobs.repository';
import { JobRunnerService } from './job-runner.service';

export interface UploadedImages {
  product_image?: Buffer;
  step1_image?: Buffer;
}

/** The parameters a job row keeps: the request minus image bytes, with defaults resolved. */
export interface JobParameters extends Omit<GenerateRequestDto, 'product_image' | 'step1_image'> {
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
    private readonly artifacts: ArtifactsRepository,
    private readonly store: ArtifactStoreRepository,
    private readonly orchestrator: PipelineOrchestrator,
    private readonly runner: JobRunnerService,
    private readonly fonts: FontsService,
  ) {}

  /** Validates everything, stores the inputs, then inserts the job: bad input never makes a row. */
  async submit(dto: GenerateRequestDto, files: UploadedImages = {}): Promise<{ jobId: string; message: string }> {
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

    const jobId = randomUUID();
    const inputName = `input_${needed === 'product_image' ? 'product' : 'step1'}.${image.format === 'jpeg' ? 'jpg' : image.format}`;
    const stored = await this.store.write(jobId, inputName, image.buffer);
    const input: NewArtifact = { jobId, name: inputName, mime: MIME_BY_FORMAT[image.format], ...stored };
    const { product_image: _p, step1_image: _s, ...rest } = dto;
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
    const message = 'Queued.';
    try {
      await this.jobs.create({ id: jobId, kind: 'ad', parameters: parameters as unknown as Record<string, unknown>, message }, [input]);
    } catch (error) {
      await this.store.removeJob(jobId);
      throw error;
    }
    this.runner.wake();
    return { jobId, message };
  }

  async get(jobId: string) {
    const job = isUuid(jobId) ? await this.jobs.findById(jobId) : null;
    if (!job) throw new DomainException(ErrorCode.JOB_NOT_FOUND, `No job with id ${jobId}`, { job_id: jobId });
    return job;
  }

  listArtifacts(jobId: string): Promise<ArtifactEntity[]> {
    return this.artifacts.listForJob(jobId);
  }

  async artifact(jobId: string, name: string): Promise<ArtifactEntity> {
    await this.get(jobId);
    const artifact = await this.artifacts.findOne(jobId, name);
    if (!artifact) throw new DomainException(ErrorCode.ARTIFACT_NOT_FOUND, `Job ${jobId} has no file named ${name}`, { job_id: jobId, name });
    return artifact;
  }

  readArtifact(artifact: ArtifactEntity): Promise<Buffer> {
    return this.store.read(artifact.path);
  }

  list(statuses: JobStatus[] | undefined, limit: number, offset: number) {
    return this.jobs.list({ statuses, limit, offset });
  }

  async stop(jobId: string): Promise<{ status: JobStatus; message: string }> {
    await this.get(jobId);
    const status = await this.jobs.requestStop(jobId, 'Stopped by request before it started.');
    if (status === 'running') {
      this.runner.abortLocal(jobId);
      return { status: 'running', message: 'Stop requested; the job stops within a second.' };
    }
    if (status === 'stopped') return { status, message: 'Stopped.' };
    throw new DomainException(ErrorCode.JOB_NOT_STOPPABLE, `Job ${jobId} has already finished (${status})`, { status });
  }

  async delete(jobId: string): Promise<void> {
    const job = await this.get(jobId);
    if (job.status === 'running') {
      await this.jobs.requestStop(jobId, 'Deleted while running.');
      this.runner.abortLocal(jobId);
      await this.runner.waitUntilIdle(jobId, 5000);
    }
    await this.jobs.delete(jobId);
    await this.store.removeJob(jobId);
  }

  /** Seconds left: the rest of the current stage plus the estimates of the stages after it. */
  async eta(params: JobParameters, status: JobStatus, currentStage: string | null, stageStartedAt: Date | null) {
    if (status !== 'running' && status !== 'pending') return { eta: status === 'completed' ? 0 : null, stepEta: null };
    const plan = this.orchestrator.plan({ startStep: params.start_step, stopStep: params.stop_step, textContent: params.text_content ?? '' });
    const estimates = this.orchestrator.estimates(plan, await this.runner.stageSeconds());
    const canvases = params.canvases?.length ?? 1;
    const index = plan.findIndex((s) => s.label === currentStage);
    const inStage = stageStartedAt ? (Date.now() - stageStartedAt.getTime()) / 1000 : 0;
    const current = index >= 0 ? Math.max(0, estimates[plan[index].name] - inStage) : 0;
    // Progress within the canvases is not tracked here, so the stages after this one are
    // counted once per canvas: an upper bound that falls as stages finish.
    const after = this.orchestrator.totalSeconds(plan.slice(index + 1), estimates, canvases);
    return { eta: round1(current + after), stepEta: index >= 0 ? round1(current) : null };
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

const round1 = (n: number) => Math.round(n * 10) / 10;
