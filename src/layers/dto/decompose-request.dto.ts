import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsBoolean, IsIn, IsInt, IsOptional, IsString, IsUrl, Max, MaxLength, Min } from 'class-validator';
import { toBoolean, toNumber } from '../../common/transforms';

/** The seed's decompose request: a flat poster and how many layers to split it into. */
export class DecomposeRequestDto {
  @ApiPropertyOptional({ description: 'The poster as base64 or a data URL (JPEG, PNG or WebP, up to DECOMPOSE_MAX_FILE_MB). Multipart: a file field named image.' })
  @IsOptional() @IsString()
  image?: string;

  @ApiPropertyOptional({ minimum: 1, maximum: 10, default: 5, description: 'Layers wanted, background included; a poster with fewer gets fewer' })
  @Transform(toNumber) @IsOptional() @IsInt() @Min(1) @Max(10)
  num_layers?: number = 5;

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

export class DownloadQueryDto {
  @ApiPropertyOptional({ enum: ['zip', 'psd'], default: 'zip' })
  @IsOptional() @IsIn(['zip', 'psd'])
  format?: 'zip' | 'psd' = 'zip';
}
