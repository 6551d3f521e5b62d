import { rgbToHsl } from '../../vision/color-math';
import { parsePromptStyle } from '../background/color-words';
import type { Rgb } from '../../vision/image.types';

export type PresetId = 'sale' | 'elegant' | 'minimal' | 'playful' | 'bold' | 'natural' | 'classic';
export type Treatment = 'shadow' | 'outline' | 'panel';

/** How prices, dates and percentages stand out from the line around them. */
export type EmphasisStyle = 'pill' | 'color' | 'weight';

export interface StylePreset {
  id: PresetId;
  headlineWeight: number;
  subWeight: number;
  emphasisWeight: number;
  /** In em: Korean display type is set slightly tight; spaced-out caps read as refined. */
  headlineTracking: number;
  subTracking: number;
  /** Applies to Latin letters only; Hangul has no case. */
  textTransform: 'none' | 'uppercase';
  /** Headline and sub-line size as multiples of the fitted base size (--fs). */
  headlineRatio: number;
  subRatio: number;
  /** Largest headline as a share of the canvas's short side: quiet styles leave more air. */
  maxShare: number;
  lineHeight: number;
  emphasis: EmphasisStyle;
  /** Accent when the prompt names no colour: a fixed hue, or the picture's most vivid colour. */
  accentRule: { kind: 'fixed'; color: Rgb } | { kind: 'palette' } | { kind: 'text' };
  /** Whether the headline itself takes the accent colour (bold posters), not only the emphasis. */
  accentHeadline: boolean;
  /** Order in which contrast treatments are tried when the colour alone is not enough. */
  treatments: Treatment[];
  /** Panel corner radius in em. */
  radius: number;
  /** Words (Korean stems and English) in the style prompt or the copy that pick this preset. */
  keywords: string[];
}

const SALE_RED: Rgb = [214, 40, 40];
const GOLD: Rgb = [201, 160, 78];
const LEAF_GREEN: Rgb = [62, 128, 82];

export const STYLE_PRESETS: Readonly<Record<PresetId, StylePreset>> = {
  sale: {
    id: 'sale', headlineWeight: 900, subWeight: 700, emphasisWeight: 900, headlineTracking: -0.03, subTracking: -0.01, textTransform: 'uppercase',
    headlineRatio: 1, subRatio: 0.56, maxShare: 0.12, lineHeight: 1.12, emphasis: 'pill', accentRule: { kind: 'fixed', color: SALE_RED }, accentHeadline: false,
    treatments: ['panel', 'outline', 'shadow'], radius: 0.25,
    keywords: ['특가', '세일', '할인', '최저가', '파격', '타임딜', '떨이', '반값', '1+1', '증정', '이벤트', '블랙프라이데이', 'sale', 'discount', 'deal', 'clearance', 'off', 'black friday', 'promo'],
  },
  elegant: {
    id: 'elegant', headlineWeight: 500, subWeight: 400, emphasisWeight: 600, headlineTracking: 0.02, subTracking: 0.06, textTransform: 'none',
    headlineRatio: 1, subRatio: 0.46, maxShare: 0.085, lineHeight: 1.25, emphasis: 'color', accentRule: { kind: 'fixed', color: GOLD }, accentHeadline: false,
    treatments: ['shadow', 'panel', 'outline'], radius: 0.1,
    keywords: ['고급', '럭셔리', '우아', '차분', '프리미엄', '세련', '품격', '격조', 'elegant', 'luxury', 'luxurious', 'premium', 'classy', 'sophisticated', 'calm', 'refined'],
  },
  minimal: {
    id: 'minimal', headlineWeight: 600, subWeight: 400, emphasisWeight: 700, headlineTracking: -0.01, subTracking: 0.01, textTransform: 'none',
    headlineRatio: 1, subRatio: 0.48, maxShare: 0.09, lineHeight: 1.2, emphasis: 'weight', accentRule: { kind: 'text' }, accentHeadline: false,
    treatments: ['shadow', 'panel', 'outline'], radius: 0.12,
    keywords: ['심플', '미니멀', '깔끔', '단순', '모던', 'minimal', 'minimalist', 'simple', 'clean', 'modern'],
  },
  playful: {
    id: 'playful', headlineWeight: 800, subWeight: 600, emphasisWeight: 800, headlineTracking: -0.01, subTracking: 0, textTransform: 'none',
    headlineRatio: 1, subRatio: 0.55, maxShare: 0.11, lineHeight: 1.15, emphasis: 'pill', accentRule: { kind: 'palette' }, accentHeadline: false,
    treatments: ['outline', 'panel', 'shadow'], radius: 0.6,
    keywords: ['귀여운', '귀엽', '발랄', '깜찍', '아기자기', '재미', '톡톡', '상큼', '키즈', 'playful', 'fun', 'cute', 'kids', 'pop', 'cheerful'],
  },
  bold: {
    id: 'bold', headlineWeight: 900, subWeight: 700, emphasisWeight: 900, headlineTracking: -0.035, subTracking: -0.01, textTransform: 'uppercase',
    headlineRatio: 1, subRatio: 0.5, maxShare: 0.12, lineHeight: 1.08, emphasis: 'color', accentRule: { kind: 'palette' }, accentHeadline: true,
    treatments: ['outline', 'shadow', 'panel'], radius: 0.2,
    keywords: ['강렬', '굵은', '굵게', '임팩트', '대담', '힘있', '강한', 'bold', 'strong', 'impact', 'heavy', 'loud', 'punchy'],
  },
  natural: {
    id: 'natural', headlineWeight: 700, subWeight: 400, emphasisWeight: 700, headlineTracking: -0.015, subTracking: 0.01, textTransform: 'none',
    headlineRatio: 1, subRatio: 0.5, maxShare: 0.1, lineHeight: 1.22, emphasis: 'color', accentRule: { kind: 'fixed', color: LEAF_GREEN }, accentHeadline: false,
    treatments: ['shadow', 'panel', 'outline'], radius: 0.3,
    keywords: ['자연', '내추럴', '유기농', '친환경', '신선', '산지', '농장', '수제', '건강', '제철', 'natural', 'organic', 'fresh', 'eco', 'farm', 'handmade', 'healthy'],
  },
  classic: {
    id: 'classic', headlineWeight: 800, subWeight: 500, emphasisWeight: 800, headlineTracking: -0.02, subTracking: 0, textTransform: 'none',
    headlineRatio: 1, subRatio: 0.5, maxShare: 0.11, lineHeight: 1.15, emphasis: 'color', accentRule: { kind: 'palette' }, accentHeadline: false,
    treatments: ['shadow', 'panel', 'outline'], radius: 0.25,
    keywords: [],
  },
};

