import { escapeHtml } from '../../common/html';
/** What a run of the copy is, for styling: prices, dates and percentages get emphasis. */
export type EmphasisKind = 'price' | 'date' | 'percent';

export interface Emphasis {
  start: number;
  end: number;
  kind: EmphasisKind;
  text: string;
}

export interface SplitCopy {
  /** Plain text (not escaped). */
  headline: string;
  /** Plain text; '' when the copy has no natural second part. */
  subline: string;
  /** Escaped HTML with emphasis spans, safe to put between tags. */
  headlineHtml: string;
  sublineHtml: string;
  emphasis: Emphasis[];
}


// A number as shops write it: 20,000 / 19900 / 9.99
const NUM = String.raw`\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?`;
const WEEKDAY = String.raw`(?:\s?\((?:[월화수목금토일]|Mon|Tue|Wed|Thu|Fri|Sat|Sun)\))?`;
const MONTHS = 'Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?';

/**
 * Earlier patterns win where matches overlap. Korean amounts mix units: 3만원, 1만 5천원,
 * 2만9천원, 20,000원; the lookahead makes a digit mandatory so 원두 / 회원 never match.
 */
const PATTERNS: Array<{ kind: EmphasisKind; re: RegExp }> = [
  { kind: 'date', re: new RegExp(String.raw`\b\d{4}\s?[./-]\s?\d{1,2}\s?[./-]\s?\d{1,2}\.?${WEEKDAY}`, 'g') },
  { kind: 'date', re: new RegExp(String.raw`\d{1,2}\s?월\s?\d{1,2}\s?일${WEEKDAY}`, 'g') },
  { kind: 'date', re: new RegExp(String.raw`(?<![\d,.])\d{1,2}/\d{1,2}(?![\d/])${WEEKDAY}`, 'g') },
  { kind: 'date', re: new RegExp(String.raw`\b(?:${MONTHS})\.?\s\d{1,2}(?:st|nd|rd|th)?\b`, 'gi') },
  { kind: 'percent', re: new RegExp(String.raw`(?:${NUM})\s?(?:%|퍼센트|프로)(?:\s?(?:할인|세일|off|OFF|Off|DC|dc|SALE|sale)(?![A-Za-z]))?`, 'g') },
  { kind: 'price', re: new RegExp(String.raw`(?:[₩$€£¥]|(?:KRW|USD|EUR)\s?)\s?(?:${NUM})`, 'g') },
  { kind: 'price', re: new RegExp(String.raw`(?=\d)(?:(?:${NUM})\s?[억만천]\s?)*(?:(?:${NUM})\s?)?원`, 'g') },
  { kind: 'price', re: new RegExp(String.raw`(?:${NUM})\s?(?:won|KRW|달러|dollars?)(?![A-Za-z])`, 'gi') },
];

/** Prices, dates and percentages in `text`, left to right, without overlaps. */
export function findEmphasis(text: string): Emphasis[] {
  const found: Emphasis[] = [];
  for (const { kind, re } of PATTERNS) {
    for (const m of text.matchAll(re)) {
      const start = m.index;
      const value = m[0].trimEnd();
      const end = start + value.length;
      if (value.length === 0 || found.some((f) => start < f.end && f.start < end)) continue;
      found.push({ start, end, kind, text: value });
    }
  }
  return found.sort((a, b) => a.start - b.start);
}

const NBSP = '\u00a0';
const SINGLE_SYLLABLE = /^[\uac00-\ud7a3]$/;

/**
 * Binds one-syllable words to a neighbour with a no-break space: with keep-all, Korean breaks
 * only between words, and a lone 한 / 잔 / 등 at a line end or start reads as a stray syllable
 * ("커피 한 | 잔"). The word joins the next one, or the previous one when it is last.
 */
export function bindShortWords(text: string): string {
  const words = text.split(' ');
  if (words.length < 2) return text;
  let out = words[0];
  // Pairs only: in "한 잔 4,000원" 잔 is already bound to 한 and does not pull the price along.
  let boundToPrev = false;
  for (let i = 1; i < words.length; i++) {
    const join: boolean = (!boundToPrev && SINGLE_SYLLABLE.test(words[i - 1])) || (i === words.length - 1 && SINGLE_SYLLABLE.test(words[i]));
    out += (join ? NBSP : ' ') + words[i];
    boundToPrev = join;
  }
  return out;
}

/**
 * Escaped HTML of `text` with each emphasis run wrapped in <span class="price|date|percent">
 * and one-syllable words bound to their neighbours.
 */
