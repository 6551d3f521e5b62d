import { describe, it } from 'node:test';
import { expect } from 'expect';
import { escapeHtml } from '../../common/html';
import { bindShortWords, findEmphasis, longestWordEm, splitCopy } from './copy-split';

const NBSP = '\u00a0';

describe('splitCopy', () => {
  it('splits Korean copy after the exclamation and emphasises the price', () => {
    const s = splitCopy('명절 특가! 사과 한 박스 20,000원');
    expect(s.headline).toBe('명절 특가!');
    expect(s.subline).toBe('사과 한 박스 20,000원');
    expect(s.sublineHtml).toContain('<span class="price">20,000원</span>');
    expect(s.headlineHtml).not.toContain('<span');
  });

  it('splits English copy at a spaced dash and marks the percentage', () => {
    const s = splitCopy('Summer SALE — 30% off everything');
    expect(s.headline).toBe('Summer SALE');
    expect(s.subline).toBe('30% off everything');
    expect(s.sublineHtml).toBe('<span class="percent">30% off</span> everything');
  });

  it('keeps short copy without a natural split on one line', () => {
    const s = splitCopy('  가을   신상 입고 ');
    expect(s.headline).toBe('가을 신상 입고');
    expect(s.subline).toBe('');
    expect(s.sublineHtml).toBe('');
  });

  it('uses a line break, then a comma in long copy, then a trailing price as the split', () => {
    expect(splitCopy('첫 줄\n둘째 줄 5,000원')).toMatchObject({ headline: '첫 줄', subline: '둘째 줄 5,000원' });
    expect(splitCopy('갓 내린 에스프레소, 하루의 시작 아메리카노 3,500원')).toMatchObject({ headline: '갓 내린 에스프레소', subline: '하루의 시작 아메리카노 3,500원' });
    expect(splitCopy('갓 내린 에스프레소 아메리카노 단돈 3,500원')).toMatchObject({ headline: '갓 내린 에스프레소 아메리카노 단돈', subline: '3,500원' });
    expect(splitCopy('Only $9.99 today. Order now!')).toMatchObject({ headline: 'Only $9.99 today', subline: 'Order now!' });
    // A decimal point and a date are not sentence ends.
    expect(splitCopy('2026.01.27 오픈 기념').subline).toBe('');
  });

  it('escapes markup in the copy so a <script> shows as text', () => {
    const s = splitCopy('<script>alert("x")</script> & \'quotes\'! <img src=x onerror=alert(1)>');
    const html = s.headlineHtml + s.sublineHtml;
    expect(html).not.toMatch(/<script|<img/i);
    expect(html).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;');
    expect(html).toContain('&amp;');
    expect(html).toContain('&#39;quotes&#39;');
    expect(escapeHtml('<>&"\'')).toBe('&lt;&gt;&amp;&quot;&#39;');
  });
});

describe('findEmphasis', () => {
  const kinds = (text: string) => findEmphasis(text).map((e) => [e.kind, e.text]);

  it('finds Korean and symbol prices', () => {
    expect(kinds('사과 20,000원')).toEqual([['price', '20,000원']]);
    expect(kinds('감귤 3만원, 배 1만 5천원')).toEqual([
      ['price', '3만원'],
      ['price', '1만 5천원'],
    ]);
    expect(kinds('아메리카노 ₩3,500 / $9.99')).toEqual([
      ['price', '₩3,500'],
      ['price', '$9.99'],
    ]);
    // 원 inside words is not money.
    expect(kinds('원두 회원 특가')).toEqual([]);
  });

  it('finds dates in three Korean notations and percentages', () => {
    expect(kinds('12/25 크리스마스')).toEqual([['date', '12/25']]);
    expect(kinds('12월 25일 (목)까지')).toEqual([['date', '12월 25일 (목)']]);
    expect(kinds('2026.01.27 오픈')).toEqual([['date', '2026.01.27']]);
    expect(kinds('전 품목 30% 할인')).toEqual([['percent', '30% 할인']]);
    expect(kinds('up to 50%')).toEqual([['percent', '50%']]);
  });
});

describe('line-break helpers', () => {
  it('binds one-syllable Korean words to a neighbour', () => {
    expect(bindShortWords('오늘의 커피 한 잔 4,000원')).toBe(`오늘의 커피 한${NBSP}잔 4,000원`);
    expect(bindShortWords('가을 신상 입고 중')).toBe(`가을 신상 입고${NBSP}중`);
    expect(bindShortWords('Summer sale')).toBe('Summer sale');
    expect(splitCopy('오늘의 커피 한 잔').headlineHtml).toContain(`한${NBSP}잔`);
  });

  it('estimates the longest word: Hangul ~1em a syllable, Latin narrower', () => {
    expect(longestWordEm('명절 특가')).toBe(2);
    expect(longestWordEm('에스프레소')).toBe(5);
    expect(longestWordEm('sale')).toBeLessThan(3);
  });
});
