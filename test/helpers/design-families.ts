import { mulberry32 } from '../../src/ad/background/procedural-noise';
import { between, box, FAMILIES, PALETTES, pageBackground, type Palette, photo, photoUrl, pick, type Rng, star, text, WORDS } from './design-elements';
import type { DesignElement, DesignSpec } from './design-poster';

/**
 * Layout families of the design set, each a kind of poster small shops make: menu boards, sale
 * posters, event posters, photo posters, product cards, banners, stories, feed posts, coupons,
 * announcements, typographic posters, info grids. Seeded: a seed picks the family, the size,
 * the palette, the words, the fonts and every position.
 */

type Family = (rnd: Rng, w: number, h: number, pal: Palette) => Promise<DesignElement[]>;

const font = (rnd: Rng) => pick(rnd, FAMILIES);
const bold = (rnd: Rng) => (rnd() < 0.7 ? 700 : 400) as 400 | 700;
const shadowOf = (rnd: Rng, size: number) => `${Math.round(size * 0.04)}px ${Math.round(size * 0.05)}px ${Math.round(size * between(rnd, 0.05, 0.15))}px rgba(0,0,0,${between(rnd, 0.35, 0.7).toFixed(2)})`;

const menu: Family = async (rnd, w, h, pal) => {
  const els = [await pageBackground(rnd, w, h, pal, ['flat', 'pattern', 'gradient'])];
  const f = font(rnd);
  els.push(text({ name: 'title', text: pick(rnd, ['MENU', '오늘의 메뉴', 'COFFEE MENU']), x: w * 0.08, y: h * 0.06, w: w * 0.84, type: { family: f, weight: 700, sizePx: w * 0.1, color: pal.ink, align: 'center' } }));
  els.push(box('divider', w * 0.15, h * 0.2, w * 0.7, Math.max(2, h * 0.004), `background:${pal.accent}`));
  const items = [...WORDS.menu].sort(() => rnd() - 0.5).slice(0, 5);
  const size = w * 0.048;
  const lh = 1.6;
  els.push(text({ name: 'menu items', text: items.map((i) => i[0]).join('\n'), x: w * 0.12, y: h * 0.26, w: w * 0.5, type: { family: f, weight: 400, sizePx: size, color: pal.ink, align: 'left', lineHeight: lh } }));
  els.push(text({ name: 'menu prices', text: items.map((i) => i[1]).join('\n'), x: w * 0.58, y: h * 0.26, w: w * 0.3, type: { family: f, weight: 700, sizePx: size, color: pal.accent, align: 'right', lineHeight: lh } }));
  if (rnd() < 0.6) {
    const cs = w * 0.3;
    els.push(photo('photo card', await photoUrl(rnd, cs, cs), w * 0.35, h * 0.7, cs, cs * 0.75, `border-radius:${Math.round(cs * 0.08)}px;box-shadow:0 ${Math.round(cs * 0.04)}px ${Math.round(cs * 0.1)}px rgba(0,0,0,.35)`));
  }
  return els;
};

const sale: Family = async (rnd, w, h, pal) => {
  const els = [await pageBackground(rnd, w, h, pal, ['flat', 'gradient', 'pattern'])];
  const bandY = h * between(rnd, 0.55, 0.7);
  els.push(box('band', 0, bandY, w, h * 0.14, `background:${pal.accent};opacity:${rnd() < 0.4 ? 0.7 : 1}`));
  const size = w * between(rnd, 0.11, 0.15);
  const outline = rnd() < 0.35;
  els.push(text({ name: 'headline', text: pick(rnd, WORDS.headline), x: w * 0.05, y: h * 0.12, w: w * 0.9, type: { family: font(rnd), weight: 700, sizePx: size, color: pal.ink, align: 'center', outline: outline ? `${Math.max(2, Math.round(size * 0.03))}px ${pal.ink}` : null, shadow: outline ? null : rnd() < 0.5 ? shadowOf(rnd, size) : null } }));
  els.push(text({ name: 'band text', text: pick(rnd, WORDS.subline), x: w * 0.05, y: bandY + h * 0.035, w: w * 0.9, type: { family: font(rnd), weight: bold(rnd), sizePx: w * 0.045, color: '#ffffff', align: 'center' } }));
  const badge = w * 0.24;
  const bx = w * between(rnd, 0.6, 0.7);
  const by = h * 0.3;
  if (rnd() < 0.5) els.push(box('ring badge', bx, by, badge, badge, `border-radius:50%;border:${Math.round(badge * 0.06)}px solid ${pal.accent};background:${pal.page}`));
  else els.push(star('star badge', bx, by, badge, pal.accent));
  els.push(text({ name: 'badge text', text: pick(rnd, WORDS.price), x: bx, y: by + badge * 0.36, w: badge, type: { family: 'NanumSquare', weight: 700, sizePx: badge * 0.2, color: pal.ink, align: 'center' } }));
  return els;
};