export function emphasizeHtml(text: string): string {
  const bound = bindShortWords(text);
  let html = '';
  let at = 0;
  for (const e of findEmphasis(bound)) {
    html += escapeHtml(bound.slice(at, e.start)) + `<span class="${e.kind}">${escapeHtml(e.text)}</span>`;
    at = e.end;
  }
  return html + escapeHtml(bound.slice(at));
}

/**
 * Where a headline ends and the sub-line begins, in order of how clearly the writer meant it:
 * a line break; a sentence end (! ? . 。 …) followed by more text; a dash, bar or colon used as a
 * separator; in longer copy (LONG_COPY characters or more) a comma. A full stop inside a number
 * (9.99, 2026.01.27) is not a sentence end, and the separators need spaces around them so 12/25
 * and 1+1 stay whole.
 */
const SPLITS: Array<{ re: RegExp; minLength: number }> = [
  { re: /\s*\n+\s*/, minLength: 0 },
  { re: /(?<=[!?！？。…~])\s+(?=\S)/, minLength: 0 },
  { re: /(?<=[^\d\s.]\.)\s+(?=\S)/, minLength: 0 },
  { re: /\s+[—–|]\s+|\s+-\s+|:\s+/, minLength: 0 },
  { re: /(?<=[^\d\s],)\s+(?=\S)/, minLength: 16 },
];
/** Copy this long (characters) reads better on two levels even without punctuation. */
const LONG_COPY = 18;

/** A headline ends without a trailing comma, colon, dash or single full stop; ! ? … stay. */
function trimHeadline(head: string): string {
  return head.replace(/(?<!\.)[.,:;—–-]\s*$/, '').trim();
}

function normalize(copy: string): string {
  return copy
    .replace(/\r\n?/g, '\n')
    .split('\n')
    .map((line) => line.replace(/[\t ]+/g, ' ').trim())
    .filter((line) => line.length > 0)
    .join('\n');
}

/**
 * Headline and sub-line: "명절 특가! 사과 한 박스 20,000원" → "명절 특가!" + "사과 한 박스
 * 20,000원". Short copy without a natural split stays one headline. A split whose headline would
 * be a lone price or a single character is skipped: that reads as a fragment, not a headline.
 */
export function splitCopy(copy: string): SplitCopy {
  const text = normalize(copy);
  let headline = text.replace(/\n/g, ' ');
  let subline = '';
  for (const { re, minLength } of SPLITS) {
    if (text.length < minLength) continue;
    const m = re.exec(text);
    if (!m) continue;
    const head = trimHeadline(text.slice(0, m.index));
    const rest = text.slice(m.index + m[0].length).replace(/\n+/g, ' ').trim();
    const lonePrice = findEmphasis(head).some((e) => e.start === 0 && e.end === head.length);
    if (head.length < 2 || rest.length === 0 || lonePrice) continue;
    headline = head;
    subline = rest;
    break;
  }
  // Long copy ending in a price ("... 아메리카노 3,500원"): the price becomes the sub-line.
  if (!subline && headline.length >= LONG_COPY) {
    const last = findEmphasis(headline).at(-1);
    if (last && last.kind === 'price' && last.end === headline.length && last.start >= 6) {
      subline = headline.slice(last.start);
      headline = headline.slice(0, last.start).trim();
    }
  }
  const headEmphasis = findEmphasis(headline);
  const subEmphasis = findEmphasis(subline);
  return {
    headline,
    subline,
    headlineHtml: emphasizeHtml(headline),
    sublineHtml: emphasizeHtml(subline),
    emphasis: [...headEmphasis, ...subEmphasis],
  };
}

/** Longest unbreakable run (a space-separated word) in em, roughly: Hangul/CJK ~1em, Latin ~0.6em. */
export function longestWordEm(text: string): number {
  let longest = 0;
  for (const word of text.split(/\s+/)) {
    let em = 0;
    for (const ch of word) {
      if (/[\u1100-\u11ff\u3040-\u30ff\u3130-\u318f\u4e00-\u9fff\uac00-\ud7a3\uff00-\uffef]/.test(ch)) em += 1;
      else if (/[A-Z0-9$₩%@#&WM]/.test(ch)) em += 0.68;
      else if (/[.,:;!'"|il1]/.test(ch)) em += 0.3;
      else em += 0.56;
    }
    longest = Math.max(longest, em);
  }
  return longest;
}
