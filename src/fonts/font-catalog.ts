import { CodePointSet } from './charset';
import type { FontFamily } from './fonts.types';
import type { FontRecord } from './fonts.repository';
import { containsHangul, detectScripts } from './scripts';

/** A family as the service keeps it: the public shape plus what lookups and bundles need. */
export interface CatalogFamily {
  family: FontFamily;
  /** Every name the family answers to (fontconfig's localized names included), as declared. */
  names: string[];
  /** One face per (weight, style): the files @font-face rules point at. */
  faces: FontRecord[];
  /** Code points any of the faces covers. */
  coverage: CodePointSet;
}

/** Defaults in order. Nanum Gothic first: it is what the seed's Korean ads were set in. */
const HANGUL_SANS = ['NanumGothic', 'Nanum Gothic', 'NanumBarunGothic', 'Noto Sans CJK KR', 'Noto Sans KR', 'Source Han Sans KR', 'Source Han Sans K', 'Pretendard', 'Spoqa Han Sans Neo', 'Malgun Gothic', 'Apple SD Gothic Neo', 'UnDotum', 'Baekmuk Gulim'];
const LATIN_SANS = ['DejaVu Sans', 'Noto Sans', 'Liberation Sans', 'Arial', 'Helvetica', 'Roboto', 'Open Sans'];
/** Names that say "not a plain sans": a default should not be a serif, a handwriting or a code font. */
const NOT_PLAIN_SANS = /myeongjo|batang|gungseo|serif|mono|coding|pen|brush|script|hand|math|symbol|emoji|명조|바탕|궁서|코딩|펜|붓/i;
const EMOJI_NAME = /emoji/i;

export function previewUrlFor(family: string): string {
  return `/fonts/${encodeURIComponent(family)}/preview.png`;
}

/** Lookup key: names match case-insensitively and whatever Unicode normalization the client used. */
export function nameKey(name: string): string {
  return name.normalize('NFC').trim().toLowerCase();
}

export class FontCatalog {
  static readonly EMPTY = new FontCatalog([]);

  /** Hangul-capable families first, then by name. */
  readonly families: CatalogFamily[];
  /** Everything any installed font can draw. */
  readonly coverage: CodePointSet;
  private readonly byName = new Map<string, CatalogFamily>();

  private constructor(families: CatalogFamily[]) {
    this.families = families.sort(
      (a, b) => Number(b.family.scripts.includes('Hangul')) - Number(a.family.scripts.includes('Hangul')) || a.family.family.localeCompare(b.family.family, 'en'),
    );
    this.coverage = CodePointSet.union(families.map((f) => f.coverage));
    // Primary names first, so an alias never shadows another family's own name.
    for (const entry of this.families) this.byName.set(nameKey(entry.family.family), entry);
    for (const entry of this.families) for (const name of entry.names) if (!this.byName.has(nameKey(name))) this.byName.set(nameKey(name), entry);
  }

  /** Groups faces into families by their first name; FONTS_DIR faces replace system faces in the same slot. */
  static build(records: FontRecord[]): FontCatalog {
    const groups = new Map<string, FontRecord[]>();
    for (const record of records) {
      const key = nameKey(record.family);
      const group = groups.get(key);
      if (group) group.push(record);
      else groups.set(key, [record]);
    }
    return new FontCatalog([...groups.values()].map(toCatalogFamily));
  }

  get hangulCapable(): boolean {
    return this.families.some((f) => f.family.scripts.includes('Hangul'));
  }

  find(name: string): CatalogFamily | undefined {
    return this.byName.get(nameKey(name));
  }

  /** The best plain sans for `text`: a Hangul one whenever one exists; undefined only when none fits. */
  defaultFamily(text = ''): CatalogFamily | undefined {
    const hangul = this.families.filter((f) => f.family.scripts.includes('Hangul'));
    if (hangul.length > 0) return pick(hangul, HANGUL_SANS);
    if (containsHangul(text) || this.families.length === 0) return undefined;
    const latin = this.families.filter((f) => f.family.scripts.includes('Latin'));
    return pick(latin.length > 0 ? latin : this.families, LATIN_SANS);
  }

