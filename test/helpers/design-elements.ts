import { readFileSync } from 'node:fs';
import sharp from 'sharp';
import { escapeHtml } from '../../src/common/html';
import type { DesignElement, Typography } from './design-poster';
import { SAMPLE_PHOTO } from './test-app';

/** The building blocks of the design set (design-families.ts): boxes, photos and text as a designer places them. */

export type Rng = () => number;
export const pick = <T>(rnd: Rng, list: readonly T[]): T => list[Math.floor(rnd() * list.length)];
export const between = (rnd: Rng, a: number, b: number): number => a + rnd() * (b - a);

/** Designers' palettes: page, ink, accent, a soft tint of the page. */
export const PALETTES = [
  { page: '#f6efe3', ink: '#2b2118', accent: '#c0392b', soft: '#e8dcc6' },
  { page: '#0f1b2d', ink: '#ffffff', accent: '#f5b700', soft: '#1e3350' },
  { page: '#fdf6f0', ink: '#3a2e39', accent: '#e4572e', soft: '#f3d9c9' },
  { page: '#e8f1ee', ink: '#17332b', accent: '#2a9d8f', soft: '#cfe3dc' },
  { page: '#111111', ink: '#fafafa', accent: '#ff3860', soft: '#2a2a2a' },
  { page: '#fff8d6', ink: '#222222', accent: '#0057b8', soft: '#ffe98a' },
  { page: '#f1eefc', ink: '#2d1e5f', accent: '#7b2cbf', soft: '#ddd4f7' },
] as const;
export type Palette = (typeof PALETTES)[number];

/** Every installed Korean family (fonts-nanum), as design tools list them. */
export const FAMILIES = ['NanumGothic', 'NanumMyeongjo', 'NanumBarunGothic', 'NanumSquare', 'NanumSquareRound', 'NanumGothicCoding'] as const;

export const WORDS = {
  headline: ['겨울 한정 세일', '가을 신메뉴 출시', '오늘만 50% 할인', '신선한 아침 커피', '주말 한정 1+1', '봄맞이 대세일', '크리스마스 마켓', '새해 첫 이벤트', '소금빵 연구소', '여름 빙수 개시'],
  subline: ['매장 및 온라인 동시 진행', '12.20 - 12.31 매일 오전 10시', 'Free delivery over 30,000원', '지금 바로 만나보세요', '선착순 100명 한정', 'NEW ARRIVAL', 'SUMMER SALE 2026', '오픈 기념 전 메뉴 20% 할인'],
  price: ['29,900원', '9,900원', '50% OFF', '1+1', '12,000원', '3,500원', '30%'],
  date: ['12.24 SAT', '2026.12.20', 'D-7', 'OPEN 10:00', '11.28 - 12.03'],
  latin: ['SALE', 'NEW', 'BEST', 'LIMITED', 'COFFEE', 'EVENT', 'Grand Opening', 'HOLIDAY'],
  menu: [['아메리카노', '4,500'], ['카페라떼', '5,000'], ['바닐라 라떼', '5,500'], ['소금빵', '3,500'], ['크루아상', '4,000'], ['딸기 케이크', '6,800'], ['녹차 라떼', '5,200'], ['밀크티', '5,300']],
} as const;

const px = (n: number) => `${Math.round(n)}px`;

/** A box: the shape every band, bar, panel, pill, ring and divider is. */
export function box(name: string, x: number, y: number, w: number, h: number, style: string, kind: 'shape' | 'background' = 'shape'): DesignElement {
  return { kind, name, html: `<div style="left:${px(x)};top:${px(y)};width:${px(w)};height:${px(h)};${style}"></div>` };
}

/** A five-pointed star, clipped. */
export function star(name: string, x: number, y: number, size: number, color: string): DesignElement {
  const clip = 'polygon(50% 0%,61% 35%,98% 35%,68% 57%,79% 91%,50% 70%,21% 91%,32% 57%,2% 35%,39% 35%)';
  return box(name, x, y, size, size, `background:${color};clip-path:${clip}`);
}

let photos: Promise<Buffer> | null = null;
/**
 * A photograph: the sample photo (a real one, CC0) cropped, mirrored, re-lit or re-coloured, as
 * a data URL. The design set has one real photo to draw from; the crops and treatments vary it.
 */
