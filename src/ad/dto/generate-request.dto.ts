import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  ArrayUnique,
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsNumber,
  IsOptional,
  IsString,
  IsUrl,
  Max,
  MaxLength,
  Min,
} from 'class-validator';
import { toBoolean, toNumber } from '../../common/transforms';
import { ASPECT_PRESETS, type AspectPreset } from '../../vision/image.types';
import { OUTPUT_FORMATS, type OutputFormat } from '../stages/encode';

export const TEXT_POSITIONS = ['auto', 'top', 'center', 'bottom'] as const;
export const SUBJECT_LAYOUTS = ['auto', 'cutout', 'card'] as const;
export const SUBJECT_MATERIALS = ['opaque', 'glass'] as const;
export const VIEWS = ['auto', 'top-down', 'three-quarter', 'eye-level'] as const;
export const MAX_TEXT_LENGTH = 200;

/**
 * The seed's GenerateRequest plus output size. Images come as base64 / data URLs in JSON, or as
 * files in a multipart upload (fields of the same names).
 */
export class GenerateRequestDto {
  @ApiPropertyOptional({ enum: [1, 2], default: 1, description: '1: full pipeline; 2: reuse step1_image and only add text' })
  @Transform(toNumber) @IsOptional() @IsInt() @IsIn([1, 2])
  start_step?: 1 | 2 = 1;

  @ApiPropertyOptional({ enum: [1, 2], default: 2, description: '1: stop after the product shot (no text)' })
  @Transform(toNumber) @IsOptional() @IsInt() @IsIn([1, 2])
  stop_step?: 1 | 2 = 2;

  @ApiPropertyOptional({ description: 'Product photo: base64 or data URL (PNG, JPEG, WebP...). Required when start_step is 1.' })
  @IsOptional() @IsString()
  product_image?: string;

  @ApiPropertyOptional({ description: 'An earlier Stage 1 image (base64 or data URL). Required when start_step is 2.' })
  @IsOptional() @IsString()
  step1_image?: string;

  @ApiPropertyOptional({ example: '명절 특가! 사과 한 박스 20,000원', maxLength: MAX_TEXT_LENGTH, default: '' })
  @IsOptional() @IsString()
  text_content?: string = '';

  @ApiPropertyOptional({ example: 'warm beige studio, soft light', maxLength: 1000, default: '' })
  @IsOptional() @IsString() @MaxLength(1000)
  bg_prompt?: string = '';

  @ApiPropertyOptional({ description: 'What the background should avoid', maxLength: 1000, default: '' })
  @IsOptional() @IsString() @MaxLength(1000)
  negative_prompt?: string = '';

  @ApiPropertyOptional({
    enum: ['edit', 'generate', 'studio'],
    description:
      'With an image provider: edit paints the scene around the placed product (lit for it; default where the server takes masks: ' +
      'openai, vllm-omni); generate paints an empty scene and the product is composited on it; studio leaves the image model out and ' +
      'draws the embedded studio backdrop. The product pixels stay the photo\'s in every mode.',
  })
  @IsOptional() @IsIn(['edit', 'generate', 'studio'])
  background_mode?: 'edit' | 'generate' | 'studio';

  @ApiPropertyOptional({ example: 'bold gold text with shadow', maxLength: 500, default: '' })
  @IsOptional() @IsString() @MaxLength(500)
  html_style_prompt?: string = '';

  @ApiPropertyOptional({ enum: TEXT_POSITIONS, default: 'auto' })
  @IsOptional() @IsIn(TEXT_POSITIONS)
  text_position?: (typeof TEXT_POSITIONS)[number] = 'auto';

  @ApiPropertyOptional({
    enum: SUBJECT_LAYOUTS,
    default: 'auto',
    description:
      'cutout: the product cut out onto the backdrop; card: the photo itself as a framed card (for fur, glass, or a product the colour of its ' +
      'background); auto: the cutout unless its edge check is poor. result.subject_layout says which was used and why.',
  })
  @IsOptional() @IsIn(SUBJECT_LAYOUTS)
  subject_layout?: (typeof SUBJECT_LAYOUTS)[number] = 'auto';

  @ApiPropertyOptional({
    enum: SUBJECT_MATERIALS,
    default: 'opaque',
    description:
      'glass: the product is clear or translucent (a glass, a bottle, a vase). Photographed on a plain backdrop (a studio sweep, a wall), its ' +
      'opacity is read against that backdrop, so the new backdrop shows through it; on a busy backdrop it stays opaque. A PNG that is ' +
      'already cut out keeps its own transparency either way. result.subject_material says what was made and why.',
  })
  @IsOptional() @IsIn(SUBJECT_MATERIALS)
  subject_material?: (typeof SUBJECT_MATERIALS)[number] = 'opaque';

