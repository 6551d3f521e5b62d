import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import { DomainException } from '../common/errors/domain.exception';
import { ErrorCode } from '../common/errors/error-codes';
import { bytesFromBase64, validateImage } from '../common/images/image-input';
import { AppConfig } from '../config/app-config';
import { ClipService } from './clip.service';
import { ClipScoreRequestDto, ClipScoreResponseDto } from './dto/clip-score.dto';
import { describeCosine } from './interpretation';

@ApiTags('clip')
@Controller()
export class ClipController {
  constructor(
    private readonly clip: ClipService,
    private readonly config: AppConfig,
  ) {}

  @Post('clip-score')
  @HttpCode(200)
  @ApiOperation({
    summary: 'How well images match prompts (CLIP)',
    description: 'One image and one prompt as in the seed, or several of each for a score matrix ("which background fits best?").',
  })
  @ApiOkResponse({ type: ClipScoreResponseDto })
  @ApiServiceUnavailableResponse({ description: 'MODEL_NOT_INSTALLED: the answer names the models:pull command' })
  async score(@Body() dto: ClipScoreRequestDto): Promise<ClipScoreResponseDto> {
    const images = [...(dto.image_base64 ? [dto.image_base64] : []), ...(dto.images_base64 ?? [])];
    const prompts = [...(dto.prompt !== undefined ? [dto.prompt] : []), ...(dto.prompts ?? [])];
    if (images.length === 0) throw new DomainException(ErrorCode.INVALID_IMAGE, 'image_base64 or images_base64 is required', { field: 'image_base64' });
    if (prompts.length === 0) throw new DomainException(ErrorCode.INVALID_PROMPT, 'prompt or prompts is required', { field: 'prompt' });
    const field = (i: number) => (images.length > 1 ? `images_base64[${i}]` : 'image_base64');
    const bytes = images.map((image, i) => bytesFromBase64(image, field(i)));
    // Bad input is the caller's to fix whether or not a model is installed: check it first.
    await Promise.all(bytes.map((b, i) => validateImage(b, field(i), this.config.MAX_IMAGE_PIXELS)));
    const modelType = dto.model_type ?? 'clip';
    const lang = dto.lang ?? 'ko';
    const result = await this.clip.score(bytes, prompts, modelType);
    const matrix = result.scores.map((row) =>
      row.map((cell) => ({ cosine: cell.cosine, clip_score: cell.clipScore, interpretation: describeCosine(cell.cosine, lang, result.testModel) })),
    );
    const first = matrix[0][0];
    return {
      clip_score: first.clip_score,
      cosine: first.cosine,
      prompt: prompts[0],
      model_type: modelType,
      interpretation: first.interpretation,
      model: result.modelId,
      test_model: result.testModel,
      truncated: result.prompts.map((p) => p.truncated),
      prompts,
      matrix,
      best_prompt: matrix.map((row) => row.reduce((best, cell, i) => (cell.cosine > row[best].cosine ? i : best), 0)),
    };
  }
}
