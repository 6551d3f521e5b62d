import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, type TransformFnParams } from 'class-transformer';
import { IsBoolean, IsIn, IsInt, IsOptional, IsString, IsUrl, Max, MaxLength, Min, ValidateIf } from 'class-validator';
import { toBoolean, toNumber } from '../../common/transforms';
import { MAX_LAYERS } from '../layer-stack';

/** "auto" in any case and spacing is auto; numbers from multipart strings as elsewhere. */
function toLayerCount(params: TransformFnParams): unknown {
  return typeof params.value === 'string' && params.value.trim().toLowerCase() === 'auto' ? 'auto' : toNumber(params);
}

/** The seed's decompose request: a flat poster and how many layers to split it into. */
export class DecomposeRequestDto {
  @ApiPropertyOptional({ description: 'The poster as base64 or a data URL (JPEG, PNG or WebP, up to DECOMPOSE_MAX_FILE_MB). Multipart: a file field named image.' })
  @IsOptional() @IsString()
  image?: string;

  @ApiPropertyOptional({
    oneOf: [{ type: 'integer', minimum: 1, maximum: MAX_LAYERS }, { type: 'string', enum: ['auto'] }],
    default: 'auto',
    description: `Layers wanted, background included (1-${MAX_LAYERS}): more were found, the least significant go down into what they touch; a poster with fewer gets fewer. auto (the default): as many as the poster has, up to ${MAX_LAYERS}`,
  })
  @Transform(toLayerCount) @IsOptional() @ValidateIf((_, v) => v !== 'auto') @IsInt({ message: 'num_layers must be an integer or auto' }) @Min(1) @Max(MAX_LAYERS)
  num_layers?: number | 'auto' = 'auto';

  @ApiPropertyOptional({ default: true, description: 'Describe each layer in metadata.json: kind, place, colours and the text it holds, or a sentence from the vision provider where one is configured' })
  @Transform(toBoolean) @IsOptional() @IsBoolean()
  describe?: boolean = true;

  @ApiPropertyOptional({ minimum: 0, maximum: 2147483647, description: 'Seed for a layered provider (Qwen-Image-Layered); unset: a random one, kept in the job' })
  @Transform(toNumber) @IsOptional() @IsInt() @Min(0) @Max(2147483647)
  seed?: number;

  @ApiPropertyOptional({ maxLength: 2048, description: 'Announce the end of the job here (see POST /generate)' })
  @IsOptional() @IsString() @MaxLength(2048) @IsUrl({ require_protocol: true, protocols: ['http', 'https'], require_tld: false })
  webhook_url?: string;
}

export class LayersDownloadQueryDto {
  @ApiPropertyOptional({ enum: ['zip', 'psd', 'html'], default: 'zip', description: 'zip: the PNGs, metadata.json, preview.jpg and layers.html; psd: a layered PSD with editable type; html: the poster rebuilt as a page, text as live text' })
  @IsOptional() @IsIn(['zip', 'psd', 'html'])
  format?: 'zip' | 'psd' | 'html' = 'zip';
}

export class DownloadQueryDto {
  @ApiPropertyOptional({ enum: ['zip', 'psd'], default: 'zip' })
  @IsOptional() @IsIn(['zip', 'psd'])
  format?: 'zip' | 'psd' = 'zip';
}
