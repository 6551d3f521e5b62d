import type { Rgb } from '../../vision/image.types';
import { clamp, deltaE, hslToRgb, rgbOf, rgbToHsl } from '../../vision/color-math';

export type FloorMaterial = 'wood' | 'marble' | 'concrete' | 'fabric' | 'paper';

/** Each axis in [-1, 1]; 0 leaves the scheme as the palette suggests. */
export interface MoodShift {
  warmth: number;
  brightness: number;
  saturation: number;
}

/** A colour the prompt asks for, as the backdrop will use it. */
export interface NamedColor {
  /** The prompt's own word ("빨간", "#c8102e", "명절" for the colours a holiday implies). */
  word: string;
  /** Lexicon name ("red", "gold"); the nearest one for a hex code. */
  name: string;
  rgb: Rgb;
  /** Gold, silver, bronze...: drawn as a warm or cool highlight gradient, never a flat fill. */
  metallic: boolean;
  /** A modifier just before the word ("짙은", "pale", "파스텔") already applied to `rgb`. */
  shade: Shade | null;
}

export type Shade = 'deep' | 'pale' | 'pastel';

export interface PromptStyle {
  /** Colours in the order the prompt names them. */
  colors: Rgb[];
  /** The same colours, one for one, with the words that asked for them. */
  named: NamedColor[];
  mood: MoodShift;
  material: FloorMaterial | null;
  /** Secondary colours a word implies without asking for them outright (luxury → gold light). */
  accents: NamedColor[];
  /** Lexicon words found in the prompt, in prompt order. */
  matchedWords: string[];
}

interface LexiconEntry {
  id: string;
  words: string[];
  colors?: Rgb[];
  accents?: Rgb[];
  mood?: Partial<MoodShift>;
  material?: FloorMaterial;
  metallic?: boolean;
  /** A modifier: it shades the colour word right after it, or else moves the mood. */
  shade?: Shade;
}

// Colours are backdrop-friendly renditions (a "red" wall is a studio red, not #FF0000).
const RED: Rgb = [180, 38, 34];
const GOLD: Rgb = [214, 168, 60];
const FESTIVE_RED: Rgb = [150, 24, 22];

/**
 * Korean entries are stems: particles and 색/빛 attach directly ("빨간색의", "금색으로"), so they
 * are matched as substrings. Stems that are common inside unrelated words are avoided (금 alone
 * would match 금요일, so only 금색/금빛/황금 are listed).
 */
