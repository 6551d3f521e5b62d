import { describe, it } from 'node:test';
import { expect } from 'expect';
import type { Rgb } from '../../vision/image.types';
import { chooseStyle, STYLE_PRESETS, vividPaletteColor } from './style-presets';

describe('chooseStyle', () => {
  const cases: Array<[string, string, string]> = [
    ['', '명절 특가! 사과 한 박스', 'sale'],
    ['', '겨울 세일 시작', 'sale'],
    ['', 'Summer SALE', 'sale'],
    ['', '전 품목 30% off', 'sale'],
    ['고급스럽고 차분한 느낌', '신상 입고', 'elegant'],
    ['럭셔리하게', '', 'elegant'],
    ['elegant, luxury', '', 'elegant'],
    ['심플하게', '', 'minimal'],
    ['minimal and clean', '', 'minimal'],
    ['귀여운 느낌으로', '', 'playful'],
    ['fun and playful', '', 'playful'],
    ['bold gold text with shadow', '', 'bold'],
    ['강렬하게', '', 'bold'],
    ['유기농 느낌', '', 'natural'],
    ['fresh, organic', '', 'natural'],
    ['', '가을 신상 입고', 'classic'],
  ];
  for (const [prompt, copy, expected] of cases) {
    it(`"${prompt}" + "${copy}" -> ${expected}`, () => {
      expect(chooseStyle(prompt, copy).preset.id).toBe(expected);
    });
  }

  it('lets the style prompt outrank sale words in the copy', () => {
    expect(chooseStyle('고급스럽게', '명절 특가 30% 할인 세일').preset.id).toBe('elegant');
    expect(chooseStyle('bold gold text with shadow', '설 선물세트 30% 할인!').preset.id).toBe('bold');
  });

  it('reads colour words as the accent and asks for the named treatment', () => {
    const bold = chooseStyle('bold gold text with shadow', '');
    const [r, g, b] = bold.accent!;
    expect(r).toBeGreaterThan(g);
    expect(g).toBeGreaterThan(b);
    expect(bold.requestedTreatment).toBe('shadow');
    const red = chooseStyle('빨간색 포인트', '').accent!;
    expect(red[0]).toBeGreaterThan(120);
    expect(red[1]).toBeLessThan(80);
    expect(chooseStyle('흰 박스 위에 검은 글씨', '').requestedTreatment).toBe('panel');
    expect(chooseStyle('외곽선 있는 글씨', '').requestedTreatment).toBe('outline');
    expect(chooseStyle('', '').accent).toBeNull();
    expect(chooseStyle('', '').requestedTreatment).toBeNull();
  });

  it('treats white / black as a text colour wish, not an accent', () => {
    const white = chooseStyle('흰 글씨로', '');
    expect(white.textPreference).toBe('light');
    expect(white.accent).toBeNull();
    expect(chooseStyle('black text', '').textPreference).toBe('dark');
  });

  it('does not fire English keywords inside other words', () => {
    // "offer" is not "off", "boldly" is fine to miss, "funnel" is not "fun".
    expect(chooseStyle('a special offer funnel', '').preset.id).toBe('classic');
  });

  it('defines every preset with sane ratios', () => {
    for (const p of Object.values(STYLE_PRESETS)) {
      expect(p.subRatio).toBeGreaterThan(0.35);
      expect(p.subRatio).toBeLessThan(p.headlineRatio);
      expect(p.maxShare).toBeLessThanOrEqual(0.12);
      expect(p.treatments.length).toBeGreaterThan(0);
    }
  });
});

describe('vividPaletteColor', () => {
  it('picks the most colourful entry that is not a trace', () => {
    const palette: Array<{ color: Rgb; share: number }> = [
      { color: [220, 215, 210], share: 0.7 },
      { color: [180, 40, 30], share: 0.2 },
      { color: [0, 255, 0], share: 0.01 },
    ];
    expect(vividPaletteColor(palette)).toEqual([180, 40, 30]);
    expect(vividPaletteColor([{ color: [128, 128, 128], share: 1 }])).toBeNull();
  });
});
