import { Body, Controller, Get, HttpCode, Param, Post, Query, Req, Res, UploadedFile, UseInterceptors } from '@nestjs/common';
import { FileInterceptor } from '@nestjs/platform-express';
import { ApiAcceptedResponse, ApiConsumes, ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { ApiIdempotencyKey } from '../auth/api-docs';
import { CurrentPrincipal, type Principal, SubmitsJob } from '../auth/principal';
import { CurrentSubmitter, type Submitter } from '../auth/submission';
import { GenerateResponseDto } from '../jobs/dto/job-status.dto';
import { JobStatusDto } from '../jobs/dto/job-status.dto';
import { JobStatusService } from '../jobs/job-status.service';
import { JobsService } from '../jobs/jobs.service';
import { sendArtifact } from '../storage/artifact-download';
import { DecomposeService } from './decompose.service';
import { DecomposeRequestDto, DownloadQueryDto, LayersDownloadQueryDto } from './dto/decompose-request.dto';

@ApiTags('layers')
@Controller()
export class LayersController {
  constructor(
    private readonly decompose: DecomposeService,
    private readonly statuses: JobStatusService,
    private readonly jobs: JobsService,
  ) {}

  @Post('api/decompose')
  @HttpCode(202)
  @ApiOperation({
    summary: 'Split a flat poster into RGBA layers (the second seed)',
    description:
      'Multipart with a file field `image`, or JSON with `image` as base64 / a data URL. Answers at once with a job id (kind decompose); ' +
      'GET /api/status/{job_id} (or /status, /jobs/{id}/events, or the WebSocket /api/status/{job_id}/ws) follows it, GET /api/download/{job_id} gives the ZIP (?format=psd the PSD). ' +
      'With LAYERED_API_BASE_URL a Qwen-Image-Layered server makes the layers. ' +
      'Kept DECOMPOSE_RETENTION_HOURS (24 h).',
  })
  @ApiConsumes('multipart/form-data', 'application/json')
  @ApiAcceptedResponse({ type: GenerateResponseDto })
  @ApiIdempotencyKey()
  @SubmitsJob()
  @UseInterceptors(FileInterceptor('image'))
  async submit(
    @Body() dto: DecomposeRequestDto,
    @UploadedFile() file: Express.Multer.File | undefined,
    @CurrentSubmitter() submitter: Submitter,
    @Res({ passthrough: true }) res: Response,
  ): Promise<GenerateResponseDto> {
    const submitted = await this.decompose.submit(dto, file?.buffer, submitter);
    if (submitted.replayed) res.setHeader('Idempotent-Replayed', 'true');
    return submitted.response as unknown as GenerateResponseDto;
  }

  @Get('api/status/:job_id')
  @ApiOperation({ summary: "A decomposition's progress and, when done, its layers (result.layers); the same answer as /status for any job" })
  @ApiOkResponse({ type: JobStatusDto })
  status(@Param('job_id') jobId: string, @CurrentPrincipal() principal: Principal): Promise<JobStatusDto> {
    return this.statuses.status(jobId, principal, { includeMetrics: false });
  }

  @Get('api/download/:job_id')
  @ApiOperation({ summary: 'The layers as a ZIP (layer_00.png..., metadata.json, preview.jpg, layers.html), with ?format=psd a layered PSD with editable type, with ?format=html the poster rebuilt as a page with live text; 409 JOB_NOT_FINISHED before the job completes' })
  @ApiProduces('application/zip', 'image/vnd.adobe.photoshop', 'text/html')
  async download(@Param('job_id') jobId: string, @Query() query: LayersDownloadQueryDto, @CurrentPrincipal() principal: Principal, @Req() req: Request, @Res() res: Response): Promise<void> {
    const format = query.format ?? 'zip';
    const artifact = await this.decompose.download(jobId, format, principal);
    res.setHeader('Content-Disposition', `attachment; filename="layers-${jobId.slice(0, 8)}.${format}"`);
    await sendArtifact(req, res, this.jobs.artifactStore, artifact);
  }

  @Get('jobs/:job_id/export')
  @ApiOperation({ summary: "An ad's layers (background, shadow, product, text) as a PSD or a ZIP; 409 JOB_NOT_FINISHED before the job completes" })
  @ApiProduces('image/vnd.adobe.photoshop', 'application/zip')
  async exportAd(@Param('job_id') jobId: string, @Query() query: DownloadQueryDto, @CurrentPrincipal() principal: Principal, @Res() res: Response): Promise<void> {
    const file = await this.decompose.exportAd(jobId, query.format ?? 'psd', principal);
    res.setHeader('Content-Type', file.mime);
    res.setHeader('Content-Disposition', `attachment; filename="${file.name}"`);
    res.setHeader('Content-Length', file.data.length);
    res.end(file.data);
  }
}
