import { describe, it, before, after } from 'node:test';
import { expect } from 'expect';
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { DomainException } from '../common/errors/domain.exception';
import { ErrorCode } from '../common/errors/error-codes';
import { loadConfig } from '../config/app-config';
import { FONT_ASSET_ORIGIN } from './font-assets';
import type { FontFamily } from './fonts.types';
import { FontsRepository, type FontRecord } from './fonts.repository';
import { cssString, FontsService } from './fonts.service';
import { bufferReader, readFaceDirectory } from './sfnt';

// These run the machine's real fontconfig: the image installs fontconfig and fonts-nanum.

function caught(work: () => unknown): DomainException {
  try {
    work();
  } catch (error) {
    if (error instanceof DomainException) return error;
    throw error;
  }
  throw new Error('expected a DomainException');
}

async function startService(fontsDir: string, repository = new FontsRepository()): Promise<{ service: FontsService; dataDir: string }> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'fonts-data-'));
  const service = new FontsService(loadConfig({}, { FONTS_DIR: fontsDir, DATA_DIR: dataDir }), repository);
  await service.load();
  return { service, dataDir };
}

describe('FontsService with the system fonts', () => {
  let service: FontsService;
  let nanum: FontFamily;
  const temp: string[] = [];

  before(async () => {
    const empty = mkdtempSync(path.join(tmpdir(), 'fonts-none-'));
    const started = await startService(path.join(empty, 'missing'));
    service = started.service;
    temp.push(empty, started.dataDir);
    nanum = service.resolve('NanumGothic');
  });
  after(() => temp.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

  it('finds NanumGothic with Hangul and Latin in regular and bold', () => {
    expect(nanum).toMatchObject({ family: 'NanumGothic', source: 'system', previewUrl: '/fonts/NanumGothic/preview.png' });
    expect(nanum.scripts).toEqual(expect.arrayContaining(['Hangul', 'Latin']));
    expect(nanum.weights).toEqual(expect.arrayContaining([400, 700]));
    for (const file of nanum.files) expect(existsSync(file.path)).toBe(true);
    expect(Object.isFrozen(nanum.weights)).toBe(true);
    expect(service.status()).toEqual({ families: service.list().length, hangul: true, warnings: [] });
  });

  it('lists Hangul-capable families first and filters by script', () => {
    const hangul = service.list().map((f) => f.scripts.includes('Hangul'));
    expect(hangul.indexOf(false)).toBeGreaterThan(0);
    expect(hangul.slice(hangul.indexOf(false))).not.toContain(true);
    expect(service.list('Hangul').length).toBe(hangul.filter(Boolean).length);
    expect(service.list('Greek').every((f) => f.scripts.includes('Greek'))).toBe(true);
  });

  it('resolves names in any case, localized names and the default', () => {
    expect(service.resolve('nanumgothic').family).toBe('NanumGothic');
    expect(service.resolve(' NANUMGOTHIC ').family).toBe('NanumGothic');
    expect(service.resolve('나눔고딕').family).toBe('NanumGothic');
    expect(service.namesOf('NanumGothic')).toContain('나눔고딕');
    expect(service.resolve().family).toBe('NanumGothic');
    expect(service.resolve(undefined, 'Hello').family).toBe('NanumGothic');
    expect(service.defaultFamily()?.family).toBe('NanumGothic');
  });

  it('refuses an unknown name with the installed choices', () => {
    const error = caught(() => service.resolve('Comic Sans Hangul'));
    expect(error.code).toBe(ErrorCode.INVALID_PARAMETER);
    expect(error.message).toContain('NanumGothic');
    const details = error.details as { field: string; choices: string[] };
    expect(details.field).toBe('font_name');
    expect(details.choices).toEqual(service.list().map((f) => f.family));
  });

  it('finds no missing glyph in ordinary ad copy', () => {
    expect(service.missingGlyphs('명절 특가 20,000원', [nanum])).toEqual([]);
    expect(service.missingGlyphs('\t \n\u200d\ufe0f', [nanum])).toEqual([]);
    expect(() => service.assertDrawable('명절 특가! 사과 한 박스 20,000원', [nanum])).not.toThrow();
  });

  it('reports characters no installed font has', () => {
    // Checked with fontconfig itself: nothing here covers plane-16 or BMP private use code points.
    for (const cp of ['10fffd', 'e000']) expect(execFileSync('fc-list', [`:charset=${cp}`, 'family'], { encoding: 'utf8' }).trim()).toBe('');
    const text = '특가 \u{10FFFD} 20,000원 \u{E000}\u{10FFFD}';
    expect(service.missingGlyphs(text, [nanum])).toEqual(['\u{10FFFD}', '\u{E000}']);
    const error = caught(() => service.assertDrawable(text, [nanum]));
    expect(error.code).toBe(ErrorCode.FONT_MISSING);
    expect(error.details).toMatchObject({ missing: ['\u{10FFFD}', '\u{E000}'], code_points: ['U+10FFFD', 'U+E000'] });
  });

  it('bundles every NanumGothic face as a file Chromium accepts', () => {
    const bundle = service.faceBundle(nanum, '명절 특가 20,000원');
    expect(bundle.stack).toBe("'NanumGothic'");
    for (const weight of nanum.weights) {
      expect(bundle.css).toMatch(new RegExp(`@font-face \\{ font-family: 'NanumGothic'; src: url\\('${FONT_ASSET_ORIGIN}/[0-9a-f]{24}\\.ttf'\\) format\\('truetype'\\); font-weight: ${weight};`));
    }
    expect(bundle.assets).toHaveLength(nanum.files.length);
    for (const asset of bundle.assets) {
      expect(bundle.css).toContain(`url('${asset.url}')`);
      expect(existsSync(asset.path)).toBe(true);
      // Debian's NanumGothic has an empty TSI3 table that makes Chromium refuse the font: the served copy has none.
      const tables = readFaceDirectory(bufferReader(readFileSync(asset.path)), 0).tables;
      expect(tables.filter((t) => t.length === 0)).toEqual([]);
      expect(tables.map((t) => t.tag)).toEqual(expect.arrayContaining(['cmap', 'glyf', 'head']));
    }
    // The same face gets the same URL every time, so the renderer may cache by URL.
    expect(service.faceBundle(nanum, '').assets).toEqual(bundle.assets);
  });

  it('adds a Hangul family when the primary lacks Hangul', () => {
    const latin = service.list().find((f) => !f.scripts.includes('Hangul') && f.scripts.includes('Latin'));
    if (!latin) throw new Error('this machine has no Latin-only font to test with');
    const bundle = service.faceBundle(latin, 'SALE 명절 특가');
    const stack = bundle.stack.split(', ');
    expect(stack[0]).toBe(`'${latin.family}'`);
    expect(stack).toHaveLength(2);
    const fallback = service.resolve(stack[1].slice(1, -1));
    expect(fallback.scripts).toContain('Hangul');
    expect(bundle.css).toContain(`font-family: ${stack[1]};`);
    expect(service.faceBundle(latin, 'SALE 20%').stack).toBe(`'${latin.family}'`);
  });
});

describe('cssString', () => {
  it('keeps a family name inside its CSS string and the page inside its <style>', () => {
    expect(cssString('NanumGothic')).toBe("'NanumGothic'");
    expect(cssString("Bob's \\ Font</style>\n")).toBe("'Bob\\'s \\\\ Font\\3c /style> '");
  });
});

describe('FontsService with FONTS_DIR', () => {
  let fontsDir: string;
  let dataDir: string;
  let copied: string;
  let service: FontsService;

  before(async () => {
    fontsDir = mkdtempSync(path.join(tmpdir(), 'fonts-dir-'));
    const bold = execFileSync('fc-match', ['--format', '%{file}', 'NanumMyeongjo:bold'], { encoding: 'utf8' });
    expect(bold).toMatch(/\.ttf$/i);
    mkdirSync(path.join(fontsDir, 'brand'));
    copied = path.join(fontsDir, 'brand', 'OurBrandBold.ttf');
    copyFileSync(bold, copied);
    writeFileSync(path.join(fontsDir, 'README.md'), 'not a font');
    writeFileSync(path.join(fontsDir, 'broken.ttf'), 'not a font either');
    ({ service, dataDir } = await startService(fontsDir));
  });
  after(() => [fontsDir, dataDir].forEach((dir) => rmSync(dir, { recursive: true, force: true })));

  it('picks up a dropped TTF under its internal family name, ahead of the system copy', () => {
    const family = service.resolve('나눔명조');
    expect(family.source).toBe('fonts-dir');
    expect(family.files.find((f) => f.weight === 700)?.path).toBe(copied);
    expect(family.files.find((f) => f.weight === 400)?.path).not.toContain(fontsDir);
    expect(service.status().warnings).toEqual([]);
  });
});

/** The real fontconfig output with every Hangul-capable face removed: a machine without fonts-nanum. */
class NoHangulRepository extends FontsRepository {
  override async listSystem(): Promise<FontRecord[]> {
    return (await super.listSystem()).filter((r) => r.charset.countIn(0xac00, 0xd7a3) === 0);
  }
}

describe('FontsService without a Hangul font', () => {
  let service: FontsService;
  let dataDir: string;

  before(async () => {
    ({ service, dataDir } = await startService('/nonexistent/fonts', new NoHangulRepository()));
  });
  after(() => rmSync(dataDir, { recursive: true, force: true }));

  it('warns, and refuses Korean text with a way to fix it', () => {
    expect(service.hasHangul()).toBe(false);
    expect(service.status().warnings.join(' ')).toContain('fonts-nanum');
    const latin = service.resolve().family;
    const attempts = [() => service.resolve(undefined, '명절 특가'), () => service.resolve(latin, '명절 특가'), () => service.assertDrawable('특가', [service.resolve()])];
    for (const attempt of attempts) {
      const error = caught(attempt);
      expect(error.code).toBe(ErrorCode.FONT_MISSING);
      expect(error.message).toMatch(/fonts-nanum.*FONTS_DIR/);
    }
    expect(service.resolve(undefined, 'Big sale').scripts).toContain('Latin');
    expect(service.resolve(latin.toLowerCase(), 'Big sale').family).toBe(latin);
    expect(caught(() => service.resolve('NanumGothic', '특가')).code).toBe(ErrorCode.INVALID_PARAMETER);
  });
});

describe('FontsService when fontconfig fails', () => {
  it('boots with no fonts and says why', async () => {
    const broken = new (class extends FontsRepository {
      override listSystem(): Promise<FontRecord[]> {
        return Promise.reject(new Error('fc-list was not found: install fontconfig (apt-get install fontconfig)'));
      }
    })();
    const { service, dataDir } = await startService('/nonexistent/fonts', broken);
    rmSync(dataDir, { recursive: true, force: true });
    expect(service.list()).toEqual([]);
    expect(service.status().warnings[0]).toContain('fc-list was not found');
    expect(caught(() => service.resolve()).code).toBe(ErrorCode.FONT_MISSING);
    expect(service.defaultFamily()).toBeNull();
  });
});
