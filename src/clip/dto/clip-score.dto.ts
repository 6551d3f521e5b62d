import { ApiExtraModels, ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsIn, IsOptional, IsString } from 'class-validator';
import { CLIP_MAX_IMAGES, CLIP_MAX_PROMPTS, CLIP_MODEL_TYPES, type ClipModelType } from '../clip.types';

/** The seed's ClipScoreRequest, plus lists of images and prompts for a score matrix. */
export class ClipScoreRequestDto {
  @ApiPropertyOptional({ description: 'One image: base64 or a data URL' })
  @IsOptional() @IsString()
  image_base64?: string;

  @ApiPropertyOptional({ type: [String], maxItems: CLIP_MAX_IMAGES, description: 'Several images (base64 / data URLs): one matrix row each' })
  @IsOptional() @IsArray() @ArrayMinSize(1) @ArrayMaxSize(CLIP_MAX_IMAGES) @IsString({ each: true })
  images_base64?: string[];

  @ApiPropertyOptional({ example: '사과가 그려져 있고 가격과 판매 장소가 적혀 있는 광고 포스터' })
  @IsOptional() @IsString()
  prompt?: string;

  @ApiPropertyOptional({ type: [String], maxItems: CLIP_MAX_PROMPTS, description: 'Several prompts: one matrix column each' })
  @IsOptional() @IsArray() @ArrayMinSize(1) @ArrayMaxSize(CLIP_MAX_PROMPTS) @IsString({ each: true })
  prompts?: string[];

  @ApiPropertyOptional({ enum: CLIP_MODEL_TYPES, default: 'clip', description: 'clip: ViT-B/32 (English); koclip: the Korean CLIP the seed used' })
  @IsOptional() @IsIn(CLIP_MODEL_TYPES)
  model_type?: ClipModelType = 'clip';

  @ApiPropertyOptional({ enum: ['ko', 'en'], default: 'ko', description: 'Language of the interpretation' })
  @IsOptional() @IsIn(['ko', 'en'])
  lang?: 'ko' | 'en' = 'ko';
}

export class ClipScoreCellDto {
  @ApiProperty({ description: 'Cosine similarity of the image and text embeddings, -1..1' }) cosine: number;
  @ApiProperty({ description: 'CLIPScore = 2.5 * max(cosine, 0) (Hessel et al., 2021)' }) clip_score: number;
  @ApiProperty() interpretation: string;
}

@ApiExtraModels(ClipScoreCellDto)
export class ClipScoreResponseDto {
  @ApiProperty({ description: 'For the first image and prompt, as the seed answered: the CLIPScore' }) clip_score: number;
  @ApiProperty() cosine: number;
  @ApiProperty() prompt: string;
  @ApiProperty({ enum: CLIP_MODEL_TYPES }) model_type: ClipModelType;
  @ApiProperty() interpretation: string;
  @ApiProperty({ description: 'The model files used' }) model: string;
  @ApiProperty({ description: 'True for the tiny random test model: scores mean nothing' }) test_model: boolean;
  @ApiProperty({ type: [Boolean], description: 'Per prompt: cut at 77 tokens' }) truncated: boolean[];
  @ApiProperty({ type: [String] }) prompts: string[];
  @ApiProperty({
    type: 'array',
    items: { type: 'array', items: { $ref: '#/components/schemas/ClipScoreCellDto' } },
    description: 'matrix[image][prompt]',
  })
  matrix: ClipScoreCellDto[][];
  @ApiPropertyOptional({ description: 'Per image: the index of its best prompt' }) best_prompt?: number[];
}
