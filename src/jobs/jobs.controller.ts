import { Controller, Delete, Get, HttpCode, Param, Post, Query, Req, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProduces, ApiQuery, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { ApiKeyAuth } from '../auth/api-key.guard';
import { CurrentPrincipal, OPEN_PRINCIPAL, type Principal, Public } from '../auth/principal';
import { sendArtifact } from '../storage/artifact-download';
import { ArtifactLinks } from '../storage/artifact-links';
import { JobListDto, JobStatusDto, ListJobsQueryDto, StatusQueryDto, StopResponseDto } from './dto/job-status.dto';
import { JobStatusService } from './job-status.service';
import { JobsService } from './jobs.service';

@ApiTags('jobs')
@Controller()
export class JobsController {
  constructor(
    private readonly jobs: JobsService,
    private readonly statuses: JobStatusService,
    private readonly links: ArtifactLinks,
    private readonly auth: ApiKeyAuth,
  ) {}

  @Get('status/:job_id')
  @ApiOperation({ summary: "A job's progress, ETA, machine metrics and results (the seed's JobStatus)" })
  @ApiOkResponse({ type: JobStatusDto })
  async status(@Param('job_id') jobId: string, @Query() query: StatusQueryDto, @CurrentPrincipal() principal: Principal, @Res() res: Response): Promise<void> {
    const parts = await this.statuses.statusJson(jobId, principal, { includeImages: query.include_images !== false, includeMetrics: query.include_metrics !== false });
    res.setHeader('Content-Type', 'application/json; charset=utf-8');
    res.setHeader('Content-Length', parts.reduce((n, p) => n + p.length, 0));
    for (const part of parts) res.write(part);
    res.end();
  }

  @Post('stop/:job_id')
  @HttpCode(200)
  @ApiOperation({ summary: 'Stop a pending or running job' })
  @ApiOkResponse({ type: StopResponseDto })
  async stop(@Param('job_id') jobId: string, @CurrentPrincipal() principal: Principal): Promise<StopResponseDto> {
    const result = await this.jobs.stop(jobId, principal);
    return { job_id: jobId, ...result };
  }

  @Get('jobs')
  @ApiOperation({ summary: "Jobs, newest first, optionally filtered by status (an admin key sees every key's jobs)" })
  @ApiOkResponse({ type: JobListDto })
  async list(@Query() query: ListJobsQueryDto, @CurrentPrincipal() principal: Principal): Promise<JobListDto> {
    const limit = query.limit ?? 20;
    const offset = query.offset ?? 0;
    const [jobs, total] = await this.jobs.list(principal, query.status, limit, offset);
    return { items: await this.statuses.summaries(jobs), total, limit, offset };
  }

  @Delete('jobs/:job_id')
  @HttpCode(204)
  @ApiOperation({ summary: 'Delete a job and its files (a running job is stopped first)' })
  async delete(@Param('job_id') jobId: string, @CurrentPrincipal() principal: Principal): Promise<void> {
    await this.jobs.delete(jobId, principal);
  }

  @Get('jobs/:job_id/artifacts/:name')
  @ApiOperation({
    summary: "Download one of a job's files (step1.png, cutout.png, layers.json...)",
    description:
      'The links in /status are signed (?expires=&signature=) and work without a key until they expire; without a signature the ' +
      'request needs a key. ETag is the sha256; If-None-Match answers 304; a single Range answers 206. Files come from the shared ' +
      'store, so any instance serves them.',
  })
  @ApiProduces('image/png', 'image/jpeg', 'application/json')
  @ApiQuery({ name: 'expires', required: false, description: 'Signed links: the expiry (Unix seconds)' })
  @ApiQuery({ name: 'signature', required: false, description: 'Signed links: the signature' })
  @Public()
  async artifact(@Param('job_id') jobId: string, @Param('name') name: string, @Req() req: Request, @Res() res: Response): Promise<void> {
    const signed = req.query.signature !== undefined || req.query.expires !== undefined;
    if (signed && this.links.enforced) this.links.verify(jobId, name, req.query);
    const principal = signed ? OPEN_PRINCIPAL : req.principal;
    if (!principal) throw this.auth.unauthorized(req);
    const artifact = await this.jobs.artifact(jobId, name, principal);
    await sendArtifact(req, res, this.jobs.artifactStore, artifact);
  }
}
