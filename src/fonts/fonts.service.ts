import { Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import * as path from 'node:path';
import { DomainException } from '../common/errors/domain.exception';
import { ErrorCode } from '../common/errors/error-codes';
import { AppConfig } from '../config/app-config';
import type { FontAsset } from '../renderer/renderer.types';
import type { CodePointSet } from './charset';
import { FontAssetStore } from './font-assets';
import { FontCatalog, type CatalogFamily } from './font-catalog';
import type { FontFaceBundle, FontFamily, Script } from './fonts.types';
import { FontsRepository, type FontRecord } from './fonts.repository';
import { containsHangul, graphemes, visibleCodePoints, visibleGraphemes } from './scripts';

export interface FontsStatus {
  families: number;
  hangul: boolean;
  warnings: string[];
}

/** How many names an INVALID_PARAMETER message spells out; details always carry them all. */
const NAMES_IN_MESSAGE = 40;

/**
 * The installed fonts: system fonts from fontconfig plus the files in FONTS_DIR, read once at
 * boot. Answers which family to use, whether a text can be drawn, and the @font-face CSS and
 * files a page needs to draw it with exactly these fonts.
 */
@Injectable()
export class FontsService implements OnModuleInit {
  private readonly logger = new Logger(FontsService.name);
  private readonly assets: FontAssetStore;
  private catalog = FontCatalog.EMPTY;
  private warnings: string[] = [];
  private readonly reportedAssetErrors = new Set<string>();

  constructor(
    private readonly config: AppConfig,
    private readonly repository: FontsRepository,
  ) {
    this.assets = new FontAssetStore(path.join(config.dataDir, 'font-cache'));
  }

  async onModuleInit(): Promise<void> {
    await this.load();
  }

  /** Reads fontconfig's cache and scans FONTS_DIR, in parallel. Never throws: a text-free job needs no font. */
  async load(): Promise<void> {
    const warnings: string[] = [];
    const fontsDir = this.config.fontsDir;
    const [system, dropped] = await Promise.all([
      timed(() => this.repository.listSystem()),
      timed(() => this.repository.scanDir(fontsDir)),
    ]);
    if (system.error) warnings.push(`System fonts could not be listed: ${system.error.message}`);
    if (dropped.error) warnings.push(`FONTS_DIR (${fontsDir}) could not be scanned: ${dropped.error.message}`);
    // A FONTS_DIR that fontconfig also indexes would list its files twice: the scan's record wins.
    const byFace = new Map<string, FontRecord>();
    const faceKey = (record: FontRecord) => `${path.resolve(record.path)}#${record.index}`;
    const inFontsDir = (file: string) => path.resolve(file).startsWith(fontsDir + path.sep);
    for (const record of system.value ?? []) byFace.set(faceKey(record), inFontsDir(record.path) ? { ...record, source: 'fonts-dir' } : record);
    for (const record of dropped.value ?? []) byFace.set(faceKey(record), record);
    this.catalog = FontCatalog.build([...byFace.values()]);
    if (!this.catalog.hangulCapable) warnings.push(this.catalog.families.length === 0 ? noFontMessage(fontsDir) : hangulMissingMessage(fontsDir));
    this.warnings = warnings;
    for (const warning of warnings) this.logger.warn(warning);
    const hangul = this.catalog.families.filter((f) => f.family.scripts.includes('Hangul')).length;
    this.logger.log(
      `${this.catalog.families.length} font families (${hangul} with Hangul) from ${byFace.size} faces; ` +
        `fc-list ${system.ms} ms, FONTS_DIR scan ${dropped.ms} ms (${dropped.value?.length ?? 0} faces)`,
    );
  }

  /** Families, Hangul-capable first; only those supporting `script` when given. */
  list(script?: Script): FontFamily[] {
    return this.catalog.families.map((f) => f.family).filter((f) => !script || f.scripts.includes(script));
  }

  /** The family called `name` (any case, localized names too), or null. */
  find(name: string): FontFamily | null {
    return this.catalog.find(name)?.family ?? null;
  }

  /** `text` with the visible characters `family` itself cannot draw left out (whitespace is kept). */
  drawableBy(family: FontFamily, text: string): string {
    const coverage = this.catalog.find(family.family)?.coverage;
    if (!coverage) return '';
    const kept: string[] = [];
    for (const segment of graphemes(text)) {
      const visible = visibleCodePoints(segment);
      if (visible.length === 0 ? /^\s+$/u.test(segment) : visible.every((cp) => coverage.has(cp))) kept.push(segment);
    }
    return kept.join('').replace(/\s+/gu, ' ').trim();
  }

  /** Every name `family` answers to (localized ones such as 나눔고딕 included). */
  namesOf(family: string): string[] {
    return this.catalog.find(family)?.names ?? [];
  }

  /** The family used when a request names none; null when no font is installed. */
  defaultFamily(): FontFamily | null {
    return this.catalog.defaultFamily()?.family ?? null;
  }

  /**
   * The family called `name` (any case, localized names too), or with no name the default:
   * the best Hangul sans, or when no font has Hangul and `text` has none, any plain sans.
   * An unknown name is INVALID_PARAMETER; Hangul `text` with no Hangul font installed is
   * FONT_MISSING whatever the name, since no fallback could draw it either.
   */
  resolve(name?: string, text = ''): FontFamily {
    if (name !== undefined && name.trim() !== '') {
      const hit = this.catalog.find(name);
      if (hit && containsHangul(text) && !this.catalog.hangulCapable) throw this.fontMissing();
      if (hit) return hit.family;
      const choices = this.catalog.families.map((f) => f.family.family);
      const listed = choices.slice(0, NAMES_IN_MESSAGE).join(', ') + (choices.length > NAMES_IN_MESSAGE ? `, and ${choices.length - NAMES_IN_MESSAGE} more` : '');
      throw new DomainException(ErrorCode.INVALID_PARAMETER, `Unknown font_name "${name}". Installed families: ${listed || '(none)'}`, {
        field: 'font_name',
        choices,
      });
    }
    const chosen = this.catalog.defaultFamily(text);
    if (chosen) return chosen.family;
    throw this.fontMissing();
  }

  hasHangul(): boolean {
    return this.catalog.hangulCapable;
  }

  /**
   * Visible characters of `text` (whole graphemes, in first-seen order) that neither the
   * families of `stack` nor any installed font can draw. Any installed font counts, because
   * faceBundle adds whichever installed family covers what the primary lacks.
   */
  missingGlyphs(text: string, stack: FontFamily[]): string[] {
    const sets: CodePointSet[] = [];
    for (const family of stack) {
      const entry = this.catalog.find(family.family);
      if (entry) sets.push(entry.coverage);
    }
    sets.push(this.catalog.coverage);
    const missing = new Set<string>();
    for (const { grapheme, codePoints } of visibleGraphemes(text)) {
      if (codePoints.some((cp) => !sets.some((set) => set.has(cp)))) missing.add(grapheme);
    }
    return [...missing];
  }

  /** Throws FONT_MISSING when some character of `text` would come out as a blank box. */
  assertDrawable(text: string, stack: FontFamily[]): void {
    if (containsHangul(text) && !this.catalog.hangulCapable) throw this.fontMissing();
    const missing = this.missingGlyphs(text, stack);
    if (missing.length === 0) return;
    const codePoints = missing.map((g) => [...g].map((c) => `U+${(c.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0')}`).join(' '));
    throw new DomainException(
      ErrorCode.FONT_MISSING,
      `No installed font can draw ${missing.map((g, i) => `"${g}" (${codePoints[i]})`).join(', ')}: ` +
        `install a font that has them or drop one into FONTS_DIR, or remove them from the text`,
      { missing, code_points: codePoints },
    );
  }

  /**
   * @font-face rules for every face of `primary`, plus the installed families needed for what
   * `text` has and `primary` lacks (emoji, Hanja...), with the files behind their URLs.
   */
  faceBundle(primary: FontFamily, text: string): FontFaceBundle {
    const entry = this.catalog.find(primary.family) ?? adHocFamily(primary);
    const families = [entry, ...this.catalog.fallbacksFor(entry, visibleCodePoints(text))];
    const rules: string[] = [];
    const assets = new Map<string, FontAsset>();
    for (const family of families) {
      for (const face of family.faces) {
        const served = this.assets.serve(face.path, face.index);
        if (served instanceof Error) {
          this.reportAssetError(served);
          continue;
        }
        assets.set(served.url, { url: served.url, path: served.path });
        rules.push(
          `@font-face { font-family: ${cssString(family.family.family)}; src: url('${served.url}') format('${served.format}'); ` +
            `font-weight: ${face.weight}; font-style: ${face.italic ? 'italic' : 'normal'}; font-display: block; }`,
        );
      }
    }
    // Only the bundled names: Chromium still falls back to system fonts per character on its own.
    return { css: rules.join('\n'), assets: [...assets.values()], stack: families.map((f) => cssString(f.family.family)).join(', ') };
  }

  status(): FontsStatus {
    return { families: this.catalog.families.length, hangul: this.catalog.hangulCapable, warnings: [...this.warnings] };
  }

  private fontMissing(): DomainException {
    const message = this.catalog.families.length === 0 ? noFontMessage(this.config.fontsDir) : hangulMissingMessage(this.config.fontsDir);
    return new DomainException(ErrorCode.FONT_MISSING, message, { fonts_dir: this.config.FONTS_DIR });
  }

  private reportAssetError(error: Error): void {
    if (this.reportedAssetErrors.has(error.message)) return;
    this.reportedAssetErrors.add(error.message);
    this.logger.warn(`Font file skipped: ${error.message}`);
  }
}

function noFontMessage(fontsDir: string): string {
  return `No font is installed, so no text can be drawn: install fonts-nanum (apt-get install fonts-nanum) or drop a Korean TTF/OTF into FONTS_DIR (${fontsDir}) and restart`;
}

function hangulMissingMessage(fontsDir: string): string {
  return (
    'No installed font has Hangul, so Korean text cannot be drawn: install fonts-nanum (apt-get install fonts-nanum) ' +
    `or drop a Korean TTF/OTF into FONTS_DIR (${fontsDir}) and restart`
  );
}

/** A family the catalog does not know (built by a caller): its files, at face 0, covering nothing known. */
function adHocFamily(family: FontFamily): CatalogFamily {
  const faces: FontRecord[] = family.files.map((file) => ({
    family: family.family,
    names: [family.family],
    style: file.style,
    weight: file.weight,
    italic: file.style === 'italic',
    width: 100,
    variable: false,
    path: file.path,
    index: 0,
    langs: [],
    charset: FontCatalog.EMPTY.coverage,
    source: family.source,
  }));
  return { family, names: [family.family], faces, coverage: FontCatalog.EMPTY.coverage };
}

/**
 * A CSS string literal: family names may hold quotes or backslashes, never a way out of the
 * rule; '<' is escaped too, so a name cannot close the page's <style> element.
 */
export function cssString(value: string): string {
  return `'${value.replace(/[\\']/g, '\\$&').replace(/</g, '\\3c ').replace(/\p{Cc}/gu, ' ')}'`;
}

async function timed<T>(work: () => Promise<T>): Promise<{ value?: T; error?: Error; ms: number }> {
  const started = performance.now();
  try {
    const value = await work();
    return { value, ms: Math.round(performance.now() - started) };
  } catch (error) {
    return { error: error instanceof Error ? error : new Error(String(error)), ms: Math.round(performance.now() - started) };
  }
}
