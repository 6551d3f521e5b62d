import { describe, it, before, after } from 'node:test';
import { expect } from 'expect';
import type { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import sharp from 'sharp';
import request from 'supertest';
import { DomainException } from '../common/errors/domain.exception';
import { ErrorCode } from '../common/errors/error-codes';
import { ErrorEnvelopeFilter } from '../common/errors/error.filter';
import { createValidationPipe } from '../common/validation';
import { ConfigModule } from '../config/config.module';
import { loadConfig } from '../config/app-config';
import { HTML_RENDERER, type HtmlRenderer, type RenderRequest, type RenderResult } from '../renderer/renderer.types';
import { FontPreviewService, HANGUL_SAMPLE } from './font-preview.service';
import { FontsController } from './fonts.controller';
import { FontsRepository } from './fonts.repository';
import { FontsService } from './fonts.service';

/** Stands in for the Chromium renderer: a real PNG of the requested size, and a record of what it was asked. */
class FakeRenderer implements HtmlRenderer {
  readonly requests: RenderRequest[] = [];
  failNext = false;

  async render(request: RenderRequest): Promise<RenderResult> {
    this.requests.push(request);
    if (this.failNext) {
      this.failNext = false;
      throw new DomainException(ErrorCode.RENDER_ERROR, 'the page crashed');
    }
    const png = await sharp({ create: { width: request.width, height: request.height, channels: 4, background: { r: 255, g: 255, b: 255, alpha: 1 } } }).png().toBuffer();
    return { png, fittedPx: null, overflow: false, boxes: {}, fontsUsed: {}, texts: {}, restyledPng: {}, ms: 1 };
  }
}

const binary = (res: request.Response, done: (error: Error | null, body: Buffer) => void) => {
  const chunks: Buffer[] = [];
  res.on('data', (chunk: Buffer) => chunks.push(chunk));
  res.on('end', () => done(null, Buffer.concat(chunks)));
};

describe('FontsController over HTTP', () => {
  let app: INestApplication;
  let http: ReturnType<typeof request>;
  let dataDir: string;
  const renderer = new FakeRenderer();

  before(async () => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'fonts-http-'));
    const config = loadConfig({}, { DATA_DIR: dataDir, FONTS_DIR: path.join(dataDir, 'no-fonts') });
    const moduleRef = await Test.createTestingModule({
      imports: [ConfigModule.forRoot(config)],
      controllers: [FontsController],
      providers: [FontsRepository, FontsService, FontPreviewService, { provide: HTML_RENDERER, useValue: renderer }],
    }).compile();
    app = moduleRef.createNestApplication({ logger: false });
    app.useGlobalPipes(createValidationPipe());
    app.useGlobalFilters(new ErrorEnvelopeFilter());
    await app.init();
    http = request(app.getHttpServer());
  });
  after(async () => {
    await app?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('lists the families with the default', async () => {
    const res = await http.get('/fonts').expect(200);
    const body = res.body as { items: Array<Record<string, unknown>>; total: number; default_family: string };
    expect(body.total).toBe(body.items.length);
    expect(body.default_family).toBe('NanumGothic');
    const nanum = body.items.find((i) => i.family === 'NanumGothic');
    expect(Object.keys(nanum ?? {}).sort()).toEqual(['family', 'names', 'preview_url', 'scripts', 'source', 'styles', 'weights']);
    expect(nanum).toMatchObject({ names: ['NanumGothic', '나눔고딕'], source: 'system', preview_url: '/fonts/NanumGothic/preview.png', styles: ['normal'] });
    expect(nanum?.weights).toEqual(expect.arrayContaining([400, 700]));
  });

  it('filters by script, in any case, and refuses an unknown script', async () => {
    const all = ((await http.get('/fonts').expect(200)).body as { total: number }).total;
    const hangul = (await http.get('/fonts?script=hangul').expect(200)).body as { items: Array<{ scripts: string[] }>; total: number };
    expect(hangul.total).toBeGreaterThan(0);
    expect(hangul.total).toBeLessThan(all);
    expect(hangul.items.every((i) => i.scripts.includes('Hangul'))).toBe(true);
    const bad = await http.get('/fonts?script=Klingon').expect(400);
    expect(bad.body.error).toMatchObject({ code: 'INVALID_PARAMETER' });
    expect(bad.body.error.message).toContain('script');
  });

  it('renders a preview once per family and serves it from memory after', async () => {
    const before = renderer.requests.length;
    const res = await http.get('/fonts/NanumGothic/preview.png').buffer(true).parse(binary).expect(200);
    expect(res.headers['content-type']).toBe('image/png');
    const meta = await sharp(res.body as Buffer).metadata();
    expect([meta.format, meta.width, meta.height]).toEqual(['png', 800, 120]);
    expect(renderer.requests.length).toBe(before + 1);
    const sent = renderer.requests[before];
    expect(sent.html).toContain(HANGUL_SAMPLE);
    expect(sent.html).toContain("@font-face { font-family: 'NanumGothic'");
    expect(sent.fonts.length).toBeGreaterThanOrEqual(2);
    for (const font of sent.fonts) expect(sent.html).toContain(font.url);
    // The localized name is the same family: no second render.
    await http.get(`/fonts/${encodeURIComponent('나눔고딕')}/preview.png`).expect(200);
    await http.get('/fonts/nanumgothic/preview.png').expect(200);
    expect(renderer.requests.length).toBe(before + 1);
  });

  it('answers 404 in the error envelope for an unknown family', async () => {
    const res = await http.get('/fonts/No%20Such%20Font/preview.png').expect(404);
    expect(res.body.error).toMatchObject({ code: 'NOT_FOUND', details: { family: 'No Such Font' } });
  });

  it('does not cache a failed render', async () => {
    const family = ((await http.get('/fonts?script=Latin').expect(200)).body as { items: Array<{ family: string; scripts: string[] }> }).items.find(
      (i) => !i.scripts.includes('Hangul'),
    );
    if (!family) throw new Error('this machine has no Latin-only font to test with');
    renderer.failNext = true;
    const failed = await http.get(`/fonts/${encodeURIComponent(family.family)}/preview.png`).expect(500);
    expect(failed.body.error.code).toBe('RENDER_ERROR');
    const before = renderer.requests.length;
    await http.get(`/fonts/${encodeURIComponent(family.family)}/preview.png`).expect(200);
    expect(renderer.requests.length).toBe(before + 1);
    // A family without Hangul is not shown Korean it cannot draw.
    expect(renderer.requests[before].html).not.toContain('특가');
  });
});

describe('FontPreviewService without a renderer', () => {
  it('answers SERVICE_UNAVAILABLE instead of failing the boot', async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'fonts-norender-'));
    const fonts = new FontsService(loadConfig({}, { DATA_DIR: dataDir, FONTS_DIR: dataDir }), new FontsRepository());
    await fonts.load();
    rmSync(dataDir, { recursive: true, force: true });
    const previews = new FontPreviewService(fonts);
    await expect(previews.preview('NanumGothic')).rejects.toMatchObject({ code: ErrorCode.SERVICE_UNAVAILABLE });
    await expect(previews.preview('Nope')).rejects.toMatchObject({ code: ErrorCode.NOT_FOUND });
  });
});
