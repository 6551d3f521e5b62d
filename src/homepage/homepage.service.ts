import { randomInt } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { OPEN_PRINCIPAL, type Principal } from '../auth/principal';
import type { Submitter } from '../auth/submission';
import { DomainException, isDomainException } from '../common/errors/domain.exception';
import { ErrorCode } from '../common/errors/error-codes';
import { bytesFromBase64, validateImage } from '../common/images/image-input';
import { AppConfig } from '../config/app-config';
import type { JobSnapshot } from '../jobs/job-snapshots.service';
import { JobsService, type Submitted } from '../jobs/jobs.service';
import type { NewArtifact } from '../jobs/job.entity';
import type { ArtifactEntity } from '../jobs/job.entity';
import type { HomepageRequestDto } from './dto/homepage-request.dto';
import { type HomepageParameters, SITE_PREFIX } from './homepage.job-handler';
import { hoursOf, priceOf } from './site-content';

const PHOTO_FORMATS = ['jpeg', 'png', 'webp'];

export interface SiteSummary {
  job_id: string;
  name: string;
  status: string;
  site_url: string | null;
  created_at: string;
}

/** Homepage jobs in (validated, their pictures stored), the sites' files and list out. */
@Injectable()
export class HomepageService {
  constructor(
    private readonly jobs: JobsService,
    private readonly config: AppConfig,
  ) {}

  /** `uploads`: product photos sent as multipart files, by product index (products[N][image]). */
  submit(dto: HomepageRequestDto, submitter: Submitter, uploads: ReadonlyMap<number, Buffer> = new Map()): Promise<Submitted> {
    return this.jobs.admit(submitter, dto.webhook_url, async (jobId) => {
      const lang = dto.language ?? 'ko';
      hoursOf(dto.hours); // refused here, not in the job
      for (const i of uploads.keys()) {
        if (!dto.products?.[i]) throw new DomainException(ErrorCode.INVALID_PARAMETER, `products[${i}][image]: there is no products[${i}] with a name for this file`, { field: `products[${i}].image` });
      }
      const inputs: NewArtifact[] = [];
      const products: HomepageParameters['products'] = [];
      for (const [i, product] of (dto.products ?? []).entries()) {
        const field = `products[${i}]`;
        priceOf(product.price, lang);
        const photo = uploads.get(i) ?? (product.image ? bytesFromBase64(product.image, `${field}.image`) : undefined);
        if ([uploads.has(i), Boolean(product.image), Boolean(product.job_id)].filter(Boolean).length > 1) throw new DomainException(ErrorCode.INVALID_PARAMETER, `${field}: give one picture (an image or a job_id), not several`, { field });
        let input: NewArtifact | null = null;
        if (photo) {
          const image = await validateImage(photo, `${field}.image`, this.config.MAX_IMAGE_PIXELS, 16);
          if (!PHOTO_FORMATS.includes(image.format)) throw new DomainException(ErrorCode.INVALID_IMAGE, `${field}.image is ${image.format}; photos are taken as JPEG, PNG or WebP`, { field: `${field}.image` });
          input = await this.jobs.storeInput(jobId, `input_product_${i + 1}`, image);
        } else if (product.job_id) {
          const final = await this.adFinal(product.job_id, submitter.principal, `${field}.job_id`);
          input = await this.jobs.storeInput(jobId, `input_product_${i + 1}`, await validateImage(final, `${field}.job_id`, this.config.MAX_IMAGE_PIXELS, 16));
        }
        if (input) inputs.push(input);
        products.push({ name: product.name.trim(), price: product.price, description: product.description?.trim(), link: product.link ?? null, input: input?.name ?? null, from_ad: product.job_id ?? null });
      }
      const { products: _p, webhook_url: _w, make_ads: _m, ...business } = dto;
      const parameters: HomepageParameters = { business, products, make_ads: dto.make_ads === true, seed: randomInt(2 ** 31 - 1) };
      return { kind: 'homepage', parameters: { ...parameters }, inputs };
    });
  }

