import { DomainException } from '../common/errors/domain.exception';
import { ErrorCode } from '../common/errors/error-codes';
import type { HomepageRequestDto } from './dto/homepage-request.dto';

/** A picture in the site: its WebP variants are `${base}-${width}.webp`. */
export interface SiteImage {
  base: string;
  widths: number[];
  width: number;
  height: number;
  alt: string;
  /** An ad carries its own copy: shown whole, never cropped to the card's shape. */
  ad?: boolean;
}

export interface SiteProduct {
  name: string;
  /** As shown: "3,000원". */
  price: string | null;
  /** In won, for JSON-LD offers; null when the price is not a plain amount. */
  priceValue: number | null;
  description: string | null;
  /** The product's own page elsewhere (normalized href), linked from its name. */
  link: string | null;
  image: SiteImage | null;
}

export interface HoursRow {
  days: string;
  opens: string;
  closes: string;
}

/** The page's sections below the hero, in their default order. */
export const SECTION_IDS = ['products', 'about', 'hours', 'location', 'contact'] as const;
export type SectionId = (typeof SECTION_IDS)[number];

export interface SiteContent {
  lang: 'ko' | 'en';
  name: string;
  category: string | null;
  /** schema.org type: LocalBusiness or a subtype. */
  businessType: string;
  tagline: string;
  about: string;
  address: string | null;
  phone: string | null;
  /** tel: URI digits, +82 form. */
  tel: string | null;
  hours: { text: string | null; rows: HoursRow[] };
  links: { naver_map?: string; kakao_map?: string; kakao_channel?: string; instagram?: string };
  products: SiteProduct[];
  hero: SiteImage | null;
  footer: { owner: string | null; business_number: string | null; mail_order_number: string | null };
  /** The sections' order (a plan's; sections without content are left out when drawn). */
  sections: SectionId[];
  /** Which hero button is filled: the call, or the map. */
  heroButton: 'call' | 'map';
}

/** schema.org subtypes by words in the category, first match wins. */
const TYPES: Array<[RegExp, string]> = [
  [/베이커리|빵|제과|bakery|bread/i, 'Bakery'],
  [/카페|커피|cafe|café|coffee/i, 'CafeOrCoffeeShop'],
  [/꽃|플라워|florist|flower/i, 'Florist'],
  [/미용|헤어|hair|salon/i, 'HairSalon'],
  [/술집|바|pub|bar\b/i, 'BarOrPub'],
  [/식당|음식|레스토랑|한식|중식|일식|분식|고기|국밥|restaurant|food/i, 'Restaurant'],
  [/옷|의류|패션|clothing|fashion/i, 'ClothingStore'],
  [/가게|상점|마트|store|shop/i, 'Store'],
];

export function businessTypeOf(category: string | undefined): string {
  return TYPES.find(([words]) => words.test(category ?? ''))?.[1] ?? 'LocalBusiness';
}

/** "3,000원" as written, or a number in won as "3,000원" ("₩3,000" in English). */
export function priceOf(price: string | number | undefined, lang: 'ko' | 'en'): { price: string | null; value: number | null } {
  if (price === undefined || price === '') return { price: null, value: null };
  if (typeof price === 'string' && /^\d{1,11}$/.test(price.trim())) price = Number(price); // multipart sends numbers as text
  if (typeof price === 'number') {
    if (!Number.isFinite(price) || price < 0 || price > 1e10) throw new DomainException(ErrorCode.INVALID_PARAMETER, 'products[].price must be 0 or more won', { field: 'products.price' });
    const n = Math.round(price).toLocaleString('ko-KR');
    return { price: lang === 'ko' ? `${n}원` : `₩${n}`, value: Math.round(price) };
  }
  if (typeof price !== 'string' || price.length > 24) throw new DomainException(ErrorCode.INVALID_PARAMETER, 'products[].price must be a number or text of at most 24 characters', { field: 'products.price' });
  const digits = /^[₩\s]*([\d,]+)\s*원?$/.exec(price.trim());
  return { price: price.trim(), value: digits ? Number(digits[1].replace(/,/g, '')) : null };
}

