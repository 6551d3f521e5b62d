import type { Rgb } from '../../vision/image.types';

export type FloorMaterial = 'wood' | 'marble' | 'concrete' | 'fabric' | 'paper';

/** Each axis in [-1, 1]; 0 leaves the scheme as the palette suggests. */
export interface MoodShift {
  warmth: number;
  brightness: number;
  saturation: number;
}

export interface PromptStyle {
  /** Colours in the order the prompt names them. */
  colors: Rgb[];
  mood: MoodShift;
  material: FloorMaterial | null;
  /** Secondary colours a word implies without asking for them outright (luxury → gold light). */
  accents: Rgb[];
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
}

// Colours are backdrop-friendly renditions (a "red" wall is a studio red, not #FF0000).
const RED: Rgb = [180, 38, 34];
const GOLD: Rgb = [201, 160, 78];
const FESTIVE_RED: Rgb = [150, 24, 22];

/**
 * Korean entries are stems: particles and 색/빛 attach directly ("빨간색의", "금색으로"), so they
 * are matched as substrings. Stems that are common inside unrelated words are avoided (금 alone
 * would match 금요일, so only 금색/금빛/황금 are listed).
 */
const LEXICON: readonly LexiconEntry[] = [
  { id: 'red', words: ['red', '빨간', '빨강', '레드', '붉은', '적색'], colors: [RED] },
  { id: 'gold', words: ['gold', 'golden', '금색', '금빛', '황금', '골드'], colors: [GOLD] },
  { id: 'beige', words: ['beige', 'cream', '베이지', '크림색', '아이보리', 'ivory'], colors: [[226, 208, 180]] },
  { id: 'navy', words: ['navy', '남색', '네이비'], colors: [[30, 44, 86]] },
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
  { id: 'pastel', words: ['pastel', '파스텔'], mood: { brightness: 0.35, saturation: -0.45 } },
  { id: 'warm', words: ['warm', '따뜻', '따스', '포근'], mood: { warmth: 0.6 } },
  { id: 'cool', words: ['cool', '시원', '차가운', '청량'], mood: { warmth: -0.6 } },
  { id: 'dark', words: ['dark', '어두운', '어둡', '다크'], mood: { brightness: -0.55 } },
  { id: 'bright', words: ['bright', 'light', '밝은', '환한', '화사'], mood: { brightness: 0.4 } },
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

/**
 * Reads colour, mood and material words from a prompt (Korean or English). Colours named in
 * `negativePrompt` are left out.
 */
export function parsePromptStyle(prompt: string, negativePrompt = ''): PromptStyle {
  const vetoed = new Set(entriesIn(negativePrompt).map((hit) => hit.entry.id));
  const colors: Rgb[] = [];
  const accents: Rgb[] = [];
  const mood: MoodShift = { warmth: 0, brightness: 0, saturation: 0 };
  const matchedWords: string[] = [];
  const seen = new Set<string>();
  let material: FloorMaterial | null = null;
  for (const { word, entry } of entriesIn(prompt)) {
    matchedWords.push(word);
    if (seen.has(entry.id)) continue;
    seen.add(entry.id);
    if (entry.material && material === null) material = entry.material;
    if (entry.mood) {
      mood.warmth += entry.mood.warmth ?? 0;
      mood.brightness += entry.mood.brightness ?? 0;
      mood.saturation += entry.mood.saturation ?? 0;
    }
    if (entry.accents && !vetoed.has(entry.id)) accents.push(...entry.accents);
    if (entry.colors && !vetoed.has(entry.id)) {
      for (const color of entry.colors) {
        if (!colors.some((c) => sameColor(c, color))) colors.push(color);
      }
    }
  }
  const limit = (v: number) => Math.max(-1, Math.min(1, v));
  return {
    colors,
    mood: { warmth: limit(mood.warmth), brightness: limit(mood.brightness), saturation: limit(mood.saturation) },
    material,
    accents,
    matchedWords,
  };
}

/** Nearest lexicon colour name, for human-readable descriptions. */
export function colorName(color: Rgb): string {
  let best = 'neutral';
  let bestDistance = Infinity;
  for (const entry of LEXICON) {
    if (!entry.colors || entry.colors.length !== 1) continue;
    const [c] = entry.colors;
    const d = (c[0] - color[0]) ** 2 + (c[1] - color[1]) ** 2 + (c[2] - color[2]) ** 2;
    if (d < bestDistance) {
      bestDistance = d;
      best = entry.id === 'skyblue' ? 'sky blue' : entry.id;
    }
  }
  return best;
}