const LEXICON: readonly LexiconEntry[] = [
  { id: 'red', words: ['red', '빨간', '빨강', '레드', '붉은', '적색'], colors: [RED] },
  { id: 'gold', words: ['gold', 'golden', '금색', '금빛', '황금', '골드'], colors: [GOLD], metallic: true },
  { id: 'rose gold', words: ['rose gold', '로즈골드', '로즈 골드'], colors: [[214, 150, 130]], metallic: true },
  { id: 'silver', words: ['silver', '은색', '은빛', '실버'], colors: [[186, 190, 196]], metallic: true },
  { id: 'bronze', words: ['bronze', 'copper', '브론즈', '청동', '구리빛', '코퍼'], colors: [[170, 106, 58]], metallic: true },
  { id: 'burgundy', words: ['burgundy', 'wine', '버건디', '와인색', '자주'], colors: [[112, 22, 40]] },
  { id: 'coral', words: ['coral', '코랄', '산호'], colors: [[240, 122, 98]] },
  { id: 'lavender', words: ['lavender', '라벤더', '연보라'], colors: [[180, 160, 216]] },
  { id: 'teal', words: ['teal', 'turquoise', '청록', '틸', '터콰이즈'], colors: [[22, 124, 126]] },
  { id: 'olive', words: ['olive', 'khaki', '올리브', '카키'], colors: [[112, 114, 52]] },
  { id: 'beige', words: ['beige', 'cream', '베이지', '크림색', '아이보리', 'ivory'], colors: [[226, 208, 180]] },
  { id: 'navy', words: ['navy blue', 'navy', '남색', '네이비'], colors: [[30, 44, 86]] },
  { id: 'mint', words: ['mint', '민트'], colors: [[168, 222, 200]] },
  { id: 'pink', words: ['pink', '분홍', '핑크'], colors: [[236, 168, 188]] },
  { id: 'white', words: ['white', '흰', '하얀', '화이트', '백색'], colors: [[240, 238, 234]] },
  { id: 'black', words: ['black', '검은', '검정', '블랙', '흑색'], colors: [[30, 30, 33]] },
  { id: 'green', words: ['green', '초록', '녹색', '그린'], colors: [[62, 128, 82]] },
  { id: 'skyblue', words: ['sky blue', '하늘색'], colors: [[150, 196, 230]] },
  { id: 'blue', words: ['blue', '파란', '파랑', '블루', '청색'], colors: [[46, 98, 178]] },
  { id: 'purple', words: ['purple', 'violet', '보라', '퍼플'], colors: [[118, 78, 158]] },
  { id: 'orange', words: ['orange', '주황', '오렌지'], colors: [[226, 128, 52]] },
  { id: 'yellow', words: ['yellow', '노란', '노랑', '옐로'], colors: [[238, 200, 74]] },
  { id: 'brown', words: ['brown', '갈색', '브라운'], colors: [[122, 82, 52]] },
  { id: 'gray', words: ['gray', 'grey', '회색', '그레이'], colors: [[150, 150, 150]] },
  { id: 'pastel', words: ['pastel', '파스텔'], mood: { brightness: 0.35, saturation: -0.45 }, shade: 'pastel' },
  { id: 'deep', words: ['deep', 'rich', '짙은', '진한', '딥'], mood: { brightness: -0.3 }, shade: 'deep' },
  { id: 'pale', words: ['pale', '연한', '옅은'], mood: { brightness: 0.25, saturation: -0.2 }, shade: 'pale' },
  { id: 'warm', words: ['warm', '따뜻', '따스', '포근'], mood: { warmth: 0.6 } },
  { id: 'cool', words: ['cool', '시원', '차가운', '청량'], mood: { warmth: -0.6 } },
  { id: 'dark', words: ['dark', '어두운', '어둡', '다크'], mood: { brightness: -0.55 }, shade: 'deep' },
  { id: 'bright', words: ['bright', 'light', '밝은', '환한', '화사'], mood: { brightness: 0.4 }, shade: 'pale' },
  { id: 'luxury', words: ['luxury', 'premium', '고급', '럭셔리', '프리미엄'], mood: { brightness: -0.6, saturation: -0.6, warmth: 0.1 }, accents: [GOLD] },
  { id: 'natural', words: ['natural', 'nature', '자연', '내추럴'], mood: { warmth: 0.25, saturation: -0.15 } },
  { id: 'wood', words: ['wood', 'wooden', '나무', '원목', '우드'], material: 'wood' },
  { id: 'marble', words: ['marble', '대리석', '마블'], material: 'marble' },
  { id: 'concrete', words: ['concrete', 'cement', '콘크리트', '시멘트'], material: 'concrete' },
  { id: 'fabric', words: ['fabric', 'linen', 'cloth', '패브릭', '린넨', '리넨'], material: 'fabric' },
  { id: 'paper', words: ['paper', '종이', '페이퍼'], material: 'paper' },
  { id: 'sunset', words: ['sunset', '노을', '석양'], colors: [[232, 128, 70], [196, 96, 120]], mood: { warmth: 0.5 } },
  { id: 'sea', words: ['sea', 'ocean', '바다', '해변', 'beach'], colors: [[58, 128, 176], [226, 214, 188]], mood: { warmth: -0.2 } },
  { id: 'christmas', words: ['christmas', 'xmas', '크리스마스', '성탄'], colors: [[28, 82, 52], RED, GOLD] },
  // Seollal and Chuseok posters lean on deep red and gold (복주머니, 보자기 wrapping).
  { id: 'korean-holiday', words: ['명절', '설날', '추석', '한가위', 'lunar new year'], colors: [FESTIVE_RED, GOLD] },
  { id: 'market', words: ['market', '시장', '장터'], mood: { warmth: 0.55, saturation: 0.1 } },
  { id: 'studio', words: ['studio', '스튜디오'], mood: { saturation: -0.1 } },
  { id: 'minimal', words: ['minimal', 'minimalist', 'clean', '미니멀', '심플', '깔끔'], mood: { saturation: -0.35, brightness: 0.15 } },
];