  @ApiPropertyOptional({
    enum: VIEWS,
    default: 'auto',
    description:
      'How the product was photographed, so the set matches it: top-down gets a flat lay (the surface fills the frame, the shadow ' +
      'right below), three-quarter a table seen from above with its back edge high, eye-level a sweep with the horizon behind. ' +
      'auto reads it off the product\'s outline (the ellipse of round rims and bases); result.view says what was estimated and why.',
  })
  @IsOptional() @IsIn(VIEWS)
  view?: (typeof VIEWS)[number] = 'auto';

  @ApiPropertyOptional({ enum: OUTPUT_FORMATS, default: 'png', description: 'The finals\' format: jpeg or webp are written as final.jpg / final.webp beside final.png (sRGB ICC profile, 72 dpi)' })
  @IsOptional() @IsIn(OUTPUT_FORMATS)
  output_format?: OutputFormat = 'png';

  @ApiPropertyOptional({ minimum: 0, maximum: 1, default: 0.6, description: 'How far a generative background may depart from the guide' })
  @Transform(toNumber) @IsOptional() @IsNumber() @Min(0) @Max(1)
  strength?: number = 0.6;

  @ApiPropertyOptional({ minimum: 0, maximum: 20, default: 3.5 })
  @Transform(toNumber) @IsOptional() @IsNumber() @Min(0) @Max(20)
  guidance_scale?: number = 3.5;

  @ApiPropertyOptional({ minimum: 0, maximum: 2147483647, description: 'Same seed, same inputs: same image. Random when omitted.' })
  @Transform(toNumber) @IsOptional() @IsInt() @Min(0) @Max(2147483647)
  seed?: number;

  @ApiPropertyOptional({
    minimum: 1,
    maximum: 4,
    default: 1,
    description:
      'Backgrounds to make per placement (seeds seed, seed+1, ...). They are ranked by the quality report (issues, then CLIP where installed, then ' +
      'the copy\'s contrast): finals[] lists them best first, and final_result / final.png is the best one.',
  })
  @Transform(toNumber) @IsOptional() @IsInt() @Min(1) @Max(4)
  num_variants?: number = 1;

  @ApiPropertyOptional({ enum: Object.keys(ASPECT_PRESETS), description: 'Canvas preset; overrides width/height' })
  @IsOptional() @IsIn(Object.keys(ASPECT_PRESETS))
  aspect_ratio?: AspectPreset;

  @ApiPropertyOptional({
    enum: Object.keys(ASPECT_PRESETS),
    isArray: true,
    example: ['1:1', '4:5', '9:16', '1.91:1'],
    description: 'Several placements from one cutout: one final per placement (multipart: comma-separated)',
  })
  @Transform(({ value }: { value: unknown }) => (typeof value === 'string' ? value.split(',').map((s) => s.trim()).filter(Boolean) : value))
  @IsOptional() @IsArray() @ArrayMinSize(1) @ArrayMaxSize(4) @ArrayUnique() @IsIn(Object.keys(ASPECT_PRESETS), { each: true })
  placements?: AspectPreset[];

  @ApiPropertyOptional({ example: 'NanumGothic', description: 'A family from GET /fonts; default: the best installed Korean sans' })
  @IsOptional() @IsString() @MaxLength(100)
  font_name?: string;

  @ApiPropertyOptional({ minimum: 256, maximum: 4096, default: 1024 })
  @Transform(toNumber) @IsOptional() @IsInt() @Min(256) @Max(4096)
  width?: number;

  @ApiPropertyOptional({ minimum: 256, maximum: 4096, default: 1024 })
  @Transform(toNumber) @IsOptional() @IsInt() @Min(256) @Max(4096)
  height?: number;

  @ApiPropertyOptional({ default: false, description: 'Use the embedded providers only (no paid API calls)' })
  @Transform(toBoolean) @IsOptional() @IsBoolean()
  test_mode?: boolean = false;

  @ApiPropertyOptional({ default: true, description: 'Seed compatibility: use a vision model for analysis when one is configured' })
  @Transform(toBoolean) @IsOptional() @IsBoolean()
  use_qwen_analysis?: boolean = true;

  @ApiPropertyOptional({ default: true, description: 'Let a configured LLM design the copy as HTML/CSS (sanitized, rendered without scripts or network, checked for the exact copy, placement and contrast; the template design otherwise)' })
  @Transform(toBoolean) @IsOptional() @IsBoolean()
  use_llm_html?: boolean = true;

  @ApiPropertyOptional({
    maxLength: 2048,
    example: 'https://shop.example.com/hooks/nanococoa',
    description:
      'Announce the end of the job here (Standard Webhooks: job.completed, job.failed, job.stopped, signed with WEBHOOK_SECRET). ' +
      'Default: the server\'s WEBHOOK_URL. Private, loopback and link-local addresses are refused (400 WEBHOOK_URL_FORBIDDEN).',
  })
  @IsOptional() @IsString() @MaxLength(2048)
  @IsUrl({ protocols: ['http', 'https'], require_protocol: true, require_tld: false }, { message: 'webhook_url must be an http or https URL' })
  webhook_url?: string;
}
