/**
 * What a CLIP ViT-B/32 cosine means, in Korean and English.
 *
 * CLIP is trained contrastively with a learned temperature that scales cosines by up to 100
 * before the softmax (Radford et al., 2021): it only has to rank the right caption a few
 * hundredths above the wrong ones, so matched image-caption pairs sit around 0.25-0.35 and the
 * seed's "0.7 = very high" is never reached. The bands below are placed on that real range.
 * Every boundary names its basis; the ones marked `judgementCall` are this project's choice
 * between published anchors, not measurements.
 *
 * They were set for raw prompts on openai/clip-vit-base-patch32. koclip's text tower was trained
 * to land Korean sentences on CLIP's English text embeddings (Reimers & Gurevych, 2020), so its
 * cosines fall in the same range, but the bands are an approximation there (a judgement call).
 * For a test model (`testModel: true`) no band means anything.
 */

export type ClipBandId = 'unrelated' | 'weak' | 'partial' | 'good' | 'strong';
export type ClipLanguage = 'ko' | 'en';

export interface ClipInterpretationBand {
  id: ClipBandId;
  /** Inclusive lower bound on the cosine. */
  minCosine: number;
  /** Exclusive upper bound on the cosine; the last band includes 1. */
  maxCosine: number;
  label: Record<ClipLanguage, string>;
  meaning: Record<ClipLanguage, string>;
  /** Where the lower boundary comes from. */
  basis: string;
  /** True when the lower boundary is this project's judgement rather than a published number. */
  judgementCall: boolean;
}

export interface ClipSource {
  key: string;
  citation: string;
  /** What is taken from it. */
  relied: string;
}

export const CLIP_INTERPRETATION_SOURCES: readonly ClipSource[] = [
  {
    key: 'hessel2021',
    citation:
      'Hessel, Holtzman, Forbes, Le Bras, Choi (2021). CLIPScore: A Reference-free Evaluation Metric for Image Captioning. EMNLP 2021, 7514-7528. arXiv:2104.08718',
    relied: 'CLIP-S = 2.5 * max(cos, 0) computed with CLIP ViT-B/32.',
  },
  {
    key: 'clipscore-repo',
    citation: 'The authors\' reference implementation, github.com/jmhessel/clipscore (README, ViT-B/32, text prefix "A photo depicts")',
    relied: 'Its example good captions average CLIP-S 0.8584 (cosine 0.343); its deliberately worse captions 0.7153 (cosine 0.286).',
  },
  {
    key: 'laion400m',
    citation: 'Schuhmann et al. (2021). LAION-400M: Open Dataset of CLIP-Filtered 400 Million Image-Text Pairs. arXiv:2111.02114',
    relied: 'Pairs below ViT-B/32 cosine 0.3 were dropped, a threshold chosen by human evaluation of fit; 0.28-0.29 "also seemed okay in many cases".',
  },
  {
    key: 'laion5b',
    citation: 'Schuhmann et al. (2022). LAION-5B: An open large-scale dataset for training next generation image-text models. NeurIPS Datasets and Benchmarks',
    relied: 'English pairs were kept at ViT-B/32 cosine >= 0.28.',
  },
  {
    key: 'radford2021',
    citation: 'Radford et al. (2021). Learning Transferable Visual Models From Natural Language Supervision. ICML 2021. arXiv:2103.00020',
    relied: 'Contrastive training with a learned temperature clipped at a logit scale of 100: why absolute cosines stay far below 1.',
  },
  {
    key: 'reimers2020',
    citation: 'Reimers & Gurevych (2020). Making Monolingual Sentence Embeddings Multilingual using Knowledge Distillation. EMNLP 2020. arXiv:2004.09813',
    relied: 'The training method of Bingsu/clip-vit-base-patch32-ko (koclip): Korean text mapped onto CLIP\'s English text embeddings.',
  },
];

/** Ascending, contiguous, covering [-1, 1]. */
export const CLIP_INTERPRETATION_BANDS: readonly ClipInterpretationBand[] = [
  {
    id: 'unrelated',
    minCosine: -1,
    maxCosine: 0.15,
    label: { ko: '관련 없음', en: 'Unrelated' },
    meaning: { ko: '이미지와 문구가 사실상 관련이 없습니다.', en: 'The image and the text are practically unrelated.' },
    basis: 'Everything below the weak band.',
    judgementCall: false,
  },
  {
    id: 'weak',
    minCosine: 0.15,
    maxCosine: 0.22,
    label: { ko: '약한 관련', en: 'Weak' },
    meaning: {
      ko: '겹치는 단어나 분위기 정도만 이미지에 드러납니다.',
      en: 'Only a word or the general mood of the text shows in the image.',
    },
    basis: 'Mismatched image-caption pairs commonly score about 0.1-0.18 on ViT-B/32: 0.15 is placed inside that spread (judgement, no single published measurement).',
    judgementCall: true,
  },
  {
    id: 'partial',
    minCosine: 0.22,
    maxCosine: 0.28,
    label: { ko: '부분 일치', en: 'Partial match' },
    meaning: {
      ko: '주제는 맞지만 문구의 일부가 이미지에 드러나지 않습니다.',
      en: 'The subject matches but part of the text is not shown in the image.',
    },
    basis: 'Halfway between the weak band and the LAION-5B acceptance threshold (judgement).',
    judgementCall: true,
  },
  {
    id: 'good',
    minCosine: 0.28,
    maxCosine: 0.33,
    label: { ko: '잘 맞음', en: 'Good match' },
    meaning: {
      ko: '문구가 이미지를 잘 설명합니다. 웹의 이미지-설명 쌍을 걸러 낼 때 통과하는 수준입니다.',
      en: 'The text describes the image well: the level web image-caption pairs must reach to pass CLIP filtering.',
    },
    basis: 'LAION-5B keeps English pairs at cosine >= 0.28; LAION-400M\'s human evaluation found 0.28-0.3 acceptable (laion5b, laion400m).',
    judgementCall: false,
  },
  {
    id: 'strong',
    minCosine: 0.33,
    maxCosine: 1,
    label: { ko: '매우 잘 맞음', en: 'Strong match' },
    meaning: {
      ko: '잘 쓴 캡션 수준으로 이미지와 문구가 일치합니다.',
      en: 'The image and the text match as well as a well-written caption does.',
    },
    basis: 'Just under the 0.343 average cosine of the CLIPScore reference implementation\'s good example captions (clipscore-repo); where exactly to put it is a judgement.',
    judgementCall: true,
  },
];

export function interpretCosine(cosine: number): ClipInterpretationBand {
  if (!Number.isFinite(cosine)) throw new RangeError(`cosine must be a finite number, got ${cosine}`);
  const bands = CLIP_INTERPRETATION_BANDS;
  return bands.find((band) => cosine >= band.minCosine && cosine < band.maxCosine) ?? (cosine >= 1 ? bands[bands.length - 1] : bands[0]);
}

/** One line for an API response, e.g. "Good match: The text describes the image well: ...". */
export function describeCosine(cosine: number, language: ClipLanguage, testModel = false): string {
  if (testModel) {
    return language === 'ko'
      ? '테스트용 모델의 점수라서 의미가 없습니다 (models:pull 로 실제 CLIP 을 설치하세요).'
      : 'Score from a test model: it means nothing (install real CLIP with models:pull).';
  }
  const band = interpretCosine(cosine);
  return `${band.label[language]}: ${band.meaning[language]}`;
}
