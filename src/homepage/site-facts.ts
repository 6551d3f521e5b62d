/**
 * Checks on copy an LLM wrote for a shop's site: it may only restate what the shop said. Prices,
 * hours, years, counts, ratings, reviews, awards, discounts and origin claims come from the
 * input or not at all; links, e-mail and markup are never copy.
 */

/** Claims that need the shop's own word: allowed only when the input says them. */
export const CLAIM_WORDS = [
  '리뷰', '후기', '별점', '평점', '만점', '1위', '수상', '인증', '유기농', '국내산', '무료', '할인', '세일', '이벤트', '증정', '최초', '원조', '맛집', '대표 맛집',
  'review', 'rating', 'stars', 'award', 'certified', 'organic', 'free', 'discount', 'sale', 'famous', 'best-selling', '#1', '★', '☆',
];

/** Korean number words with a unit: "삼십 년", "다섯 명", "만 원" are facts too. */
const KOREAN_COUNT = /(?:^|[^가-힣])((?:[일이삼사오육칠팔구십백천만]+|한|두|세|네|다섯|여섯|일곱|여덟|아홉|열|스무)\s?(?:원|년|명|호점|대째))/g;
const ENGLISH_COUNT = /\b(?:one|two|three|four|five|six|seven|eight|nine|ten|twenty|thirty|forty|fifty|hundred|thousand)\s+(?:years?|won|people|stores|branches)\b/gi;
const NUMBER = /\d(?:[\d,.:]*\d)?/g;
const NOT_COPY = /https?:\/\/|www\.|[\w.+-]+@[\w-]+\.|<|>/i;

const numbersIn = (text: string): Set<string> => new Set((text.match(NUMBER) ?? []).map((n) => n.replace(/,/g, '')));

/**
 * What in `text` the shop did not say (`facts`: everything the shop gave, joined). Each problem
 * names the words, so a repair request can quote them back.
 */
export function inventedFacts(text: string, facts: string): string[] {
  const problems: string[] = [];
  const known = numbersIn(facts);
  // "02-123-4567" in the facts also allows its parts; "3,000" allows "3000".
  for (const part of facts.match(/\d+/g) ?? []) known.add(part);
  const unknown = [...numbersIn(text)].filter((n) => !known.has(n));
  if (unknown.length) problems.push(`numbers the shop did not give: ${unknown.join(', ')}`);
  const counts = [...text.matchAll(KOREAN_COUNT)].map((m) => m[1]).concat(text.match(ENGLISH_COUNT) ?? []).filter((w) => !facts.includes(w));
  if (counts.length) problems.push(`amounts the shop did not give: ${counts.join(', ')}`);
  const lowerFacts = facts.toLowerCase();
  const claims = CLAIM_WORDS.filter((w) => new RegExp(w.match(/^[a-z-]+$/) ? `\\b${w}\\b` : escapeRe(w), 'i').test(text) && !lowerFacts.includes(w.toLowerCase()));
  if (claims.length) problems.push(`claims the shop did not make: ${claims.join(', ')}`);
  if (NOT_COPY.test(text)) problems.push('links, e-mail addresses and markup are not copy');
  return problems;
}

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\#]/g, '\\$&');
}

/** One written field against its limits, its language and the facts; problems name the field. */
export function copyProblems(field: string, text: string, limits: { min: number; max: number }, lang: 'ko' | 'en', facts: string, names: string[]): string[] {
  const problems: string[] = [];
  const length = [...text.trim()].length;
  if (length < limits.min || length > limits.max) problems.push(`${field} is ${length} characters; it must be ${limits.min}-${limits.max}`);
  const withoutNames = names.reduce((t, n) => t.split(n).join(' '), text);
  if (lang === 'ko' && !/[가-힣]/.test(withoutNames)) problems.push(`${field} must be written in Korean`);
  if (lang === 'en' && /[가-힣]/.test(withoutNames)) problems.push(`${field} must be written in English (Korean only in names)`);
  return problems.concat(inventedFacts(text, facts).map((p) => `${field}: ${p}`));
}
