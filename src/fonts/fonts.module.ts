import { Module } from '@nestjs/common';
import { RendererModule } from '../renderer/renderer.module';
import { FontPreviewService } from './font-preview.service';
import { FontsController } from './fonts.controller';
import { FontsRepository } from './fonts.repository';
import { FontsService } from './fonts.service';

/**
 * Installed fonts: GET /fonts, previews, and FontsService for the pipeline.
 * Needs AppConfig (global ConfigModule). Previews use HTML_RENDERER when a module imported here
 * exports it; until then FontPreviewService gets undefined and previews answer 503.
 */
@Module({
  imports: [RendererModule],
  controllers: [FontsController],
  providers: [FontsRepository, FontsService, FontPreviewService],
  exports: [FontsService],
})
export class FontsModule {}
