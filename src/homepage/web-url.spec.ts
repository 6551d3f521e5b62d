import 'reflect-metadata';
import { describe, it } from 'node:test';
import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { expect } from 'expect';
import { HomepageLinksDto, HomepageProductDto } from './dto/homepage-request.dto';
import { readLink } from './web-url';

const NAVER = 'https://map.naver.com/p/search/%EC%86%8C%EA%B8%88%EB%B9%B5%20%EC%97%B0%EA%B5%AC%EC%86%8C';

describe('readLink: links read as a browser reads them (WHATWG URL)', () => {
  it('takes Hangul and spaces as typed, percent-encoded', () => {
    expect(readLink('https://map.naver.com/p/search/소금빵 연구소', 'https')).toEqual({ href: NAVER });
    expect(readLink('  https://map.naver.com/p/search/소금빵 연구소\n', 'https')).toEqual({ href: NAVER });
    expect(readLink('https://place.map.kakao.com/12345?q=빵집#리뷰', 'https')).toEqual({ href: 'https://place.map.kakao.com/12345?q=%EB%B9%B5%EC%A7%91#%EB%A6%AC%EB%B7%B0' });
  });
  it('turns a Hangul host into punycode (as Python idna spells it) and lower-cases the host', () => {
    expect(readLink('https://소금빵.한국/메뉴', 'https')).toEqual({ href: 'https://xn--jj0bn52a0jc.xn--3e0b707e/%EB%A9%94%EB%89%B4' });
    expect(readLink('HTTPS://WWW.Instagram.COM/Shop', 'https')).toEqual({ href: 'https://www.instagram.com/Shop' });
  });
  it('keeps an href that is already normalized as it is', () => {
    expect(readLink(NAVER, 'https')).toEqual({ href: NAVER });
    expect(readLink('https://naver.me/x1AbC', 'https')).toEqual({ href: 'https://naver.me/x1AbC' });
  });
  it('refuses other schemes, http where https is asked, credentials, bare hosts and what does not parse', () => {
    const problem = (raw: unknown, scheme: 'https' | 'http(s)' = 'https') => (readLink(raw, scheme) as { problem?: string }).problem;
    expect(problem('javascript:alert(1)')).toBe('must be an https URL, not javascript:');
    expect(problem('data:text/html,<script>alert(1)</script>')).toBe('must be an https URL, not data:');
    expect(problem('JaVaScRiPt:alert(1)', 'http(s)')).toBe('must be an http(s) URL, not javascript:');
    expect(problem('http://naver.me/x1AbC')).toBe('must start with https:// (http:// links are not taken here)');
    expect(problem('https://user:pw@naver.me/x')).toBe('must not carry a user name or password before the host');
    expect(problem('https://naver/x')).toBe('must name a public host (naver has no dot)');
    for (const raw of ['map.naver.com/p/search/소금빵', '//naver.me/x', 'https://', 'https://exa mple.com/', '소금빵 연구소', '']) {
      expect({ raw, problem: problem(raw) }).toEqual({ raw, problem: 'must be an https URL such as https://map.naver.com/...' });
    }
    expect(problem(42)).toBe('must be a URL as text');
  });
  it('lets http through where the field allows it', () => {
    expect(readLink('http://shop.example.kr/소금빵', 'http(s)')).toEqual({ href: 'http://shop.example.kr/%EC%86%8C%EA%B8%88%EB%B9%B5' });
  });
});

describe('the DTOs store the normalized href and name the field of a refused link', () => {
  it('normalizes links.* and products[].link on the way in', () => {
    const links = plainToInstance(HomepageLinksDto, { naver_map: 'https://map.naver.com/p/search/소금빵 연구소' });
    expect(validateSync(links)).toEqual([]);
    expect(links.naver_map).toBe(NAVER);
    const product = plainToInstance(HomepageProductDto, { name: '소금빵', link: 'http://shop.example.kr/소금빵' });
    expect(validateSync(product)).toEqual([]);
    expect(product.link).toBe('http://shop.example.kr/%EC%86%8C%EA%B8%88%EB%B9%B5');
  });
  it('refuses with a message that starts with the field', () => {
    const errors = validateSync(plainToInstance(HomepageLinksDto, { instagram: 'http://instagram.com/shop', kakao_map: 'javascript:alert(1)' }));
    expect(Object.fromEntries(errors.map((x) => [x.property, Object.values(x.constraints ?? {})]))).toEqual({
      kakao_map: ['links.kakao_map must be an https URL, not javascript:'],
      instagram: ['links.instagram must start with https:// (http:// links are not taken here)'],
    });
  });
  it('refuses a link longer than 2048 characters once encoded', () => {
    const errors = validateSync(plainToInstance(HomepageLinksDto, { naver_map: `https://map.naver.com/${'빵'.repeat(300)}` }));
    expect(errors[0]?.constraints).toEqual({ isLink: 'links.naver_map must be at most 2048 characters once encoded' });
  });
});
