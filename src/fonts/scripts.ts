import type { CodePointSet } from './charset';
import type { Script } from './fonts.types';

/** Every Script, in the order the API lists them; the check below fails to compile if one is left out. */
export const SCRIPTS = ['Hangul', 'Latin', 'Han', 'Hiragana', 'Katakana', 'Cyrillic', 'Greek', 'Emoji'] as const satisfies readonly Script[];
type Unlisted = Exclude<Script, (typeof SCRIPTS)[number]>;
const everyScriptListed: [Unlisted] extends [never] ? true : never = true;
void everyScriptListed;

interface ScriptTest {
  /** Blocks whose coverage is counted. */
  ranges: Array<[number, number]>;
  /** Code points of those blocks the font must have to count as supporting the script. */
  minimum: number;
}

/**
 * A font "supports" a script when it covers enough of the script's core block to set ordinary
 * text, not when it has one stray glyph (many Latin fonts carry a few Greek letters for math).
 */
const SCRIPT_TESTS: Record<Script, ScriptTest> = {
  // Older Korean fonts ship only the 2,350 KS X 1001 syllables, which cover everyday Korean.
  Hangul: { ranges: [[0xac00, 0xd7a3]], minimum: 2350 },
  Latin: { ranges: [[0x41, 0x5a], [0x61, 0x7a]], minimum: 52 },
  // KS X 1001's 4,888 Hanja, JIS level 1 (~2,965) and GB2312 (~6,763) are all above this.
  Han: { ranges: [[0x4e00, 0x9fff]], minimum: 2000 },
  Hiragana: { ranges: [[0x3041, 0x3096]], minimum: 80 },
  Katakana: { ranges: [[0x30a1, 0x30fa]], minimum: 84 },
  Cyrillic: { ranges: [[0x410, 0x44f]], minimum: 64 },
  Greek: { ranges: [[0x391, 0x3a1], [0x3a3, 0x3a9], [0x3b1, 0x3c9]], minimum: 49 },
  // Emoticons block: the faces people actually type.
  Emoji: { ranges: [[0x1f600, 0x1f64f]], minimum: 40 },
};

export function detectScripts(charset: CodePointSet): Script[] {
  return SCRIPTS.filter((script) => {
    const test = SCRIPT_TESTS[script];
    const covered = test.ranges.reduce((sum, [start, end]) => sum + charset.countIn(start, end), 0);
    return covered >= test.minimum;
  });
}

const HANGUL = /\p{Script=Hangul}/u;

export function containsHangul(text: string): boolean {
  return HANGUL.test(text);
}

/**
 * Code points nothing is drawn for, so no font needs them: whitespace, controls, format
 * characters (ZWJ, BOM, soft hyphen), variation selectors and emoji tag characters.
 */
const INVISIBLE = /[\p{White_Space}\p{Cc}\p{Cf}\u{FE00}-\u{FE0F}\u{E0100}-\u{E01EF}]/u;

export function isInvisible(codePoint: number): boolean {
  return INVISIBLE.test(String.fromCodePoint(codePoint));
}

const graphemeSegmenter = new Intl.Segmenter('und', { granularity: 'grapheme' });

/** `text` cut into user-perceived characters ("👍🏽" and "e\u0301" are one each). */
export function graphemes(text: string): string[] {
  return [...graphemeSegmenter.segment(text)].map((s) => s.segment);
}

/** One entry per user-perceived character ("👍🏽" is one), each with the code points a font must draw. */
export function visibleGraphemes(text: string): Array<{ grapheme: string; codePoints: number[] }> {
  const out: Array<{ grapheme: string; codePoints: number[] }> = [];
  for (const segment of graphemes(text.normalize('NFC'))) {
    const chars = [...segment];
    const codePoints = chars.map((c) => c.codePointAt(0) ?? 0).filter((cp) => !isInvisible(cp));
    if (codePoints.length === 0) continue;
    // A stray ZWJ or variation selector at an edge joins the cluster but is not worth reporting.
    const visibleAt = (c: string) => !isInvisible(c.codePointAt(0) ?? 0);
    const grapheme = chars.slice(chars.findIndex(visibleAt), chars.findLastIndex(visibleAt) + 1).join('');
    out.push({ grapheme, codePoints });
  }
  return out;
}

/** The distinct visible code points of `text`, in first-seen order. */
export function visibleCodePoints(text: string): number[] {
  return [...new Set(visibleGraphemes(text).flatMap((g) => g.codePoints))];
}