const event: Family = async (rnd, w, h, pal) => {
  const els = [await pageBackground(rnd, w, h, pal, ['photo'])];
  els.push(box('scrim', 0, h * 0.45, w, h * 0.55, 'background:linear-gradient(rgba(0,0,0,0),rgba(0,0,0,.75))'));
  const size = w * 0.1;
  els.push(text({ name: 'headline', text: pick(rnd, WORDS.headline), x: w * 0.07, y: h * 0.62, w: w * 0.86, type: { family: font(rnd), weight: 700, sizePx: size, color: '#ffffff', align: 'left', shadow: shadowOf(rnd, size) } }));
  const pw = w * 0.36;
  els.push(box('date pill', w * 0.07, h * 0.52, pw, h * 0.06, `border-radius:${Math.round(h * 0.03)}px;background:${pal.accent}`));
  els.push(text({ name: 'date', text: pick(rnd, WORDS.date), x: w * 0.07, y: h * 0.532, w: pw, type: { family: 'NanumBarunGothic', weight: 700, sizePx: h * 0.028, color: '#ffffff', align: 'center' } }));
  els.push(box('bottom bar', 0, h * 0.9, w, h * 0.1, `background:${pal.page}`));
  els.push(text({ name: 'bar text', text: pick(rnd, WORDS.subline), x: w * 0.05, y: h * 0.925, w: w * 0.9, type: { family: font(rnd), weight: 400, sizePx: h * 0.03, color: pal.ink, align: 'center' } }));
  return els;
};

const photoHeadline: Family = async (rnd, w, h, pal) => {
  const els = [await pageBackground(rnd, w, h, pal, ['photo'])];
  const size = w * between(rnd, 0.09, 0.13);
  els.push(text({ name: 'headline', text: pick(rnd, WORDS.headline), x: w * 0.06, y: h * between(rnd, 0.08, 0.2), w: w * 0.88, type: { family: pick(rnd, ['NanumMyeongjo', 'NanumSquare', 'NanumGothic']), weight: 700, sizePx: size, color: '#ffffff', align: pick(rnd, ['left', 'center'] as const), shadow: shadowOf(rnd, size) } }));
  els.push(text({ name: 'tagline', text: pick(rnd, WORDS.subline), x: w * 0.06, y: h * 0.82, w: w * 0.88, type: { family: font(rnd), weight: 400, sizePx: w * 0.04, color: '#ffffff', align: 'center', shadow: shadowOf(rnd, w * 0.04) } }));
  return els;
};

