import { Body, Controller, HttpCode, Post, Res, UploadedFiles, UseInterceptors } from '@nestjs/common';
import { FileFieldsInterceptor } from '@nestjs/platform-express';
import { ApiAcceptedResponse, ApiConsumes, ApiExtraModels, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { ApiIdempotencyKey } from '../auth/api-docs';
import { SubmitsJob } from '../auth/principal';
import { CurrentSubmitter, type Submitter } from '../auth/submission';
import { GenerateResponseDto } from '../jobs/dto/job-status.dto';
import { AdSubmitService } from './ad-submit.service';
import { GenerateRequestDto } from './dto/generate-request.dto';

type Uploads = { product_image?: Express.Multer.File[]; step1_image?: Express.Multer.File[] };

@ApiTags('jobs')
@ApiExtraModels(GenerateRequestDto)
@Controller()
export class AdController {
  constructor(private readonly ads: AdSubmitService) {}

  @Post('generate')
  @HttpCode(202)
  @ApiOperation({
    summary: 'Start an ad job',
    description:
      'JSON with images as base64/data URLs, or multipart/form-data with product_image / step1_image files and the other fields as text. ' +
      'Answers at once with a job id; poll GET /status/{job_id}.',
  })
  @ApiConsumes('application/json', 'multipart/form-data')
  @ApiAcceptedResponse({ type: GenerateResponseDto })
  @ApiIdempotencyKey()
  @SubmitsJob()
  @UseInterceptors(FileFieldsInterceptor([{ name: 'product_image', maxCount: 1 }, { name: 'step1_image', maxCount: 1 }]))
  async generate(
    @Body() dto: GenerateRequestDto,
    @UploadedFiles() files: Uploads = {},
    @CurrentSubmitter() submitter: Submitter,
    @Res({ passthrough: true }) res: Response,
  ): Promise<GenerateResponseDto> {
    const submitted = await this.ads.submit(dto, { product_image: files.product_image?.[0]?.buffer, step1_image: files.step1_image?.[0]?.buffer }, submitter);
    if (submitted.replayed) res.setHeader('Idempotent-Replayed', 'true');
    return submitted.response as unknown as GenerateResponseDto;
  }
}
