import { randomInt } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import sharp from 'sharp';
import type { Principal } from '../auth/principal';
import type { Submitter } from '../auth/submission';
import { DomainException } from '../common/errors/domain.exception';
import { ErrorCode } from '../common/errors/error-codes';
import { bytesFromBase64, validateImage } from '../common/images/image-input';
import { AppConfig } from '../config/app-config';
import type { AdParameters } from '../ad/ad-submit.service';
import { JobsService, type Submitted } from '../jobs/jobs.service';
import type { JobSnapshot } from '../jobs/job-snapshots.service';
import type { ArtifactEntity } from '../jobs/job.entity';
import type { LayerEntry } from '../ad/ad.types';
import type { DecomposeParameters } from './decompose.job-handler';
import type { DecomposeRequestDto } from './dto/decompose-request.dto';
import { type ExportLayer, psdOf, zipOf } from './layer-export';
import { finish } from './layer-stack';

const POSTER_FORMATS = ['jpeg', 'png', 'webp'];

export interface ExportFile {
  name: string;
  mime: string;
  data: Buffer;
}

/** Decomposition jobs in, their files out; and the layered export of ad jobs. */
@Injectable()
export class DecomposeService {
  constructor(
    private readonly jobs: JobsService,
    private readonly config: AppConfig,
  ) {}

  submit(dto: DecomposeRequestDto, file: Buffer | undefined, submitter: Submitter): Promise<Submitted> {
    return this.jobs.admit(submitter, dto.webhook_url, async (jobId) => {
      const raw = file ?? (dto.image ? bytesFromBase64(dto.image, 'image') : undefined);
      if (!raw) throw new DomainException(ErrorCode.INVALID_PARAMETER, 'image is required: a multipart file field or a base64 / data URL string', { field: 'image' });
      const limit = this.config.DECOMPOSE_MAX_FILE_MB;
      if (raw.length > limit * 2 ** 20) {
        throw new DomainException(ErrorCode.PAYLOAD_TOO_LARGE, `The poster is ${(raw.length / 2 ** 20).toFixed(1)} MB; the limit is ${limit} MB (DECOMPOSE_MAX_FILE_MB)`, { field: 'image' });
      }
      const image = await validateImage(raw, 'image', this.config.MAX_IMAGE_PIXELS, 1);
      if (!POSTER_FORMATS.includes(image.format)) {
        throw new DomainException(ErrorCode.INVALID_IMAGE, `image is ${image.format}; posters are taken as JPEG, PNG or WebP`, { field: 'image', format: image.format });
      }
      const input = await this.jobs.storeInput(jobId, 'input_poster', image);
      const seed = dto.seed ?? randomInt(2 ** 31 - 1);
      const parameters: DecomposeParameters = { num_layers: dto.num_layers ?? 'auto', describe: dto.describe !== false, seed, input: input.name };
      return { kind: 'decompose', parameters: { ...parameters }, inputs: [input] };
    });
  }

  /** layers.zip, layers.psd or layers.html of a finished decomposition. */
  async download(jobId: string, format: 'zip' | 'psd' | 'html', principal: Principal): Promise<ArtifactEntity> {
    const snapshot = await this.finished(jobId, 'decompose', principal);
    const name = `layers.${format}`;
    const artifact = snapshot.artifacts.find((a) => a.name === name);
    if (!artifact) throw new DomainException(ErrorCode.ARTIFACT_MISSING, `Job ${jobId} has no ${name}`, { job_id: jobId });
    return artifact;
  }

  /**
   * An ad's layers as a PSD (background, shadow in multiply, product, the copy as pixels with
   * its text as editable type) or a ZIP of the same PNGs with layers.json and the copy's HTML.
   */
  async exportAd(jobId: string, format: 'zip' | 'psd', principal: Principal): Promise<ExportFile> {
    const snapshot = await this.finished(jobId, 'ad', principal);
    const read = async (name: string) => {
      const artifact = snapshot.artifacts.find((a) => a.name === name);
      if (!artifact) throw new DomainException(ErrorCode.ARTIFACT_MISSING, `Job ${jobId} has no ${name}`, { job_id: jobId, name });
      return this.jobs.readArtifact(artifact);
    };
    const stack = JSON.parse((await read('layers.json')).toString('utf8')) as { width: number; height: number; layers: LayerEntry[] };
    const { width, height } = stack;
    const copy = ((snapshot.job.parameters as unknown as AdParameters).text_content ?? '').trim();
    const files: Record<string, Buffer | string> = { 'layers.json': JSON.stringify(stack, null, 2) };
    const layers: ExportLayer[] = [];
    for (const entry of stack.layers) {
      const png = await read(entry.file);
      files[entry.file] = png;
      const rgba = new Uint8Array(await sharp(png).ensureAlpha().resize(width, height, { fit: 'fill' }).raw().toBuffer());
      const { box } = finish('object', entry.name, rgba, width, height);
      layers.push({ name: entry.name, rgba, box, blend: entry.blend, opacity: entry.opacity, ...(entry.name === 'text' && copy ? { text: { value: copy } } : {}) });
      const html = typeof entry.meta?.html === 'string' ? entry.meta.html : null;
      if (html && snapshot.artifacts.some((a) => a.name === html)) files[html] = await read(html);
    }
    const base = `ad-${jobId.slice(0, 8)}`;
    if (format === 'zip') return { name: `${base}.zip`, mime: 'application/zip', data: zipOf(files) };
    const flat = new Uint8Array(await sharp(await read('final.png').catch(() => read('step1.png'))).removeAlpha().resize(width, height, { fit: 'fill' }).raw().toBuffer());
    return { name: `${base}.psd`, mime: 'image/vnd.adobe.photoshop', data: psdOf(width, height, layers, flat) };
  }

  private async finished(jobId: string, kind: string, principal: Principal): Promise<JobSnapshot> {
    const snapshot = await this.jobs.snapshot(jobId, principal);
    if (snapshot.job.kind !== kind) {
      throw new DomainException(ErrorCode.NOT_FOUND, `Job ${jobId} is ${snapshot.job.kind === 'ad' ? 'an ad' : `a ${snapshot.job.kind}`} job; this route serves ${kind} jobs`, { job_id: jobId });
    }
    if (snapshot.job.status !== 'completed') {
      throw new DomainException(ErrorCode.JOB_NOT_FINISHED, `Job ${jobId} is ${snapshot.job.status}; its files come when it has completed`, { job_id: jobId, status: snapshot.job.status });
    }
    return snapshot;
  }
}
