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
});
