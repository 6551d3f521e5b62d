import { Controller, Get, Header, Param, Query, StreamableFile } from '@nestjs/common';
import { ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiParam, ApiProduces, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import { FontListDto, ListFontsQueryDto, toFontFamilyDto } from './dto/font-list.dto';
import { FontPreviewService } from './font-preview.service';
import { FontsService } from './fonts.service';

@ApiTags('fonts')
@Controller('fonts')
export class FontsController {
  constructor(
    private readonly fonts: FontsService,
    private readonly previews: FontPreviewService,
  ) {}

  @Get()
  @ApiOperation({ summary: 'Installed font families (system fonts and FONTS_DIR), Hangul-capable first' })
  @ApiOkResponse({ type: FontListDto })
  list(@Query() query: ListFontsQueryDto): FontListDto {
    const items = this.fonts.list(query.script).map((family) => toFontFamilyDto(family, this.fonts.namesOf(family.family)));
    return { items, total: items.length, default_family: this.fonts.defaultFamily()?.family ?? null };
  }

  @Get(':family/preview.png')
  @ApiOperation({ summary: 'A sample line set in the family, as a PNG' })
  @ApiParam({ name: 'family', example: 'NanumGothic', description: 'A family name from GET /fonts (any case, localized names too)' })
  @ApiProduces('image/png')
  @ApiOkResponse({ description: 'PNG image' })
  @ApiNotFoundResponse({ description: 'No installed family has this name' })
  @ApiServiceUnavailableResponse({ description: 'The HTML renderer is not available' })
  // Fonts only change at a restart; an hour keeps browsers from asking again while the list is browsed.
  @Header('Cache-Control', 'public, max-age=3600')
  async preview(@Param('family') family: string): Promise<StreamableFile> {
    const png = await this.previews.preview(family);
    return new StreamableFile(png, { type: 'image/png', length: png.length });
  }
}
