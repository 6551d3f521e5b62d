import { describe, it } from 'node:test';
import { expect } from 'expect';
import type { Rgb } from '../../vision/image.types';
import { rgbToHsl } from '../../vision/color-math';
import { colorName, parsePromptStyle } from './color-words';

function hueOf(c: Rgb): number {
  return rgbToHsl(c).h;
}

describe('parsePromptStyle', () => {
  it('reads Korean colour stems with particles attached', () => {
    const style = parsePromptStyle('빨간색과 파란색의 배경, 금색으로 포인트');
    expect(style.colors.map(colorName)).toEqual(['red', 'blue', 'gold']);
    expect(style.matchedWords).toEqual(['빨간', '파란', '금색']);
  });

  it('reads English colour words and keeps prompt order', () => {
    const style = parsePromptStyle('A navy backdrop with pink accents');
    expect(style.colors.map(colorName)).toEqual(['navy', 'pink']);
  });

  it('does not fire inside other words', () => {
    // "tired" contains "red", "redwood" is not red; 금요일 (Friday) must not read as gold.
    const style = parsePromptStyle('tired of redwood, 금요일 세일');
    expect(style.colors).toEqual([]);
  });

  it('prefers the longer phrase when one word sits inside another', () => {
    const style = parsePromptStyle('sky blue studio');
    expect(style.colors.map(colorName)).toEqual(['sky blue']);
  });

  it('maps the traditional-holiday words to deep red and gold', () => {
    for (const word of ['명절', '설날', '추석']) {
      const [first, second] = parsePromptStyle(`${word} 선물세트`).colors;
      expect(hueOf(first) > 340 || hueOf(first) < 10).toBe(true);
      expect(hueOf(second)).toBeGreaterThan(30);
      expect(hueOf(second)).toBeLessThan(55);
    }
  });

  it('turns mood words into signed shifts', () => {
    expect(parsePromptStyle('따뜻한 느낌').mood.warmth).toBeGreaterThan(0);
    expect(parsePromptStyle('cool and clean').mood.warmth).toBeLessThan(0);
    expect(parsePromptStyle('어두운 배경').mood.brightness).toBeLessThan(0);
    expect(parsePromptStyle('bright pastel').mood.brightness).toBeGreaterThan(0);
    expect(parsePromptStyle('파스텔 톤').mood.saturation).toBeLessThan(0);
    expect(parsePromptStyle('시장 느낌').mood.warmth).toBeGreaterThan(0);
    expect(parsePromptStyle('').mood).toEqual({ warmth: 0, brightness: 0, saturation: 0 });
  });

  it('clamps stacked moods to [-1, 1]', () => {
    const { mood } = parsePromptStyle('dark 어두운 다크 luxury 고급');
    expect(mood.brightness).toBe(-1);
  });

  it('finds the floor material in either language', () => {
    expect(parsePromptStyle('원목 테이블 위').material).toBe('wood');
    expect(parsePromptStyle('marble table, luxury').material).toBe('marble');
    expect(parsePromptStyle('콘크리트 바닥').material).toBe('concrete');
    expect(parsePromptStyle('linen cloth').material).toBe('fabric');
    expect(parsePromptStyle('studio').material).toBeNull();
  });

  it('treats luxury gold as an accent, not the wall colour', () => {
    const style = parsePromptStyle('luxury');
    expect(style.colors).toEqual([]);
    expect(style.accents.map((c) => c.name)).toEqual(['gold']);
    expect(style.accents[0].metallic).toBe(true);
  });

  it('drops colours the negative prompt names', () => {
    const style = parsePromptStyle('red and gold', 'no red, 빨간색 금지');
    expect(style.colors.map(colorName)).toEqual(['gold']);
  });

  it('does not repeat a colour named twice', () => {
    expect(parsePromptStyle('빨간 red 레드').colors).toHaveLength(1);
  });

  it('reads hex codes in place, named after the nearest colour', () => {
    const style = parsePromptStyle('brand colour #1e2c56 with a #FC0 accent');
    expect(style.named.map((c) => [c.word, c.name])).toEqual([['#1e2c56', 'navy'], ['#fc0', 'yellow']]);
    expect(style.colors[1]).toEqual([255, 204, 0]);
    expect(parsePromptStyle('#12345g, #1234567').colors).toEqual([]);
  });

  it('shades the colour a modifier stands before, and leaves the mood alone then', () => {
    const lum = (c: readonly number[]) => c[0] + c[1] + c[2];
    const navy = parsePromptStyle('남색').colors[0];
    const deep = parsePromptStyle('짙은 남색');
    expect(lum(deep.colors[0])).toBeLessThan(lum(navy));
    expect(deep.named[0].shade).toBe('deep');
    expect(deep.mood.brightness).toBe(0);
    expect(lum(parsePromptStyle('연한 분홍').colors[0])).toBeGreaterThan(lum(parsePromptStyle('분홍').colors[0]));
    expect(lum(parsePromptStyle('light blue').colors[0])).toBeGreaterThan(lum(parsePromptStyle('blue').colors[0]));
    // Not followed by a colour, a modifier is a mood again.
    expect(parsePromptStyle('짙은 분위기').mood.brightness).toBeLessThan(0);
  });

  it('marks gold, silver and bronze as metallic, and finds silver only where it is named', () => {
    const style = parsePromptStyle('명절 느낌의 빨간색과 금색');
    expect(style.named.map((c) => [c.name, c.metallic])).toEqual([['red', false], ['gold', true]]);
    expect(parsePromptStyle('은색 배경').named[0]).toMatchObject({ name: 'silver', metallic: true });
    expect(parsePromptStyle('검은색 배경').named.map((c) => c.name)).toEqual(['black']);
    expect(parsePromptStyle('rose gold and navy').named.map((c) => c.name)).toEqual(['rose gold', 'navy']);
  });
});
