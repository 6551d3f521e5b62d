import { describe, it } from 'node:test';
import { expect } from 'expect';
import { ApiKeyMatcher, parseApiKeys } from './api-keys';
import { canonicalJson, idempotencyKey } from '../auth/submission';

describe('parseApiKeys', () => {
  it('reads named keys, the admin role and the API_KEY shorthand', () => {
    const { keys, problems } = parseApiKeys(' shop-a:aaaaaaaaaaaaaaaa1 , ops:bbbbbbbbbbbbbbbb2:admin ', 'cccccccccccccccc3');
    expect(problems).toEqual([]);
    expect(keys).toEqual([
      { name: 'shop-a', secret: 'aaaaaaaaaaaaaaaa1', admin: false },
      { name: 'ops', secret: 'bbbbbbbbbbbbbbbb2', admin: true },
      { name: 'admin', secret: 'cccccccccccccccc3', admin: true },
    ]);
  });

  it('names each bad entry without printing its secret', () => {
    const { problems } = parseApiKeys('bad name:xxxxxxxxxxxxxxxxxx,short:abc,x:yyyyyyyyyyyyyyyyyyyy:root,a:zzzzzzzzzzzzzzzz,a:wwwwwwwwwwwwwwww,b:zzzzzzzzzzzzzzzz', 'tiny');
    expect(problems).toHaveLength(6);
    expect(problems.join('\n')).not.toMatch(/xxxx|abc|yyyy|zzzz|wwww|tiny"/);
    expect(problems.join('\n')).toMatch(/entry 1:.*name/);
    expect(problems.join('\n')).toMatch(/entry 2 \(short\).*16 characters/);
    expect(problems.join('\n')).toMatch(/name:secret:admin/);
    expect(problems.join('\n')).toMatch(/"a" is used twice/);
    expect(problems.join('\n')).toMatch(/"b" has the same secret/);
  });
});

describe('ApiKeyMatcher', () => {
  it('finds the key whatever its position and length, and nothing for near misses', () => {
    const matcher = new ApiKeyMatcher(parseApiKeys('a:aaaaaaaaaaaaaaaa1,b:bbbbbbbbbbbbbbbbbbbbbbbbbbbb2', undefined).keys);
    expect(matcher.match('bbbbbbbbbbbbbbbbbbbbbbbbbbbb2')?.name).toBe('b');
    expect(matcher.match('aaaaaaaaaaaaaaaa1')?.name).toBe('a');
    for (const wrong of ['aaaaaaaaaaaaaaaa', 'aaaaaaaaaaaaaaaa1 ', '', undefined]) expect(matcher.match(wrong)).toBeUndefined();
    expect(new ApiKeyMatcher([]).enabled).toBe(false);
  });
});

describe('idempotency', () => {
  it('orders object keys, so the same request in another key order is the same request', () => {
    expect(canonicalJson({ b: 1, a: { d: [2, { f: 1, e: 0 }], c: null } })).toBe('{"a":{"c":null,"d":[2,{"e":0,"f":1}]},"b":1}');
    expect(canonicalJson({ a: 1, b: undefined })).toBe(canonicalJson({ a: 1 }));
  });

  it('takes 1-255 visible ASCII characters', () => {
    expect(idempotencyKey(undefined)).toBeUndefined();
    expect(idempotencyKey('550e8400-e29b-41d4-a716-446655440000')).toBe('550e8400-e29b-41d4-a716-446655440000');
    for (const bad of ['', 'k'.repeat(256), 'has space', '키']) expect(() => idempotencyKey(bad)).toThrow(/Idempotency-Key/);
  });
});
