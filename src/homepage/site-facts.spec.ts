import { describe, it } from 'node:test';
import { expect } from 'expect';
import { copyProblems, inventedFacts } from './site-facts';
import { paletteTheme, PRESETS, themeProblems } from './site-theme';

const FACTS = ['name: 밀밭베이커리', 'phone: 02-123-4567', 'hours: 화-일 08:00-20:00', 'product: 소금빵, 3,000원', 'about: 천연발효종으로 굽습니다'].join('\n');

describe('inventedFacts: copy may only restate what the shop said', () => {
  it('lets the shop\'s own numbers through, in any grouping', () => {
    expect(inventedFacts('소금빵은 3,000원, 화-일 08:00부터 20:00까지 굽습니다. 전화 02-123-4567', FACTS)).toEqual([]);
    expect(inventedFacts('소금빵 3000원', FACTS)).toEqual([]);
  });
  it('names numbers, amounts and claims the shop did not give', () => {
    expect(inventedFacts('30년 전통의 빵집, 2,500원부터', FACTS)).toEqual(['numbers the shop did not give: 30, 2500']);
    expect(inventedFacts('삼십 년 동안 다섯 명이 굽습니다', FACTS)).toEqual(['amounts the shop did not give: 삼십 년, 다섯 명']);
    expect(inventedFacts('리뷰 만점, 동네 맛집 ★', FACTS)).toEqual(['claims the shop did not make: 리뷰, 만점, 맛집, ★']);
    expect(inventedFacts('Award-winning bread for twenty years, now on sale', FACTS)).toEqual(['amounts the shop did not give: twenty years', 'claims the shop did not make: award, sale']);
    expect(inventedFacts('<b>빵</b> https://x.example', FACTS)).toEqual(['links, e-mail addresses and markup are not copy']);
  });
  it('allows a claim the shop made itself', () => {
    expect(inventedFacts('유기농 밀로 굽는 빵', `${FACTS}\nabout: 유기농 밀만 씁니다`)).toEqual([]);
  });
  it('does not read ordinary words as counts ("한 번", "세상")', () => {
    expect(inventedFacts('한 번 맛보면 세상이 달라 보이는 빵', FACTS)).toEqual([]);
  });
});

describe('copyProblems', () => {
  it('checks length and language, ignoring the names', () => {
    expect(copyProblems('tagline', '빵', { min: 4, max: 60 }, 'ko', FACTS, [])).toEqual(['tagline is 1 characters; it must be 4-60']);
    expect(copyProblems('tagline', 'Fresh bread daily', { min: 4, max: 60 }, 'ko', FACTS, [])).toEqual(['tagline must be written in Korean']);
    expect(copyProblems('about', '밀밭베이커리 bakes every morning.', { min: 4, max: 60 }, 'en', FACTS, ['밀밭베이커리'])).toEqual([]);
  });
});

describe('site themes', () => {
  it('every preset reads at 4.5:1 in every pairing', () => {
    for (const [name, theme] of Object.entries(PRESETS)) expect({ name, problems: themeProblems(theme) }).toEqual({ name, problems: [] });
  });
  it('refuses pale accents, dark surfaces and non-colours, naming the pairing', () => {
    expect(themeProblems({ ...PRESETS.warm, accent: '#f0c040' }).join(' ')).toMatch(/white button text on accent reads at [\d.]+:1/);
    expect(themeProblems({ ...PRESETS.warm, surface: '#202020' })).toContain('surface must be a light tint (within 1.15:1 of white)');
    expect(themeProblems({ ...PRESETS.warm, ink: 'red' })).toEqual(['ink must be a colour as #rrggbb']);
  });
  it("takes the ads' vivid colour, darkened to read, or nothing from grey ads", () => {
    const theme = paletteTheme([{ color: [240, 200, 40], share: 0.3 }, { color: [250, 250, 250], share: 0.7 }])!;
    expect(themeProblems(theme)).toEqual([]);
    expect(theme.accent).not.toBe(PRESETS.warm.accent);
    expect(paletteTheme([{ color: [128, 128, 128], share: 1 }])).toBeNull();
  });
});