const HANGUL = /[\uac00-\ud7a3]/;

interface Hit {
  index: number;
  word: string;
  entry: LexiconEntry;
}

function findHits(text: string, entry: LexiconEntry): Hit[] {
  const hits: Hit[] = [];
  for (const word of entry.words) {
    let from = 0;
    for (;;) {
      const index = text.indexOf(word, from);
      if (index < 0) break;
      from = index + word.length;
      // Latin words need word boundaries ("red" must not fire inside "tired"); Korean stems
      // take particles, so only the start is checked against another Latin letter.
      if (!HANGUL.test(word)) {
        const before = text[index - 1] ?? ' ';
        const after = text[index + word.length] ?? ' ';
        if (/[a-z]/.test(before) || /[a-z]/.test(after)) continue;
      }
      hits.push({ index, word, entry });
    }
  }
  return hits;
}

/** Ids of lexicon entries named in a text, e.g. so a negative prompt can veto colours. */
function entriesIn(text: string): Hit[] {
  const lower = text.toLowerCase();
  const hits = LEXICON.flatMap((entry) => findHits(lower, entry));
  hits.sort((a, b) => a.index - b.index || b.word.length - a.word.length);
  // Drop hits nested inside a longer hit ("sky blue" already covers "blue").
  const kept: Hit[] = [];
  let coveredTo = -1;
  for (const hit of hits) {
    if (hit.index < coveredTo) continue;
    kept.push(hit);
    coveredTo = hit.index + hit.word.length;
  }
  return kept;
}

function sameColor(a: Rgb, b: Rgb): boolean {
  return Math.abs(a[0] - b[0]) + Math.abs(a[1] - b[1]) + Math.abs(a[2] - b[2]) < 60;
}

/** Modifiers stand right before their colour: "짙은 남색", "deep red", "파스텔핑크". */
const MODIFIER_GAP = 2;

/** What a designer means by each modifier, in HSL: deep keeps the hue's intensity while darkening. */
function shaded(color: Rgb, shade: Shade): Rgb {
  const hsl = rgbToHsl(color);
  if (shade === 'deep') return hslToRgb({ ...hsl, l: hsl.l * 0.62, s: clamp(hsl.s * 1.08, 0, 1) });
  if (shade === 'pale') return hslToRgb({ ...hsl, l: hsl.l + (1 - hsl.l) * 0.35 });
  return hslToRgb({ ...hsl, l: Math.max(hsl.l, 0.84), s: Math.min(hsl.s, 0.55) });
}

const HEX_CODE = /#(?:[0-9a-f]{6}|[0-9a-f]{3})(?![0-9a-z])/g;

function hexHits(text: string): Array<{ index: number; word: string; rgb: Rgb }> {
  const hits: Array<{ index: number; word: string; rgb: Rgb }> = [];
  for (const m of text.matchAll(HEX_CODE)) {
    const hex = m[0].length === 4 ? `#${[...m[0].slice(1)].map((c) => c + c).join('')}` : m[0];
    const rgb = rgbOf(hex);
    if (rgb) hits.push({ index: m.index, word: m[0], rgb });
  }
  return hits;
}

/** Gold (however a word reaches it) and the single-colour metallic words are drawn as metal. */
function isMetallic(entry: LexiconEntry, color: Rgb): boolean {
  return color === GOLD || (entry.metallic === true && entry.colors?.length === 1);
}

