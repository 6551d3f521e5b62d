import { Injectable } from '@nestjs/common';
import { randomInt } from 'node:crypto';
import type { Submitter } from '../auth/submission';
import { DomainException } from '../common/errors/domain.exception';
import { ErrorCode } from '../common/errors/error-codes';
import { bytesFromBase64, validateImage } from '../common/images/image-input';
import { AppConfig } from '../config/app-config';
import { FontsService } from '../fonts/fonts.service';
import { JobsService, type PreparedJob, type Submitted } from '../jobs/jobs.service';
import type { Canvas } from './ad.types';
import { resolveCanvases } from './canvases';
import { type GenerateRequestDto, MAX_TEXT_LENGTH } from './dto/generate-request.dto';

export interface UploadedImages {
  product_image?: Buffer;
  step1_image?: Buffer;
}

/** The parameters an ad job's row keeps: the request minus image bytes, with defaults resolved. */
export interface AdParameters extends Omit<GenerateRequestDto, 'product_image' | 'step1_image' | 'webhook_url'> {
  start_step: 1 | 2;
  stop_step: 1 | 2;
  seed: number;
  /** The first canvas's size (the seed's single output). */
  width: number;
  height: number;
  canvases: Canvas[];
  inputs: Record<'product_image' | 'step1_image', string | undefined>;
}

/** POST /generate (and the admin form, MCP and the homepage's make_ads): an ad request checked, its input stored, the job admitted. */
@Injectable()
export class AdSubmitService {
  constructor(
    private readonly config: AppConfig,
    private readonly jobs: JobsService,
    private readonly fonts: FontsService,
  ) {}

  /** Bad input never makes a row: everything is checked before the job is admitted. */
  submit(dto: GenerateRequestDto, files: UploadedImages, submitter: Submitter): Promise<Submitted> {
    return this.jobs.admit(submitter, dto.webhook_url, (jobId) => this.prepare(dto, files, jobId));
  }

  private async prepare(dto: GenerateRequestDto, files: UploadedImages, jobId: string): Promise<PreparedJob> {
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

    const input = await this.jobs.storeInput(jobId, `input_${needed === 'product_image' ? 'product' : 'step1'}`, image);
    const { product_image: _p, step1_image: _s, webhook_url: _w, ...rest } = dto;
    const parameters: AdParameters = {
      ...rest,
      text_content: text,
      start_step: startStep,
      stop_step: stopStep,
      seed: dto.seed ?? randomInt(0, 2 ** 31 - 1),
      width: canvases[0].width,
      height: canvases[0].height,
      canvases,
      inputs: { product_image: needed === 'product_image' ? input.name : undefined, step1_image: needed === 'step1_image' ? input.name : undefined },
    };
    return { kind: 'ad', parameters: parameters as unknown as Record<string, unknown>, inputs: [input] };
  }
}

/** A supplied Stage 1 image keeps its aspect; it is scaled to at most 4096 px a side. */
function fitCanvas(width: number, height: number): Canvas {
  const scale = Math.min(1, 4096 / Math.max(width, height));
  return { index: 0, width: Math.round(width * scale), height: Math.round(height * scale), suffix: '' };
}