const productCard: Family = async (rnd, w, h, pal) => {
  const els = [await pageBackground(rnd, w, h, pal, ['pattern', 'flat', 'gradient'])];
  const cx = w * 0.12;
  const cw = w * 0.76;
  els.push(box('card', cx, h * 0.08, cw, h * 0.84, `border-radius:${Math.round(w * 0.04)}px;background:#ffffff;box-shadow:0 ${Math.round(w * 0.015)}px ${Math.round(w * 0.05)}px rgba(0,0,0,.25)`));
  els.push(photo('product photo', await photoUrl(rnd, cw * 0.84, h * 0.42), cx + cw * 0.08, h * 0.13, cw * 0.84, h * 0.42, `border-radius:${Math.round(w * 0.025)}px`));
  els.push(text({ name: 'product name', text: pick(rnd, WORDS.menu)[0], x: cx, y: h * 0.6, w: cw, type: { family: font(rnd), weight: 700, sizePx: w * 0.07, color: '#222222', align: 'center' } }));
  const pw = cw * 0.5;
  els.push(box('price pill', cx + (cw - pw) / 2, h * 0.74, pw, h * 0.09, `border-radius:${Math.round(h * 0.045)}px;background:${pal.accent}`));
  els.push(text({ name: 'price', text: pick(rnd, WORDS.price), x: cx + (cw - pw) / 2, y: h * 0.755, w: pw, type: { family: 'NanumSquareRound', weight: 700, sizePx: h * 0.05, color: '#ffffff', align: 'center' } }));
  return els;
};

const banner: Family = async (rnd, w, h, pal) => {
  const els = [await pageBackground(rnd, w, h, pal, ['photo', 'gradient'])];
  const side = rnd() < 0.5 ? 0 : w * 0.55;
  els.push(box('side panel', side, 0, w * 0.45, h, `background:${pal.page};opacity:${between(rnd, 0.8, 0.95).toFixed(2)}`));
  els.push(text({ name: 'headline', text: pick(rnd, WORDS.headline).replace(' ', '\n'), x: side + w * 0.04, y: h * 0.18, w: w * 0.37, type: { family: font(rnd), weight: 700, sizePx: h * 0.13, color: pal.ink, align: 'left', lineHeight: 1.15 } }));
  els.push(box('cta pill', side + w * 0.04, h * 0.7, w * 0.2, h * 0.12, `border-radius:${Math.round(h * 0.06)}px;background:${pal.accent}`));
  els.push(text({ name: 'cta', text: pick(rnd, ['지금 구매', '자세히 보기', 'SHOP NOW']), x: side + w * 0.04, y: h * 0.725, w: w * 0.2, type: { family: 'NanumGothic', weight: 700, sizePx: h * 0.05, color: '#ffffff', align: 'center' } }));
  return els;
};

const story: Family = async (rnd, w, h, pal) => {
  const els = [await pageBackground(rnd, w, h, pal, ['gradient', 'flat'])];
  els.push(text({ name: 'kicker', text: pick(rnd, WORDS.latin), x: w * 0.1, y: h * 0.16, w: w * 0.8, type: { family: 'NanumSquare', weight: 700, sizePx: w * 0.06, color: pal.accent, align: 'center', letterSpacingPx: Math.round(w * 0.01) } }));
  els.push(text({ name: 'headline', text: pick(rnd, WORDS.headline).replace(' ', '\n'), x: w * 0.08, y: h * 0.22, w: w * 0.84, type: { family: font(rnd), weight: 700, sizePx: w * 0.12, color: pal.ink, align: 'center', lineHeight: 1.2 } }));
  const cw = w * 0.7;
  els.push(photo('photo card', await photoUrl(rnd, cw, cw), w * 0.15, h * 0.42, cw, cw, `border-radius:${Math.round(cw * 0.06)}px;box-shadow:0 ${Math.round(cw * 0.03)}px ${Math.round(cw * 0.08)}px rgba(0,0,0,.3)`));
  els.push(box('bottom bar', 0, h * 0.86, w, h * 0.14, `background:${pal.accent}`));
  els.push(text({ name: 'bar text', text: pick(rnd, WORDS.date), x: 0, y: h * 0.9, w, type: { family: font(rnd), weight: 700, sizePx: w * 0.06, color: '#ffffff', align: 'center' } }));
  return els;
};