export async function photoUrl(rnd: Rng, w: number, h: number): Promise<string> {
  photos ??= Promise.resolve(readFileSync(SAMPLE_PHOTO));
  const source = sharp(await photos);
  const { width = 600, height = 400 } = await source.metadata();
  const zoom = between(rnd, 1, 2.2);
  const cw = Math.round(width / zoom);
  const ch = Math.round(height / zoom);
  const left = Math.floor(rnd() * (width - cw));
  const top = Math.floor(rnd() * (height - ch));
  let img = sharp(await photos).extract({ left, top, width: cw, height: ch }).resize(Math.round(w), Math.round(h), { fit: 'cover' });
  if (rnd() < 0.5) img = img.flop();
  img = img.modulate({ brightness: between(rnd, 0.75, 1.15), hue: Math.round(between(rnd, -40, 40)), saturation: between(rnd, 0.6, 1.3) });
  return `data:image/jpeg;base64,${(await img.jpeg({ quality: 82 }).toBuffer()).toString('base64')}`;
}

/** A photo covering a box; `style` adds rounded corners, a shadow, a border. */
export function photo(name: string, url: string, x: number, y: number, w: number, h: number, style = '', kind: 'object' | 'background' = 'object'): DesignElement {
  return { kind, name, html: `<img src="${url}" style="left:${px(x)};top:${px(y)};width:${px(w)};height:${px(h)};object-fit:cover;${style}">` };
}

export interface TextSpec {
  name: string;
  text: string;
  x: number;
  y: number;
  /** The text box's width; the text is aligned in it. */
  w: number;
  type: Omit<Typography, 'lineHeight' | 'letterSpacingPx' | 'rotationDeg' | 'shadow' | 'outline'> & Partial<Typography>;
}

/** A block of text with its typography: lines joined by "\n", a shadow, or an outline with a transparent fill. */
export function text(spec: TextSpec): DesignElement {
  const t: Typography = { lineHeight: 1.25, letterSpacingPx: 0, rotationDeg: 0, shadow: null, outline: null, ...spec.type };
  const fill = t.outline ? `color:transparent;-webkit-text-stroke:${t.outline}` : `color:${t.color}`;
  const style =
    `left:${px(spec.x)};top:${px(spec.y)};width:${px(spec.w)};font-family:'${t.family}';font-weight:${t.weight};font-size:${px(t.sizePx)};` +
    `${fill};text-align:${t.align};line-height:${t.lineHeight};letter-spacing:${t.letterSpacingPx}px;white-space:pre;` +
    (t.rotationDeg ? `transform:rotate(${t.rotationDeg}deg);transform-origin:center;` : '') +
    (t.shadow ? `text-shadow:${t.shadow};` : '');
  return { kind: 'text', name: spec.name, text: spec.text, typography: t, html: `<div style="${style}">${escapeHtml(spec.text)}</div>` };
}

/** The page's own background: a colour, a gradient, a pattern, or a photograph. */
export async function pageBackground(rnd: Rng, w: number, h: number, pal: Palette, kinds: Array<'flat' | 'gradient' | 'pattern' | 'photo'>): Promise<DesignElement> {
  const kind = pick(rnd, kinds);
  const full = (style: string) => box(`${kind} page`, 0, 0, w, h, style, 'background');
  if (kind === 'flat') return full(`background:${pal.page}`);
  if (kind === 'gradient') return full(`background:linear-gradient(${Math.round(between(rnd, 0, 360))}deg,${pal.page},${pal.soft} 60%,${pal.accent}33)`);
  if (kind === 'pattern') {
    const cell = Math.round(between(rnd, 18, 48));
    const pattern =
      rnd() < 0.5
        ? `radial-gradient(${pal.soft} 22%,transparent 24%) 0 0/${cell}px ${cell}px,${pal.page}`
        : `repeating-linear-gradient(45deg,${pal.page} 0 ${cell / 2}px,${pal.soft} ${cell / 2}px ${cell}px)`;
    return full(`background:${pattern}`);
  }
  return { ...photo('photo page', await photoUrl(rnd, w, h), 0, 0, w, h, '', 'background'), name: 'photo page' };
}