  /**
   * Families to add after `primary` so that `codePoints` are drawn: greedy set cover, taking
   * at each step the family covering most of what is still missing. Ties go to emoji fonts
   * (so 😀 comes out in colour where one is installed), then to the preferred sans families.
   */
  fallbacksFor(primary: CatalogFamily, codePoints: number[], max = 4): CatalogFamily[] {
    let missing = codePoints.filter((cp) => !primary.coverage.has(cp));
    const chosen: CatalogFamily[] = [];
    const candidates = this.families.filter((f) => f !== primary).sort((a, b) => fallbackRank(a) - fallbackRank(b));
    while (missing.length > 0 && chosen.length < max) {
      let best: CatalogFamily | undefined;
      let bestCount = 0;
      for (const candidate of candidates) {
        if (chosen.includes(candidate)) continue;
        const count = missing.filter((cp) => candidate.coverage.has(cp)).length;
        if (count > bestCount) [best, bestCount] = [candidate, count];
      }
      if (!best) break;
      const picked = best;
      chosen.push(picked);
      missing = missing.filter((cp) => !picked.coverage.has(cp));
    }
    return chosen;
  }
}

function pick(families: CatalogFamily[], preference: string[]): CatalogFamily {
  for (const name of preference) {
    const hit = families.find((f) => f.names.some((n) => nameKey(n) === nameKey(name)));
    if (hit) return hit;
  }
  return families.find((f) => !NOT_PLAIN_SANS.test(f.names.join(' '))) ?? families[0];
}

function fallbackRank(entry: CatalogFamily): number {
  if (EMOJI_NAME.test(entry.family.family)) return 0;
  const sans = [...HANGUL_SANS, ...LATIN_SANS].findIndex((name) => entry.names.some((n) => nameKey(n) === nameKey(name)));
  return sans >= 0 ? 1 + sans : 100;
}

function toCatalogFamily(records: FontRecord[]): CatalogFamily {
  const slots = new Map<string, FontRecord>();
  for (const record of records) {
    const slot = `${record.weight}/${record.italic ? 'italic' : 'normal'}`;
    const held = slots.get(slot);
    if (!held || faceOrder(record, held) < 0) slots.set(slot, record);
  }
  const faces = [...slots.values()].sort((a, b) => a.weight - b.weight || Number(a.italic) - Number(b.italic));
  const coverage = CodePointSet.union(faces.map((f) => f.charset));
  const name = records[0].family;
  return {
    names: [...new Set(records.flatMap((r) => r.names))],
    faces,
    coverage,
    // Frozen: list() hands these out, and a caller sorting `weights` must not reorder everyone's.
    family: deepFreeze({
      family: name,
      weights: [...new Set(faces.map((f) => f.weight))],
      styles: (['normal', 'italic'] as const).filter((style) => faces.some((f) => f.italic === (style === 'italic'))),
      scripts: detectScripts(coverage),
      files: faces.map((f) => ({ path: f.path, weight: f.weight, style: f.italic ? 'italic' : 'normal' })),
      source: faces.some((f) => f.source === 'fonts-dir') ? 'fonts-dir' : 'system',
      previewUrl: previewUrlFor(name),
    }),
  };
}

function deepFreeze(family: FontFamily): FontFamily {
  for (const value of [family.weights, family.styles, family.scripts, ...family.files, family.files]) Object.freeze(value);
  return Object.freeze(family);
}

/**
 * Which of two faces in one (weight, style) slot to keep: the user's FONTS_DIR file, then the
 * normal width (DejaVu Sans Condensed shares DejaVu Sans's family name), then a static face or
 * named instance over a variable font's default pattern, then the lower collection index.
 */
function faceOrder(a: FontRecord, b: FontRecord): number {
  return (
    Number(b.source === 'fonts-dir') - Number(a.source === 'fonts-dir') ||
    Math.abs(a.width - 100) - Math.abs(b.width - 100) ||
    Number(a.variable) - Number(b.variable) ||
    a.index - b.index
  );
}
