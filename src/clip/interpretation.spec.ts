import { describe, it } from 'node:test';
import { expect } from 'expect';
import { CLIP_INTERPRETATION_BANDS, CLIP_INTERPRETATION_SOURCES, describeCosine, interpretCosine } from './interpretation';

describe('CLIP interpretation bands', () => {
  it('are ascending and contiguous and cover [-1, 1]', () => {
    const bands = CLIP_INTERPRETATION_BANDS;
    expect(bands[0].minCosine).toBe(-1);
    expect(bands[bands.length - 1].maxCosine).toBe(1);
    for (let i = 1; i < bands.length; i++) {
      expect(bands[i].minCosine).toBe(bands[i - 1].maxCosine);
      expect(bands[i].minCosine).toBeGreaterThan(bands[i - 1].minCosine);
    }
  });

  it('place the published ViT-B/32 anchors where their sources put them', () => {
    // LAION-5B keeps English pairs from 0.28; LAION-400M from 0.3 (human-checked fit).
    expect(interpretCosine(0.28).id).toBe('good');
    expect(interpretCosine(0.3).id).toBe('good');
    expect(interpretCosine(0.279).id).not.toBe('good');
    // The CLIPScore repo's good example captions average cosine 0.343: a strong match.
    expect(interpretCosine(0.343).id).toBe('strong');
    // The seed called 0.7 "very high"; real CLIP never gets there, but it still maps to the top band.
    expect(interpretCosine(0.7).id).toBe('strong');
    expect(interpretCosine(1).id).toBe('strong');
    expect(interpretCosine(0.1).id).toBe('unrelated');
    expect(interpretCosine(-1).id).toBe('unrelated');
  });

  it('label and explain every band in Korean and English, and name the basis of each boundary', () => {
    for (const band of CLIP_INTERPRETATION_BANDS) {
      for (const text of [band.label.ko, band.label.en, band.meaning.ko, band.meaning.en, band.basis]) expect(text.trim().length).toBeGreaterThan(0);
      expect(band.label.ko).toMatch(/[\uac00-\ud7a3]/);
    }
    expect(CLIP_INTERPRETATION_BANDS.some((b) => b.judgementCall)).toBe(true);
    expect(CLIP_INTERPRETATION_SOURCES.map((s) => s.key)).toEqual(expect.arrayContaining(['hessel2021', 'laion400m', 'laion5b']));
  });

  it('describe a cosine in either language, and refuse to read meaning into a test model', () => {
    expect(describeCosine(0.31, 'en')).toMatch(/^Good match: /);
    expect(describeCosine(0.31, 'ko')).toMatch(/^잘 맞음: /);
    expect(describeCosine(0.31, 'en', true)).toMatch(/test model/);
    expect(() => interpretCosine(Number.NaN)).toThrow(RangeError);
  });
});
