import { Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { FontsService } from '../fonts/fonts.service';
import { HTML_RENDERER, type HtmlRenderer } from '../renderer/renderer.types';

const SAMPLE = '가나다 ABC 123';

/**
 * Starts Chromium and loads the default Korean font into every pooled page right after boot,
 * in the background: otherwise the first jobs pay the launch (~0.5 s) and each page's first
 * font load inside their Stage 2. An API-only instance (RUNNER_ENABLED=false) skips it.
 */
@Injectable()
export class RendererWarmupService implements OnApplicationBootstrap {
  private readonly logger = new Logger(RendererWarmupService.name);

  constructor(
    private readonly config: AppConfig,
    private readonly fonts: FontsService,
    @Inject(HTML_RENDERER) private readonly renderer: HtmlRenderer,
  ) {}

  onApplicationBootstrap(): void {
    if (!this.config.RUNNER_ENABLED || !this.config.RENDER_PREWARM) return;
    void this.warm().catch((error: unknown) => this.logger.warn(`Chromium warm-up failed: ${(error as Error).message}`));
  }

  async warm(): Promise<void> {
    const family = this.fonts.defaultFamily();
    if (!family) return;
    const bundle = this.fonts.faceBundle(family, SAMPLE);
    const html =
      `<!doctype html><meta charset="utf-8"><style>${bundle.css} html,body{margin:0;background:transparent}` +
      `p{font-family:${bundle.stack};font-size:40px} b{font-weight:700}</style><p>${SAMPLE} <b>${SAMPLE}</b></p>`;
    const started = Date.now();
    // One render per pooled page, at once, so every page has the fonts cached.
    await Promise.all(
      Array.from({ length: this.config.RENDER_PAGES }, () => this.renderer.render({ html, width: 320, height: 120, fonts: bundle.assets })),
    );
    this.logger.log(`Chromium ready with ${family.family} in ${Date.now() - started} ms`);
  }
}
