import { describe, it } from 'node:test';
import { expect } from 'expect';
import { CodePointSet } from './charset';
import { fontconfigWeightToCss, parseFontconfigOutput } from './fonts.repository';
import { containsHangul, detectScripts, visibleGraphemes } from './scripts';

describe('CodePointSet', () => {
  it('parses fontconfig ranges and single code points', () => {
    const set = CodePointSet.parseFontconfig('20-7e a0 ac00-d7a3 1f600-1f64f');
    expect(set.has(0x20)).toBe(true);
    expect(set.has(0x7e)).toBe(true);
    expect(set.has(0x7f)).toBe(false);
    expect(set.has(0xa0)).toBe(true);
    expect(set.has(0xa1)).toBe(false);
    expect(set.has(0xac00)).toBe(true);
    expect(set.has(0xd7a4)).toBe(false);
    expect(set.has(0x1f600)).toBe(true);
    expect(set.has(0x1f650)).toBe(false);
    expect(set.size).toBe(95 + 1 + 11172 + 80);
  });

  it('merges overlapping and adjacent ranges whatever their order', () => {
    const set = CodePointSet.parseFontconfig('50-60 20-30 31-40 55-70');
    expect([...set.ranges()]).toEqual([[0x20, 0x40], [0x50, 0x70]]);
  });

  it('skips malformed tokens instead of failing', () => {
    const set = CodePointSet.parseFontconfig('zz 41-40 20-21 110000 7e');
    expect([...set.ranges()]).toEqual([[0x20, 0x21], [0x7e, 0x7e]]);
  });

  it('counts the code points of a block it covers', () => {
    const set = CodePointSet.fromRanges([[0x41, 0x45], [0x61, 0x7a], [0x100, 0x200]]);
    expect(set.countIn(0x41, 0x5a)).toBe(5);
    expect(set.countIn(0x43, 0x63)).toBe(3 + 3);
    expect(set.countIn(0x300, 0x400)).toBe(0);
  });

  it('unions sets', () => {
    const union = CodePointSet.union([CodePointSet.parseFontconfig('20-30'), CodePointSet.parseFontconfig('31-40 ac00')]);
    expect([...union.ranges()]).toEqual([[0x20, 0x40], [0xac00, 0xac00]]);
  });
});

describe('scripts', () => {
  it('needs a usable share of a block, not one stray glyph', () => {
    expect(detectScripts(CodePointSet.parseFontconfig('20-7e ac00-d7a3'))).toEqual(['Hangul', 'Latin']);
    expect(detectScripts(CodePointSet.parseFontconfig('41-5a 61-7a 3b1 ac00'))).toEqual(['Latin']);
    expect(detectScripts(CodePointSet.parseFontconfig('1f600-1f64f'))).toEqual(['Emoji']);
  });

  it('finds Hangul syllables and jamo', () => {
    expect(containsHangul('Sale 20% 특가')).toBe(true);
    expect(containsHangul('ㅋㅋ')).toBe(true);
    expect(containsHangul('漢字 かな ABC')).toBe(false);
  });

  it('keeps whole graphemes and drops what is never drawn', () => {
    const graphemes = visibleGraphemes('가 👍🏽\te\u0301\u200d\n');
    expect(graphemes.map((g) => g.grapheme)).toEqual(['가', '👍🏽', 'é']);
    expect(graphemes[1].codePoints).toEqual([0x1f44d, 0x1f3fd]);
  });
});

describe('fontconfig output', () => {
  it('maps fontconfig weights to CSS weights', () => {
    const table: Array<[number, number]> = [[0, 100], [40, 200], [50, 300], [80, 400], [100, 500], [180, 600], [200, 700], [205, 800], [210, 900], [75, 400], [215, 900]];
    for (const [fc, css] of table) expect([fc, fontconfigWeightToCss(fc)]).toEqual([fc, css]);
  });

  it('parses tab-separated faces and drops formats a browser cannot load', () => {
    const line = (family: string, weight: string, slant: string, file: string) =>
      [family, 'Bold,Regular', weight, slant, '100', 'False', '65537', file, 'ko|en', '20-7e ac00-d7a3'].join('\t');
    const out = [
      line('NanumGothic,나눔고딕', '200', '0', '/f/NanumGothicBold.ttf'),
      line('Fixed', '80', '0', '/f/6x13.pcf.gz'),
      line('Inter,Inter Variable', '[0 210]', '100', '/f/Inter.ttf'),
      'garbage line',
    ].join('\n');
    const records = parseFontconfigOutput(out, 'system');
    expect(records).toHaveLength(2);
    expect(records[0]).toMatchObject({ family: 'NanumGothic', names: ['NanumGothic', '나눔고딕'], style: 'Bold', weight: 700, italic: false, index: 65537, langs: ['ko', 'en'], variable: false });
    expect(records[0].charset.has(0xac00)).toBe(true);
    expect(records[1]).toMatchObject({ family: 'Inter', weight: 400, italic: true, variable: true });
  });
});