const TIME = /^([01]\d|2[0-3]):[0-5]\d$/;

/** Opening hours: free text, or rows of {days, opens, closes} (HH:MM). */
export function hoursOf(hours: HomepageRequestDto['hours']): SiteContent['hours'] {
  if (hours === undefined) return { text: null, rows: [] };
  if (typeof hours === 'string') {
    if (hours.length > 200) throw new DomainException(ErrorCode.INVALID_PARAMETER, 'hours must be at most 200 characters', { field: 'hours' });
    return { text: hours.trim() || null, rows: [] };
  }
  if (!Array.isArray(hours) || hours.length > 14) throw new DomainException(ErrorCode.INVALID_PARAMETER, 'hours must be text or a list of at most 14 {days, opens, closes}', { field: 'hours' });
  const rows = hours.map((row, i) => {
    const r = row as Partial<HoursRow> | null;
    if (!r || typeof r.days !== 'string' || !r.days.trim() || r.days.length > 40 || typeof r.opens !== 'string' || typeof r.closes !== 'string' || !TIME.test(r.opens) || !TIME.test(r.closes)) {
      throw new DomainException(ErrorCode.INVALID_PARAMETER, `hours[${i}] must be {days, opens, closes} with times as HH:MM`, { field: `hours[${i}]` });
    }
    return { days: r.days.trim(), opens: r.opens, closes: r.closes };
  });
  return { text: null, rows };
}

/** The tel: URI's number: digits with the country code (02-123-4567 -> +8221234567). */
export function telOf(phone: string | undefined): string | null {
  if (!phone) return null;
  const digits = phone.replace(/[^\d+]/g, '');
  if (digits.startsWith('+')) return digits;
  return digits.startsWith('0') ? `+82${digits.slice(1)}` : digits; // 1588-1234: no area code
}

/** 은 after a final consonant, 는 after a vowel (and after anything not Hangul, read as a vowel). */
export function topicParticle(word: string): string {
  const last = word.trim().codePointAt(word.trim().length - 1) ?? 0;
  return last >= 0xac00 && last <= 0xd7a3 && (last - 0xac00) % 28 !== 0 ? '은' : '는';
}

const COPY = {
  ko: {
    tagline: (name: string, category: string | null) => (category ? `${category}, ${name}에서 만나 보세요` : `${name}에 오신 것을 환영합니다`),
    about: (name: string, category: string | null) =>
      `${name}${topicParticle(name)} 동네 ${category ?? '가게'}입니다. 매일 정성껏 준비해 손님을 맞습니다. 궁금한 점은 전화로 편하게 물어 보세요.`,
  },
  en: {
    tagline: (name: string, category: string | null) => (category ? `${category} at ${name}` : `Welcome to ${name}`),
    about: (name: string, category: string | null) => `${name} is a neighbourhood ${category ?? 'shop'}. We prepare everything with care every day. Call us with any question.`,
  },
};

/** The content model from the request, with the template's copy where the shop gave none. */
export function siteContent(dto: HomepageRequestDto, products: SiteProduct[], hero: SiteImage | null): SiteContent {
  const lang = dto.language ?? 'ko';
  const name = dto.name.trim();
  const category = dto.category?.trim() || null;
  return {
    lang,
    name,
    category,
    businessType: businessTypeOf(dto.category),
    tagline: dto.tagline?.trim() || COPY[lang].tagline(name, category),
    about: dto.description?.trim() || COPY[lang].about(name, category),
    address: dto.address?.trim() || null,
    phone: dto.phone?.trim() || null,
    tel: telOf(dto.phone),
    hours: hoursOf(dto.hours),
    links: { ...dto.links },
    products,
    hero,
    footer: { owner: dto.owner?.trim() || null, business_number: dto.business_number ?? null, mail_order_number: dto.mail_order_number?.trim() || null },
    sections: [...SECTION_IDS],
    heroButton: 'call',
  };
}
