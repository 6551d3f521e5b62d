import { describe, it } from 'node:test';
import { expect } from 'expect';
import type { Request, Response } from 'express';
import { DomainException } from './errors/domain.exception';
import { parseJsonBody } from './json-body';

/** Runs the parser on raw bytes as the raw reader leaves them; returns the body or the error it passed on. */
function parse(body: unknown, contentType = 'application/json'): { body?: unknown; error?: unknown } {
  const req = { body, headers: { 'content-type': contentType } } as unknown as Request;
  let error: unknown;
  parseJsonBody(req, {} as Response, (e?: unknown) => (error = e));
  return error === undefined ? { body: req.body } : { error };
}

describe('parseJsonBody', () => {
  it('reads an ASCII body and one with Korean copy alike, a BOM ignored', () => {
    const image = Buffer.from([0xfb, 0xff, 0x00, 0x10]).toString('base64');
    expect(parse(Buffer.from(JSON.stringify({ product_image: image, seed: 3 })))).toEqual({ body: { product_image: image, seed: 3 } });
    const korean = { text_content: '명절 특가! 사과 한 박스 20,000원', escaped: 'caf\u00e9', product_image: image };
    expect(parse(Buffer.from(JSON.stringify(korean)), 'application/json; charset=UTF-8')).toEqual({ body: korean });
    // An escape is the character it names, in an ASCII body (read as Latin-1) and beside raw UTF-8.
    expect(parse(Buffer.from('{"a":"\\u00e9\\uba85"}'))).toEqual({ body: { a: 'é명' } });
    expect(parse(Buffer.from('{"a":"\\u00e9 é"}'))).toEqual({ body: { a: 'é é' } });
    expect(parse(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('{"a":1}')]))).toEqual({ body: { a: 1 } });
  });

  it('takes an empty body as {}, and leaves what the raw reader did not read alone', () => {
    expect(parse(Buffer.alloc(0))).toEqual({ body: {} });
    expect(parse(undefined)).toEqual({ body: undefined });
  });

  it('refuses malformed JSON, a bare value and another charset with the envelope code', () => {
    for (const [bytes, type, said] of [
      ['{"a": ', 'application/json', /malformed/],
      ['"just a string"', 'application/json', /not a JSON object or array/],
      ['null', 'application/json', /not a JSON object or array/],
      ['{"a":1}', 'application/json; charset=iso-8859-1', /UTF-8.*iso-8859-1/],
    ] as const) {
      const { error } = parse(Buffer.from(bytes), type);
      expect(error).toBeInstanceOf(DomainException);
      expect((error as DomainException).code).toBe('INVALID_PARAMETER');
      expect((error as Error).message).toMatch(said);
    }
  });

  it('reads long string literals as JSON.parse does, escapes, control characters and all (seeded)', () => {
    let seed = 7;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const alphabet = ['A', 'z', '+', '/', '=', ' ', '\\"', '\\\\', '\\n', '\\u00e9', '\t', '명', '"', '\\'];
    const literal = (long: boolean) => {
      const plain = 'QUJD'.repeat(long ? 2500 + Math.floor(random() * 500) : 1 + Math.floor(random() * 4));
      // Most long ones stay plain (what is cut out); some get one odd character anywhere in them.
      if (random() < 0.5) return `"${plain}"`;
      const at = Math.floor(random() * plain.length);
      return `"${plain.slice(0, at)}${alphabet[Math.floor(random() * alphabet.length)]}${plain.slice(at)}"`;
    };
    for (let round = 0; round < 300; round++) {
      const fields = Array.from({ length: 1 + Math.floor(random() * 4) }, (_, i) => `"k${i}": ${random() < 0.3 ? `[${literal(true)}, {"in": ${literal(random() < 0.5)}}]` : literal(random() < 0.6)}`);
      if (random() < 0.2) fields.push('"__proto__": {"polluted": ' + literal(true) + '}');
      if (random() < 0.1) fields.push(`${literal(true)}: ${literal(true)}`); // a long key stays a key
      let text = `{${fields.join(', ')}}`;
      if (random() < 0.1) text = text.slice(0, Math.floor(random() * text.length)); // cut short
      let expected: { body?: unknown; message?: string };
      try {
        expected = { body: JSON.parse(text) };
      } catch (error) {
        expected = { message: `The JSON body is malformed: ${(error as Error).message}` };
      }
      const { body, error } = parse(Buffer.from(text));
      if (expected.message !== undefined) expect((error as Error).message).toBe(expected.message);
      else expect(body).toStrictEqual(expected.body);
    }
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  // The timeout is the check: a walk that looked for the next backslash from every quote would
  // scan the 1.6 MB body 200k times (minutes), where one pass takes a fraction of a second.
  it('walks a body of many short strings in one pass', { timeout: 20_000 }, () => {
    const list = Array.from({ length: 200_000 }, (_, i) => `s${i}`);
    expect(parse(Buffer.from(`{"list": ${JSON.stringify(list)}, "last": "\\n"}`))).toEqual({ body: { list, last: '\n' } });
    expect(parse(Buffer.from(`{"list": ${JSON.stringify(list)}}`))).toEqual({ body: { list } });
  });
});