  /** The caller's sites, newest first (an admin key sees all). */
  async list(principal: Principal, limit: number, offset: number): Promise<{ total: number; items: SiteSummary[] }> {
    const [jobs, total] = await this.jobs.list(principal, undefined, limit, offset, 'homepage');
    return {
      total,
      items: jobs.map((job) => ({
        job_id: job.id,
        name: (job.parameters as unknown as HomepageParameters).business?.name ?? '',
        status: job.status,
        site_url: job.status === 'completed' ? ((job.result as { site_url?: string } | null)?.site_url ?? null) : null,
        created_at: job.createdAt.toISOString(),
      })),
    };
  }

  async delete(jobId: string, principal: Principal): Promise<void> {
    await this.homepage(jobId, principal);
    await this.jobs.delete(jobId, principal);
  }

  /** site.zip of the caller's finished site. */
  async zip(jobId: string, principal: Principal): Promise<ArtifactEntity> {
    const snapshot = await this.homepage(jobId, principal);
    if (snapshot.job.status !== 'completed') {
      throw new DomainException(ErrorCode.JOB_NOT_FINISHED, `Job ${jobId} is ${snapshot.job.status}; the site comes when it has completed`, { job_id: jobId, status: snapshot.job.status });
    }
    return this.file(snapshot, 'site.zip', jobId);
  }

  /**
   * One file of a published site, for anyone (sites are public once made): the job must be a
   * completed homepage job; anything else is 404 as if it did not exist.
   */
  async publicFile(jobId: string, file: string): Promise<{ artifact: ArtifactEntity; styleHash: string }> {
    const missing = () => new DomainException(ErrorCode.NOT_FOUND, `No site file ${file} for ${jobId}`, { job_id: jobId });
    if (!/^[a-z0-9][a-z0-9._-]{0,80}$/i.test(file)) throw missing();
    const snapshot = await this.jobs.snapshot(jobId, OPEN_PRINCIPAL).catch((error: unknown) => {
      throw isDomainException(error) ? missing() : error;
    });
    if (snapshot.job.kind !== 'homepage' || snapshot.job.status !== 'completed') throw missing();
    const artifact = snapshot.artifacts.find((a) => a.name === `${SITE_PREFIX}${file}`);
    if (!artifact) throw missing();
    return { artifact, styleHash: String((snapshot.job.result as { style_hash?: string } | null)?.style_hash ?? "'none'") };
  }

  private async homepage(jobId: string, principal: Principal): Promise<JobSnapshot> {
    const snapshot = await this.jobs.snapshot(jobId, principal);
    if (snapshot.job.kind !== 'homepage') throw new DomainException(ErrorCode.NOT_FOUND, `Job ${jobId} is not a homepage job`, { job_id: jobId });
    return snapshot;
  }

  private file(snapshot: JobSnapshot, name: string, jobId: string): ArtifactEntity {
    const artifact = snapshot.artifacts.find((a) => a.name === name);
    if (!artifact) throw new DomainException(ErrorCode.ARTIFACT_MISSING, `Job ${jobId} has no ${name}`, { job_id: jobId });
    return artifact;
  }

  /** A finished ad job's final image, for a product's picture; anything else is a 400 naming the field. */
  private async adFinal(jobId: string, principal: Principal, field: string): Promise<Buffer> {
    const snapshot = await this.jobs.snapshot(jobId, principal).catch((error: unknown) => {
      if (isDomainException(error) && error.code === ErrorCode.JOB_NOT_FOUND) throw new DomainException(ErrorCode.INVALID_PARAMETER, `${field}: no ad job ${jobId}`, { field });
      throw error;
    });
    if (snapshot.job.kind !== 'ad') throw new DomainException(ErrorCode.INVALID_PARAMETER, `${field}: job ${jobId} is not an ad job`, { field });
    if (snapshot.job.status !== 'completed') throw new DomainException(ErrorCode.INVALID_PARAMETER, `${field}: ad job ${jobId} is ${snapshot.job.status}, not completed`, { field });
    const final = snapshot.artifacts.find((a) => a.name === 'final.png') ?? snapshot.artifacts.find((a) => a.name === 'step1.png');
    if (!final) throw new DomainException(ErrorCode.INVALID_PARAMETER, `${field}: ad job ${jobId} has no final image`, { field });
    return this.jobs.readArtifact(final);
  }
}
