import { describe, it } from 'node:test';
import { expect } from 'expect';
import { Test } from '@nestjs/testing';
import { loadConfig } from '../config/app-config';
import { ConfigModule } from '../config/config.module';
import { ChromiumPool } from './chromium-pool';
import { RendererModule } from './renderer.module';
import { HTML_RENDERER, type HtmlRenderer } from './renderer.types';

describe('RendererModule', () => {
  it('provides HTML_RENDERER on the shared pool, and closing the app closes Chromium', async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [ConfigModule.forRoot(loadConfig({}, { RENDER_PAGES: 1 })), RendererModule],
    }).compile();
    const app = await moduleRef.init();
    const renderer = app.get<HtmlRenderer>(HTML_RENDERER);
    const pool = app.get(ChromiumPool);
    const result = await renderer.render({ html: '<p>x</p>', width: 32, height: 16, fonts: [] });
    expect(result.png.subarray(1, 4).toString('latin1')).toBe('PNG');
    expect(pool.stats()).toMatchObject({ running: true, launches: 1, renders: 1 });
    await app.close();
    expect(pool.stats().running).toBe(false);
  });
});
