import type { NextFunction, Request, Response } from 'express';
import { isAscii } from 'node:buffer';
import { randomUUID } from 'node:crypto';
import { DomainException } from './errors/domain.exception';
import { ErrorCode } from './errors/error-codes';

/** The media type read as JSON (body-parser's json default), given to the raw reader. */
export const JSON_TYPE = 'application/json';

const UTF8_BOM = Buffer.from([0xef, 0xbb, 0xbf]);
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
/** String literals at least this long (an image in base64) are taken out of the text before JSON.parse. */
const LIFT_MIN_CHARS = 8192;

/**
 * Turns a JSON body that body-parser's raw reader collected (size limit, gzip, the type above)
 * into req.body. body-parser's own JSON parser decodes each 64 KB chunk as it arrives and joins
 * the pieces: for a 1 MB photo in base64, JSON.parse of that joined string took twice as long as
 * of the body decoded whole. An all-ASCII body (an image and Latin-letter fields) is read as
 * Latin-1, a plain copy (the UTF-8 decoder took ~4 ms for the megabyte); a body with other
 * characters (Korean copy) takes the UTF-8 decoder. RFC 8259: JSON between systems is UTF-8, so
 * no other charset is read.
 */
export function parseJsonBody(req: Request, _res: Response, next: NextFunction): void {
  if (!Buffer.isBuffer(req.body)) return next();
  const charset = /;\s*charset\s*=\s*"?([^";\s]+)/i.exec(req.headers['content-type'] ?? '')?.[1]?.toLowerCase();
  if (charset && charset !== 'utf-8' && charset !== 'utf8') {
    return next(new DomainException(ErrorCode.INVALID_PARAMETER, `JSON bodies must be UTF-8; this one says charset=${charset}`));
  }
  let bytes = req.body;
  if (bytes.subarray(0, 3).equals(UTF8_BOM)) bytes = bytes.subarray(3);
  if (bytes.length === 0) {
    req.body = {}; // as body-parser: an empty body is a common client mistake, not malformed JSON
    return next();
  }
  try {
    const parsed = parseJson(bytes);
    // body-parser's strict mode, kept: a bare string or number is not a request.
    if (parsed === null || typeof parsed !== 'object') throw new SyntaxError('the body is not a JSON object or array');
    req.body = parsed;
  } catch (error) {
    return next(new DomainException(ErrorCode.INVALID_PARAMETER, `The JSON body is malformed: ${(error as Error).message}`));
  }
  next();
}

/**
 * JSON.parse of the body, with its long plain string literals (a photo in base64) cut out of the
 * text first and put back as strings of their own: JSON.parse scans and copies every character
 * of a string, ~4 ms for a megabyte of base64 here, where a Latin-1 slice of the bytes is a
 * copy. Only a literal that JSON.parse would read as exactly its bytes is cut out: ASCII, no
 * escapes, no control characters; the rest of the text is parsed as it is. Quotes and
 * backslashes are ASCII, so the quote-to-quote walk is the lexer's own view of the text in
 * UTF-8 too.
 */
function parseJson(bytes: Buffer): unknown {
  const encoding = isAscii(bytes) ? 'latin1' : 'utf8';
  const lifted: string[] = [];
  const pieces: string[] = [];
  // A placeholder no client can write: it holds a NUL and a fresh random id.
  const tag = `\u0000${randomUUID()}:`;
  let copied = 0;
  // The next backslash (or the end), looked for again only once passed: one pass over the body.
  let escape = -1;
  for (let open = bytes.indexOf(QUOTE); open >= 0; ) {
    if (escape < open) escape = nextOrEnd(bytes, BACKSLASH, open + 1);
    let close = bytes.indexOf(QUOTE, open + 1);
    const escaped = close > escape;
    if (escaped) close = closingQuote(bytes, escape);
    if (close < 0) break; // unterminated: JSON.parse says where
    // A key stays in the text: only values are put back.
    if (!escaped && close - open - 1 >= LIFT_MIN_CHARS && !isKey(bytes, close) && isPlainAscii(bytes, open + 1, close)) {
      pieces.push(bytes.toString(encoding, copied, open), JSON.stringify(tag + lifted.length));
      lifted.push(bytes.toString('latin1', open + 1, close));
      copied = close + 1;
    }
    open = bytes.indexOf(QUOTE, close + 1);
  }
  const text = () => bytes.toString(encoding);
  if (lifted.length === 0) return JSON.parse(text());
  pieces.push(bytes.toString(encoding, copied));
  let parsed: unknown;
  try {
    parsed = JSON.parse(pieces.join(''));
  } catch {
    return JSON.parse(text()); // the error as the client's own text has it, positions and all
  }
  return putBack(parsed, tag, lifted);
}

function nextOrEnd(bytes: Buffer, byte: number, from: number): number {
  const at = bytes.indexOf(byte, from);
  return at < 0 ? bytes.length : at;
}

/** Whether the literal closing at `close` is followed by a colon (JSON's whitespace between). */
function isKey(bytes: Buffer, close: number): boolean {
  let i = close + 1;
  while (bytes[i] === 0x20 || bytes[i] === 0x09 || bytes[i] === 0x0a || bytes[i] === 0x0d) i++;
  return bytes[i] === 0x3a;
}

/** Index of the quote that ends a string literal, walking its escapes from the first (`escape`); -1 when none does. */
function closingQuote(bytes: Buffer, escape: number): number {
  for (let i = escape; i < bytes.length; i++) {
    if (bytes[i] === BACKSLASH) i++;
    else if (bytes[i] === QUOTE) return i;
  }
  return -1;
}

/** No byte under 0x20 (JSON.parse refuses those raw) and none over 0x7f. */
function isPlainAscii(bytes: Buffer, from: number, to: number): boolean {
  for (let i = from; i < to; i++) if (bytes[i] < 0x20 || bytes[i] > 0x7f) return false;
  return true;
}

/** Replaces each placeholder in the parsed value with its literal; iterative, as deep as JSON.parse went. */
function putBack(root: unknown, tag: string, lifted: string[]): unknown {
  const restore = (value: unknown) => (typeof value === 'string' && value.startsWith(tag) ? lifted[Number(value.slice(tag.length))] : value);
  const stack: unknown[] = [root];
  while (stack.length > 0) {
    const node = stack.pop();
    if (node === null || typeof node !== 'object') continue;
    const record = node as Record<string, unknown>;
    // Own keys only; "__proto__" from JSON.parse is an own data property, so assigning it sets no prototype.
    for (const key of Object.keys(record)) {
      const value = record[key];
      if (typeof value === 'string') {
        const restored = restore(value);
        if (restored !== value) record[key] = restored;
      } else if (value !== null && typeof value === 'object') stack.push(value);
    }
  }
  return restore(root);
}