const feed: Family = async (rnd, w, h, pal) => {
  const els = [await pageBackground(rnd, w, h, pal, ['flat', 'pattern'])];
  els.push(text({ name: 'title', text: pick(rnd, WORDS.headline), x: w * 0.06, y: h * 0.08, w: w * 0.88, type: { family: font(rnd), weight: 700, sizePx: w * 0.085, color: pal.ink, align: 'center' } }));
  const cw = w * 0.27;
  for (let i = 0; i < 3; i++) {
    const x = w * 0.06 + i * (cw + w * 0.035);
    els.push(photo(`photo card ${i + 1}`, await photoUrl(rnd, cw, cw * 1.25), x, h * 0.3, cw, cw * 1.25, `border-radius:${Math.round(cw * 0.08)}px;box-shadow:0 ${Math.round(cw * 0.03)}px ${Math.round(cw * 0.07)}px rgba(0,0,0,.3)`));
    els.push(text({ name: `caption ${i + 1}`, text: WORDS.menu[(i * 3 + Math.floor(rnd() * 3)) % WORDS.menu.length][0], x, y: h * 0.3 + cw * 1.25 + h * 0.03, w: cw, type: { family: 'NanumBarunGothic', weight: 400, sizePx: w * 0.035, color: pal.ink, align: 'center' } }));
  }
  els.push(text({ name: 'footer', text: pick(rnd, WORDS.subline), x: w * 0.06, y: h * 0.86, w: w * 0.88, type: { family: font(rnd), weight: 400, sizePx: w * 0.035, color: pal.accent, align: 'center' } }));
  return els;
};

const coupon: Family = async (rnd, w, h, pal) => {
  const els = [await pageBackground(rnd, w, h, pal, ['flat', 'gradient'])];
  els.push(box('coupon', w * 0.08, h * 0.25, w * 0.84, h * 0.5, `border-radius:${Math.round(w * 0.03)}px;border:${Math.max(2, Math.round(w * 0.006))}px dashed ${pal.accent};background:${pal.soft}`));
  els.push(text({ name: 'amount', text: pick(rnd, WORDS.price), x: w * 0.08, y: h * 0.33, w: w * 0.84, type: { family: 'NanumSquare', weight: 700, sizePx: w * 0.16, color: pal.accent, align: 'center' } }));
  els.push(box('divider', w * 0.2, h * 0.58, w * 0.6, Math.max(2, h * 0.004), `background:${pal.ink};opacity:.5`));
  els.push(text({ name: 'condition', text: pick(rnd, WORDS.subline), x: w * 0.1, y: h * 0.62, w: w * 0.8, type: { family: font(rnd), weight: 400, sizePx: w * 0.04, color: pal.ink, align: 'center' } }));
  els.push(star('star', w * 0.76, h * 0.08, w * 0.14, pal.accent));
  return els;
};

const announcement: Family = async (rnd, w, h, pal) => {
  const els = [await pageBackground(rnd, w, h, pal, ['photo'])];
  const pw = w * 0.56;
  const px0 = rnd() < 0.5 ? w * 0.06 : w * 0.38;
  els.push(box('translucent panel', px0, h * 0.14, pw, h * 0.72, `border-radius:${Math.round(w * 0.025)}px;background:rgba(255,255,255,${between(rnd, 0.72, 0.88).toFixed(2)})`));
  els.push(text({ name: 'headline', text: pick(rnd, WORDS.headline), x: px0 + pw * 0.06, y: h * 0.22, w: pw * 0.88, type: { family: font(rnd), weight: 700, sizePx: w * 0.05, color: '#1a1a1a', align: 'left' } }));
  els.push(text({ name: 'body', text: `${pick(rnd, WORDS.subline)}\n${pick(rnd, WORDS.date)}`, x: px0 + pw * 0.06, y: h * 0.42, w: pw * 0.88, type: { family: 'NanumBarunGothic', weight: 400, sizePx: w * 0.028, color: '#333333', align: 'left', lineHeight: 1.5 } }));
  return els;
};