/** Words asking for a treatment outright ("bold gold text with shadow", "흰 박스 위에"). */
const TREATMENT_WORDS: Record<Treatment, string[]> = {
  shadow: ['그림자', '섀도', 'shadow', 'glow', '글로우'],
  outline: ['외곽선', '테두리', '윤곽', 'outline', 'stroke', 'outlined'],
  panel: ['박스', '배경 상자', '띠지', '라벨', 'panel', 'box', 'banner', 'label', 'badge'],
};

const HANGUL = /[\uac00-\ud7a3]/;

/** Substring match for Korean stems (particles attach), whole-word match for Latin. */
function countHits(text: string, words: string[]): number {
  let hits = 0;
  for (const word of words) {
    if (HANGUL.test(word) || /[^a-z ]/.test(word)) {
      if (text.includes(word)) hits++;
    } else if (new RegExp(`(?<![a-z])${word}(?![a-z])`).test(text)) hits++;
  }
  return hits;
}

export interface StyleChoice {
  preset: StylePreset;
  /** Colour the prompt asked for (gold, 빨간...), else null: the preset's rule decides. */
  accent: Rgb | null;
  /** White / black named in the prompt are a text colour wish, not an accent. */
  textPreference: 'light' | 'dark' | null;
  /** Treatment the prompt asked for by name, drawn even where contrast would not need it. */
  requestedTreatment: Treatment | null;
  matched: string[];
}

/**
 * Preset from keywords: any match in the style prompt outranks the copy (the copy saying "할인"
 * makes a sale poster likely, but a prompt saying "고급스럽게" decides). Ties keep the order of
 * STYLE_PRESETS; nothing matched gives 'classic'.
 */
export function chooseStyle(stylePrompt: string, copy: string): StyleChoice {
  const prompt = stylePrompt.toLowerCase();
  const text = copy.toLowerCase();
  let best: StylePreset = STYLE_PRESETS.classic;
  let bestScore = 0;
  const matched: string[] = [];
  for (const preset of Object.values(STYLE_PRESETS)) {
    const promptHits = countHits(prompt, preset.keywords);
    // A percentage in the copy is a discount in all but name.
    const copyHits = countHits(text, preset.keywords) + (preset.id === 'sale' && /\d\s?%/.test(text) ? 1 : 0);
    // The prompt is the owner's explicit wish; the copy only decides when the prompt is silent.
    const score = promptHits * 100 + copyHits;
    if (score > 0) matched.push(preset.id);
    if (score > bestScore) {
      best = preset;
      bestScore = score;
    }
  }
  const style = parsePromptStyle(stylePrompt);
  let accent: Rgb | null = null;
  let textPreference: StyleChoice['textPreference'] = null;
  for (const color of style.colors) {
    const { l } = rgbToHsl(color);
    const spread = Math.max(...color) - Math.min(...color);
    if (spread < 24 && (l > 0.85 || l < 0.2)) textPreference ??= l > 0.5 ? 'light' : 'dark';
    else accent ??= color;
  }
  accent ??= style.accents[0]?.rgb ?? null;
  const requestedTreatment = (Object.keys(TREATMENT_WORDS) as Treatment[]).find((t) => countHits(prompt, TREATMENT_WORDS[t]) > 0) ?? null;
  return { preset: best, accent, textPreference, requestedTreatment, matched };
}

/** The most vivid palette colour that is not a trace (>= 3% of the picture), or null. */
export function vividPaletteColor(palette: Array<{ color: Rgb; share: number }>): Rgb | null {
  let best: Rgb | null = null;
  let bestChroma = 0.25;
  for (const { color, share } of palette) {
    if (share < 0.03) continue;
    const { s, l } = rgbToHsl(color);
    const chroma = s * (1 - Math.abs(2 * l - 1));
    if (chroma > bestChroma) {
      best = color;
      bestChroma = chroma;
    }
  }
  return best;
}