/**
 * Reads colour, mood and material words from a prompt (Korean or English), and hex codes.
 * Colours named in `negativePrompt` are left out.
 */
export function parsePromptStyle(prompt: string, negativePrompt = ''): PromptStyle {
  const vetoed = new Set(entriesIn(negativePrompt).map((hit) => hit.entry.id));
  const named: NamedColor[] = [];
  const accents: NamedColor[] = [];
  const mood: MoodShift = { warmth: 0, brightness: 0, saturation: 0 };
  const matchedWords: string[] = [];
  const seen = new Set<string>();
  let material: FloorMaterial | null = null;
  const add = (color: NamedColor) => {
    if (!named.some((c) => sameColor(c.rgb, color.rgb))) named.push(color);
  };
  const hits = entriesIn(prompt);
  const lower = prompt.toLowerCase();
  const hexes = hexHits(lower);
  // A modifier followed closely by a colour (a word or a hex code) shades that colour instead of the mood.
  const shadeFor = new Map<number, Shade>();
  const consumed = new Set<Hit>();
  hits.forEach((hit, i) => {
    if (!hit.entry.shade) return;
    const end = hit.index + hit.word.length;
    const next = hits[i + 1];
    const nextColor = next?.entry.colors && next.index - end <= MODIFIER_GAP ? next.index : hexes.find((h) => h.index >= end && h.index - end <= MODIFIER_GAP)?.index;
    if (nextColor === undefined) return;
    shadeFor.set(nextColor, hit.entry.shade);
    consumed.add(hit);
  });
  const events = [...hits.map((hit) => ({ index: hit.index, hit })), ...hexes.map((hex) => ({ index: hex.index, hex }))].sort((a, b) => a.index - b.index);
  for (const event of events) {
    const shade = shadeFor.get(event.index) ?? null;
    if ('hex' in event) {
      const rgb = shade ? shaded(event.hex.rgb, shade) : event.hex.rgb;
      matchedWords.push(event.hex.word);
      add({ word: event.hex.word, name: colorName(event.hex.rgb), rgb, metallic: false, shade });
      continue;
    }
    const { word, entry } = event.hit;
    matchedWords.push(word);
    if (seen.has(entry.id)) continue;
    seen.add(entry.id);
    if (entry.material && material === null) material = entry.material;
    if (entry.mood && !consumed.has(event.hit)) {
      mood.warmth += entry.mood.warmth ?? 0;
      mood.brightness += entry.mood.brightness ?? 0;
      mood.saturation += entry.mood.saturation ?? 0;
    }
    if (entry.accents && !vetoed.has(entry.id)) accents.push(...entry.accents.map((rgb: Rgb) => ({ word, name: colorName(rgb), rgb, metallic: isMetallic(entry, rgb), shade: null })));
    if (entry.colors && !vetoed.has(entry.id)) {
      for (const color of entry.colors) {
        const name = entry.colors.length === 1 ? entry.id.replace('skyblue', 'sky blue') : colorName(color);
        add({ word, name, rgb: shade ? shaded(color, shade) : color, metallic: isMetallic(entry, color), shade });
      }
    }
  }
  const limit = (v: number) => Math.max(-1, Math.min(1, v));
  return {
    colors: named.map((c) => c.rgb),
    named,
    mood: { warmth: limit(mood.warmth), brightness: limit(mood.brightness), saturation: limit(mood.saturation) },
    material,
    accents,
    matchedWords,
  };
}

/** Nearest lexicon colour name (by CIE76 difference), for human-readable descriptions. */
export function colorName(color: Rgb): string {
  let best = 'neutral';
  let bestDistance = Infinity;
  for (const entry of LEXICON) {
    if (!entry.colors || entry.colors.length !== 1) continue;
    const [c] = entry.colors;
    const d = deltaE(c, color);
    if (d < bestDistance) {
      bestDistance = d;
      best = entry.id === 'skyblue' ? 'sky blue' : entry.id;
    }
  }
  return best;
}
