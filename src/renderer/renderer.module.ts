import { Module } from '@nestjs/common';
import { ChromiumPool } from './chromium-pool';
import { HtmlRendererService } from './html-renderer.service';
import { HTML_RENDERER } from './renderer.types';

/**
 * The text-layer renderer: HTML_RENDERER for stages, ChromiumPool for /system stats. AppConfig
 * comes from the global ConfigModule.
 */
@Module({
  providers: [ChromiumPool, HtmlRendererService, { provide: HTML_RENDERER, useExisting: HtmlRendererService }],
  exports: [HTML_RENDERER, ChromiumPool],
})
export class RendererModule {}
