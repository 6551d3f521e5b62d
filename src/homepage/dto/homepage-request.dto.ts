import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import { ArrayMaxSize, IsArray, IsBoolean, IsIn, IsOptional, IsString, IsUrl, IsUUID, Matches, MaxLength, MinLength, ValidateNested } from 'class-validator';
import { fromJsonText, toBoolean } from '../../common/transforms';
import { IsLink, MAX_LINK_LENGTH } from '../web-url';

/**
 * Links to the shop elsewhere, https only, each named in an error by its field. Read as a
 * browser reads them (see web-url.ts): "https://map.naver.com/p/search/소금빵 연구소", as a shop
 * owner pastes it, is taken and stored percent-encoded.
 */
export class HomepageLinksDto {
  @ApiPropertyOptional({ example: 'https://map.naver.com/p/search/소금빵 연구소', maxLength: MAX_LINK_LENGTH })
  @IsOptional() @IsLink('links.naver_map', 'https')
  naver_map?: string;

  @ApiPropertyOptional({ example: 'https://place.map.kakao.com/12345', maxLength: MAX_LINK_LENGTH })
  @IsOptional() @IsLink('links.kakao_map', 'https')
  kakao_map?: string;

  @ApiPropertyOptional({ example: 'https://pf.kakao.com/_abcd', maxLength: MAX_LINK_LENGTH })
  @IsOptional() @IsLink('links.kakao_channel', 'https')
  kakao_channel?: string;

  @ApiPropertyOptional({ example: 'https://www.instagram.com/shop', maxLength: MAX_LINK_LENGTH })
  @IsOptional() @IsLink('links.instagram', 'https')
  instagram?: string;
}

export class HomepageProductDto {
  @ApiProperty({ example: '소금빵', maxLength: 60 })
  @IsString() @MinLength(1) @MaxLength(60)
  name!: string;

  @ApiPropertyOptional({ oneOf: [{ type: 'string', example: '3,000원' }, { type: 'number', example: 3000 }], description: 'As written ("3,000원"), or a number in won' })
  @IsOptional()
  price?: string | number;

  @ApiPropertyOptional({ maxLength: 300 })
  @IsOptional() @IsString() @MaxLength(300)
  description?: string;

  @ApiPropertyOptional({ description: 'A photo as base64 or a data URL (JPEG, PNG or WebP); in multipart, a file field products[N][image] instead' })
  @IsOptional() @IsString()
  image?: string;

  @ApiPropertyOptional({ example: 'https://smartstore.naver.com/shop/products/123', maxLength: MAX_LINK_LENGTH, description: "Where to buy or read more (the shop's store page): the product's name on the site links there. http or https" })
  @IsOptional() @IsLink('link', 'http(s)')
  link?: string;

  @ApiPropertyOptional({ description: 'A finished ad job whose final image is the picture' })
  @IsOptional() @IsUUID('all', { message: 'job_id must be a job id (UUID)' })
  job_id?: string;
}

/** The business and what the one-page site should show. */
export class HomepageRequestDto {
  @ApiProperty({ example: '밀밭베이커리', maxLength: 60 })
  @IsString({ message: 'name is required' }) @MinLength(1, { message: 'name is required' }) @MaxLength(60)
  name!: string;

  @ApiPropertyOptional({ example: '베이커리', description: 'Picks the schema.org type (Bakery, CafeOrCoffeeShop, Restaurant...) and the template copy' })
  @IsOptional() @IsString() @MaxLength(40)
  category?: string;

  @ApiPropertyOptional({ example: '매일 아침 굽는 천연발효 빵' })
  @IsOptional() @IsString() @MaxLength(120)
  tagline?: string;

  @ApiPropertyOptional({ maxLength: 1000 })
  @IsOptional() @IsString() @MaxLength(1000)
  description?: string;

  @ApiPropertyOptional({ example: '서울특별시 마포구 양화로 12' })
  @IsOptional() @IsString() @MaxLength(200)
  address?: string;

  @ApiPropertyOptional({ example: '02-123-4567' })
  @IsOptional() @IsString()
  @Matches(/^(?:\+82[- ]?|0)(?:1[016789]|2|[3-6][1-5]|70)[- ]?\d{3,4}[- ]?\d{4}$|^1[5-9]\d{2}[- ]?\d{4}$/, { message: 'phone must be a Korean phone number such as 02-123-4567, 010-1234-5678 or 1588-1234' })
  phone?: string;

  @ApiPropertyOptional({
    oneOf: [{ type: 'string', example: '화-일 08:00-20:00, 월 휴무' }, { type: 'array', items: { type: 'object', properties: { days: { type: 'string' }, opens: { type: 'string' }, closes: { type: 'string' } } } }],
    description: 'Free text, or a list of {days, opens, closes} with times as HH:MM',
  })
  @Transform(fromJsonText()) @IsOptional()
  hours?: string | Array<{ days: string; opens: string; closes: string }>;

  @ApiPropertyOptional({ type: HomepageLinksDto })
  @IsOptional() @ValidateNested() @Type(() => HomepageLinksDto) @Transform(fromJsonText(HomepageLinksDto))
  links?: HomepageLinksDto;

  @ApiPropertyOptional({ type: [HomepageProductDto], maxItems: 24 })
  @IsOptional() @IsArray({ message: 'products must be a list (multipart: JSON text, or products[0][name] fields)' }) @ArrayMaxSize(24) @ValidateNested({ each: true }) @Type(() => HomepageProductDto) @Transform(fromJsonText(HomepageProductDto))
  products?: HomepageProductDto[];

  @ApiPropertyOptional({ description: '대표자' })
  @IsOptional() @IsString() @MaxLength(40)
  owner?: string;

  @ApiPropertyOptional({ example: '123-45-67890', description: '사업자등록번호' })
  @IsOptional() @Matches(/^\d{3}-\d{2}-\d{5}$/, { message: 'business_number must look like 123-45-67890' })
  business_number?: string;

  @ApiPropertyOptional({ example: '2024-서울마포-0123', description: '통신판매업 신고번호' })
  @IsOptional() @IsString() @MaxLength(40)
  mail_order_number?: string;

  @ApiPropertyOptional({ example: 'warm', description: 'A preset (warm, fresh, modern, classic) or a few free words' })
  @IsOptional() @IsString() @MaxLength(80)
  style?: string;

  @ApiPropertyOptional({ enum: ['ko', 'en'], default: 'ko' })
  @IsOptional() @IsIn(['ko', 'en'])
  language?: 'ko' | 'en' = 'ko';

  @ApiPropertyOptional({ default: false, description: 'Products without an image or ad get one from the ad pipeline first' })
  @Transform(toBoolean) @IsOptional() @IsBoolean()
  make_ads?: boolean = false;

  @ApiPropertyOptional({ maxLength: 2048, description: 'Announce the end of the job here (see POST /generate)' })
  @IsOptional() @IsString() @MaxLength(2048) @IsUrl({ require_protocol: true, protocols: ['http', 'https'], require_tld: false })
  webhook_url?: string;
}
