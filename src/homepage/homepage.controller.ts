import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query, Req, Res, UploadedFiles, UseInterceptors } from '@nestjs/common';
import { AnyFilesInterceptor } from '@nestjs/platform-express';
import { ApiAcceptedResponse, ApiConsumes, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { ApiIdempotencyKey } from '../auth/api-docs';
import { CurrentPrincipal, type Principal, Public, SubmitsJob } from '../auth/principal';
import { CurrentSubmitter, type Submitter } from '../auth/submission';
import { DomainException } from '../common/errors/domain.exception';
import { ErrorCode } from '../common/errors/error-codes';
import { GenerateResponseDto } from '../jobs/dto/job-status.dto';
import { ListJobsQueryDto } from '../jobs/dto/job-status.dto';
import { JobsService } from '../jobs/jobs.service';
import { sendArtifact } from '../storage/artifact-download';
import { HomepageRequestDto } from './dto/homepage-request.dto';
import { HomepageService } from './homepage.service';
import { siteCsp } from './site-page';

/** A multipart product photo's field: products[N][image]. */
const PRODUCT_FILE = /^products\[(\d{1,2})\]\[image\]$/;

export function productUploads(files: Express.Multer.File[]): Map<number, Buffer> {
  const uploads = new Map<number, Buffer>();
  for (const file of files) {
    const index = PRODUCT_FILE.exec(file.fieldname)?.[1];
    if (index === undefined) throw new DomainException(ErrorCode.INVALID_PARAMETER, `${file.fieldname}: files are taken only as products[N][image]`, { field: file.fieldname });
    if (uploads.has(Number(index))) throw new DomainException(ErrorCode.INVALID_PARAMETER, `${file.fieldname}: one photo per product`, { field: file.fieldname });
    uploads.set(Number(index), file.buffer);
  }
  return uploads;
}

@ApiTags('homepage')
@Controller()
export class HomepageController {
  constructor(
    private readonly homepage: HomepageService,
    private readonly jobs: JobsService,
  ) {}

  @Post('homepage')
  @HttpCode(202)
  @ApiOperation({
    summary: "Make a one-page site for a shop from its details and its ads (job kind homepage)",
    description:
      'JSON with the business (name required), its products (a photo as base64 / a data URL, or job_id of a finished ad) and the footer; ' +
      'or multipart/form-data with the same fields as text (products[0][name], links[naver_map]..., or products / links / hours as JSON text) and photos as files products[N][image]. ' +
      'Answers at once with a job id; /status/{id} follows it. The result holds site_url (served at /sites/{id}/, public) and zip_url.',
  })
  @ApiConsumes('application/json', 'multipart/form-data')
  @ApiAcceptedResponse({ type: GenerateResponseDto })
  @ApiIdempotencyKey()
  @SubmitsJob()
  @UseInterceptors(AnyFilesInterceptor())
  async submit(
    @Body() dto: HomepageRequestDto,
    @UploadedFiles() files: Express.Multer.File[] = [],
    @CurrentSubmitter() submitter: Submitter,
    @Res({ passthrough: true }) res: Response,
  ): Promise<GenerateResponseDto> {
    const submitted = await this.homepage.submit(dto, submitter, productUploads(files));
    if (submitted.replayed) res.setHeader('Idempotent-Replayed', 'true');
    return submitted.response as unknown as GenerateResponseDto;
  }

  @Get('homepage')
  @ApiOperation({ summary: 'The sites made with this key, newest first (an admin key sees all)' })
  list(@Query() query: ListJobsQueryDto, @CurrentPrincipal() principal: Principal) {
    return this.homepage.list(principal, query.limit ?? 20, query.offset ?? 0);
  }

  @Delete('homepage/:job_id')
  @HttpCode(204)
  @ApiOperation({ summary: 'Take a site down: its job and files are deleted' })
  async delete(@Param('job_id') jobId: string, @CurrentPrincipal() principal: Principal): Promise<void> {
    await this.homepage.delete(jobId, principal);
  }

  @Get('homepage/:job_id/site.zip')
  @ApiOperation({ summary: 'The site as a ZIP that runs from any static host (index.html, pictures, icons)' })
  @ApiProduces('application/zip')
  async zip(@Param('job_id') jobId: string, @CurrentPrincipal() principal: Principal, @Req() req: Request, @Res() res: Response): Promise<void> {
    const artifact = await this.homepage.zip(jobId, principal);
    res.setHeader('Content-Disposition', `attachment; filename="site-${jobId.slice(0, 8)}.zip"`);
    await sendArtifact(req, res, this.jobs.artifactStore, artifact);
  }

  @Get('robots.txt')
  @Public()
  @ApiOperation({ summary: 'For crawlers: the published sites may be indexed, the API and admin pages not' })
  @ApiProduces('text/plain')
  robots(@Res() res: Response): void {
    res.type('text/plain').send('User-agent: *\nAllow: /sites/\nDisallow: /\n');
  }

  @Get('sites/:job_id')
  @Public()
  @ApiOperation({ summary: 'A published site (public, even when API keys are set); without the trailing slash, a redirect to it' })
  async index(@Param('job_id') jobId: string, @Req() req: Request, @Res() res: Response): Promise<void> {
    // Express matches /sites/ID and /sites/ID/ alike; the page's relative links need the slash.
    if (!req.path.endsWith('/')) return res.redirect(301, `/sites/${encodeURIComponent(jobId)}/`);
    await this.serve(jobId, 'index.html', req, res);
  }

  @Get('sites/:job_id/:file')
  @Public()
  @ApiOperation({ summary: "One of a published site's files (public)" })
  file(@Param('job_id') jobId: string, @Param('file') file: string, @Req() req: Request, @Res() res: Response): Promise<void> {
    return this.serve(jobId, file, req, res);
  }

  private async serve(jobId: string, file: string, req: Request, res: Response): Promise<void> {
    const { artifact, styleHash } = await this.homepage.publicFile(jobId, file);
    res.setHeader('Content-Security-Policy', siteCsp(styleHash));
    res.setHeader('Cross-Origin-Resource-Policy', 'same-origin');
    res.setHeader('Referrer-Policy', 'strict-origin-when-cross-origin');
    await sendArtifact(req, res, this.jobs.artifactStore, artifact);
  }
}
