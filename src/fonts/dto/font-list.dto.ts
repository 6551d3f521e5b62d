import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsIn, IsOptional } from 'class-validator';
import type { FontFamily, Script } from '../fonts.types';
import { SCRIPTS } from '../scripts';

/** "hangul" and "HANGUL" mean Hangul; anything else is left as sent so the validator names it. */
function toScript({ value }: { value: unknown }): unknown {
  if (typeof value !== 'string') return value;
  return SCRIPTS.find((s) => s.toLowerCase() === value.trim().toLowerCase()) ?? value;
}

export class ListFontsQueryDto {
  @ApiPropertyOptional({ enum: SCRIPTS, description: 'Only families that can set text in this script' })
  @Transform(toScript) @IsOptional() @IsIn(SCRIPTS)
  script?: Script;
}

export class FontFamilyDto {
  @ApiProperty({ example: 'NanumGothic', description: 'The name to pass as font_name' }) family: string;
  @ApiProperty({ type: [String], example: ['NanumGothic', '나눔고딕'], description: 'Every name font_name accepts for this family, any case' })
  names: string[];
  @ApiProperty({ type: [Number], example: [400, 700], description: 'CSS weights installed (100..900)' }) weights: number[];
  @ApiProperty({ enum: ['normal', 'italic'], isArray: true }) styles: Array<'normal' | 'italic'>;
  @ApiProperty({ enum: SCRIPTS, isArray: true, description: 'Scripts the family covers well enough to set text in' }) scripts: Script[];
  @ApiProperty({ enum: ['system', 'fonts-dir'], description: 'Installed on the system, or dropped into FONTS_DIR' }) source: 'system' | 'fonts-dir';
  @ApiProperty({ example: '/fonts/NanumGothic/preview.png' }) preview_url: string;
}

export class FontListDto {
  @ApiProperty({ type: [FontFamilyDto] }) items: FontFamilyDto[];
  @ApiProperty() total: number;
  @ApiProperty({ nullable: true, type: String, example: 'NanumGothic', description: 'Used when a job names no font; null when no font is installed' })
  default_family: string | null;
}

export function toFontFamilyDto(family: FontFamily, names: string[]): FontFamilyDto {
  return {
    family: family.family,
    names,
    weights: family.weights,
    styles: family.styles,
    scripts: family.scripts,
    source: family.source,
    preview_url: family.previewUrl,
  };
}