const typographic: Family = async (rnd, w, h, pal) => {
  const els = [await pageBackground(rnd, w, h, pal, ['flat', 'pattern'])];
  els.push(text({ name: 'rotated word', text: pick(rnd, WORDS.latin), x: w * 0.05, y: h * 0.38, w: w * 0.9, type: { family: 'NanumSquare', weight: 700, sizePx: w * 0.18, color: pal.accent, align: 'center', rotationDeg: Math.round(between(rnd, -14, -6)) } }));
  els.push(text({ name: 'right text', text: pick(rnd, WORDS.headline), x: w * 0.3, y: h * 0.08, w: w * 0.62, type: { family: font(rnd), weight: 700, sizePx: w * 0.06, color: pal.ink, align: 'right' } }));
  els.push(text({ name: 'numbers', text: pick(rnd, WORDS.date), x: w * 0.08, y: h * 0.82, w: w * 0.5, type: { family: 'NanumGothicCoding', weight: 400, sizePx: w * 0.05, color: pal.ink, align: 'left' } }));
  return els;
};

const infoGrid: Family = async (rnd, w, h, pal) => {
  const els = [await pageBackground(rnd, w, h, pal, ['flat', 'gradient'])];
  els.push(text({ name: 'title', text: pick(rnd, WORDS.headline), x: w * 0.06, y: h * 0.05, w: w * 0.88, type: { family: font(rnd), weight: 700, sizePx: w * 0.07, color: pal.ink, align: 'center' } }));
  const cell = w * 0.4;
  for (let i = 0; i < 4; i++) {
    const x = w * 0.07 + (i % 2) * (cell + w * 0.06);
    const y = h * 0.2 + Math.floor(i / 2) * (cell * 0.9 + h * 0.04);
    els.push(box(`panel ${i + 1}`, x, y, cell, cell * 0.9, `border-radius:${Math.round(cell * 0.06)}px;background:${pal.soft}`));
    els.push(box(`dot ${i + 1}`, x + cell * 0.38, y + cell * 0.12, cell * 0.24, cell * 0.24, `border-radius:50%;background:${pal.accent}`));
    els.push(text({ name: `panel text ${i + 1}`, text: WORDS.menu[(i * 2 + Math.floor(rnd() * 2)) % WORDS.menu.length].join('\n'), x, y: y + cell * 0.45, w: cell, type: { family: 'NanumGothic', weight: 400, sizePx: cell * 0.1, color: pal.ink, align: 'center', lineHeight: 1.4 } }));
  }
  return els;
};

/** Family, base size and the sizes it is made at (512-2048 px on the long side). */
const FAMILY_LIST: Array<[string, Family, number, number]> = [
  ['menu board', menu, 900, 1200],
  ['sale poster', sale, 1024, 1024],
  ['event poster', event, 1080, 1350],
  ['photo poster', photoHeadline, 1024, 1024],
  ['product card', productCard, 1080, 1080],
  ['banner 1.91:1', banner, 1200, 628],
  ['story 9:16', story, 720, 1280],
  ['feed 4:5', feed, 1080, 1350],
  ['coupon', coupon, 800, 800],
  ['announcement', announcement, 1600, 900],
  ['typographic', typographic, 768, 768],
  ['info grid', infoGrid, 1080, 1080],
];

export const DESIGN_FAMILIES = FAMILY_LIST.map(([name]) => name);

/**
 * The design poster for a seed: family = seed mod the families, scaled so the long side is 512-2048
 * px, or longSide when given (the same layout and content at that size).
 */
export async function designSpec(seed: number, longSide?: number): Promise<DesignSpec> {
  const [family, make, bw, bh] = FAMILY_LIST[seed % FAMILY_LIST.length];
  const rnd = mulberry32(seed * 7919 + 17);
  const picked = pick(rnd, [512, 768, 1024, 1024, 1024, 1280, 1536, 2048]);
  const long = longSide ?? picked;
  const scale = long / Math.max(bw, bh);
  const [w, h] = [Math.round(bw * scale), Math.round(bh * scale)];
  return { family, seed, width: w, height: h, elements: await make(rnd, w, h, pick(rnd, PALETTES)) };
}
