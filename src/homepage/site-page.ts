import { createHash } from 'node:crypto';
import { escapeHtml as e } from '../common/html';
import { SECTION_IDS, type SectionId, type SiteContent, type SiteImage } from './site-content';
import type { SiteTheme } from './site-theme';

/**
 * The sites' Content-Security-Policy: no script at all, nothing from elsewhere, the one inline
 * stylesheet by its hash, no framing: a generated page can do nothing but show itself.
 * connect-src 'self' lets crawlers' in-page tools (Lighthouse) read /robots.txt; with no script
 * allowed, nothing of the page's own can use it.
 */
export function siteCsp(styleHash: string): string {
  return `default-src 'none'; img-src 'self'; style-src ${styleHash}; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'`;
}

/** The site's share picture (Open Graph / Twitter card), a file of the site's folder. */
export interface SharePicture {
  file: string;
  mime: string;
  width: number;
  height: number;
  alt: string;
}

export interface RenderedSite {
  html: string;
  /** CSP source for the one inline stylesheet. */
  styleHash: string;
}

const T = {
  ko: { menu: '메뉴', products: '상품', about: '소개', hours: '영업시간', location: '오시는 길', contact: '연락처', call: '전화하기', naverMap: '네이버 지도', kakaoMap: '카카오맵', kakaoChannel: '카카오톡 채널', instagram: '인스타그램', owner: '대표자', business: '사업자등록번호', mailOrder: '통신판매업 신고번호', phone: '전화', address: '주소', closed: '' },
  en: { menu: 'Menu', products: 'Products', about: 'About', hours: 'Opening hours', location: 'Find us', contact: 'Contact', call: 'Call us', naverMap: 'Naver Map', kakaoMap: 'Kakao Map', kakaoChannel: 'KakaoTalk channel', instagram: 'Instagram', owner: 'Owner', business: 'Business registration', mailOrder: 'Mail-order registration', phone: 'Phone', address: 'Address', closed: '' },
};

/** The page's fonts: each visitor's own system sans, with the Korean ones named for older systems. */
export const SITE_FONTS = 'system-ui,-apple-system,"Apple SD Gothic Neo","Malgun Gothic","Noto Sans KR","NanumGothic",sans-serif';

function css(theme: SiteTheme): string {
  return `:root{--accent:${theme.accent};--surface:${theme.surface};--ink:${theme.ink};--muted:${theme.muted};--r:12px}
*{box-sizing:border-box}html{-webkit-text-size-adjust:100%}
body{margin:0;background:var(--surface);color:var(--ink);font:1rem/1.65 ${SITE_FONTS};word-break:keep-all;overflow-wrap:anywhere}
a{color:var(--accent)}a:focus-visible{outline:3px solid var(--ink);outline-offset:2px}
.wrap{max-width:64rem;margin:0 auto;padding:0 1.25rem}
header.top{border-bottom:1px solid #0001}header.top .wrap{display:flex;flex-wrap:wrap;gap:.5rem 1.25rem;align-items:center;justify-content:space-between;padding-block:.75rem}
.brand{font-weight:800;font-size:1.15rem;color:var(--ink);text-decoration:none}
nav ul{display:flex;flex-wrap:wrap;gap:.25rem 1rem;list-style:none;margin:0;padding:0}nav a{display:inline-block;padding:.5rem 0;color:var(--ink);text-decoration:none}
.hero{padding:2.5rem 0 2rem}.hero h1{font-size:clamp(1.9rem,6vw,3rem);line-height:1.2;margin:0 0 .5rem;letter-spacing:-.02em}
.hero p{font-size:1.15rem;color:var(--muted);margin:0 0 1.5rem}.hero img{display:block;width:100%;height:auto;border-radius:var(--r);margin-top:1.5rem}
@media (min-width:48rem){.hero .wrap{display:grid;grid-template-columns:1fr 1fr;gap:2.5rem;align-items:center}.hero img{margin:0;max-height:34rem;object-fit:cover}.hero img.ad{object-fit:contain}}
.cta{display:flex;flex-wrap:wrap;gap:.75rem}
.btn{display:inline-flex;align-items:center;min-height:48px;padding:.65rem 1.3rem;border-radius:999px;background:var(--accent);color:#fff;font-weight:700;text-decoration:none}
.btn.alt{background:transparent;color:var(--accent);box-shadow:inset 0 0 0 2px var(--accent)}
section{padding:2rem 0;border-top:1px solid #0001}h2{font-size:1.5rem;margin:0 0 1rem}
.grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(15rem,1fr));gap:1.25rem;align-items:start;list-style:none;margin:0;padding:0}
.card{background:#fff;border-radius:var(--r);overflow:hidden;box-shadow:0 1px 3px #0002}.card img{display:block;width:100%;height:auto;aspect-ratio:4/5;object-fit:cover}.card img.ad{aspect-ratio:auto}
.card div{padding:.9rem 1rem 1.1rem}.card h3{font-size:1.1rem;margin:0}.price{font-weight:800;color:var(--accent);margin:.25rem 0 0}.card p{margin:.4rem 0 0;color:var(--muted)}
dl.hours{display:grid;grid-template-columns:max-content 1fr;gap:.35rem 1.5rem;margin:0}dt{font-weight:700}dd{margin:0}
.links{display:flex;flex-wrap:wrap;gap:.75rem;list-style:none;padding:0;margin:1rem 0 0}
footer{padding:2rem 0 3rem;color:var(--muted);font-size:.9rem;border-top:1px solid #0001}footer p{margin:.2rem 0}`;
}

function picture(img: SiteImage, sizes: string, eager: boolean): string {
  const srcset = img.widths.map((w) => `${img.base}-${w}.webp ${w}w`).join(', ');
  const largest = img.widths[img.widths.length - 1];
  const height = Math.round((img.height * largest) / img.width);
  const loading = eager ? 'fetchpriority="high"' : 'loading="lazy"';
  return `<img${img.ad ? ' class="ad"' : ''} src="${img.base}-${largest}.webp" srcset="${srcset}" sizes="${sizes}" width="${largest}" height="${height}" alt="${e(img.alt)}" decoding="async" ${loading}>`;
}

/** schema.org JSON-LD: the fields Google asks of a LocalBusiness, only what the shop said. */
export function jsonLd(c: SiteContent, siteUrl: string | null, share: SharePicture | null = null): Record<string, unknown> {
  const days = c.hours.rows.map((r) => ({ '@type': 'OpeningHoursSpecification', description: r.days, opens: r.opens, closes: r.closes }));
  return {
    '@context': 'https://schema.org',
    '@type': c.businessType,
    name: c.name,
    ...(siteUrl ? { url: siteUrl, '@id': `${siteUrl}#business` } : {}),
    ...(c.address ? { address: { '@type': 'PostalAddress', streetAddress: c.address, addressCountry: 'KR' } } : {}),
    ...(c.phone ? { telephone: c.tel } : {}),
    ...(c.hero && siteUrl ? { image: `${siteUrl}${c.hero.base}-${c.hero.widths[c.hero.widths.length - 1]}.webp` } : share && siteUrl ? { image: `${siteUrl}${share.file}` } : {}),
    ...(days.length ? { openingHoursSpecification: days } : {}),
    // Free-text hours stay on the page: schema.org's openingHours wants "Tu-Su 08:00-20:00", not prose.
    ...(c.links.naver_map || c.links.kakao_map ? { hasMap: c.links.naver_map ?? c.links.kakao_map } : {}),
    ...(c.links.kakao_channel || c.links.instagram ? { sameAs: [c.links.kakao_channel, c.links.instagram].filter(Boolean) } : {}),
    ...(c.products.length
      ? {
          hasOfferCatalog: {
            '@type': 'OfferCatalog',
            name: c.name,
            itemListElement: c.products.map((p) => ({
              '@type': 'Offer',
              itemOffered: { '@type': 'Product', name: p.name, ...(p.description ? { description: p.description } : {}) },
              ...(p.priceValue !== null ? { price: p.priceValue, priceCurrency: 'KRW' } : {}),
              ...(p.link ? { url: p.link } : {}),
            })),
          },
        }
      : {}),
  };
}

/** The hero's call to action: the phone and the first map, the one the plan put first filled. */
function heroButtons(c: SiteContent, map: readonly ['naver_map' | 'kakao_map', string] | undefined, callLabel: string): string {
  const links = [c.phone ? { href: `tel:${c.tel}`, label: callLabel, rel: '' } : null, map ? { href: e(c.links[map[0]]!), label: map[1], rel: ' rel="noopener"' } : null].filter((x) => x !== null);
  if (c.heroButton === 'map' && links.length === 2) links.reverse();
  return links.map((l, i) => `<a class="btn${i ? ' alt' : ''}" href="${l.href}"${l.rel}>${l.label}</a>`).join('');
}

/**
 * The one page: static HTML with one inlined stylesheet and no script, every text escaped.
 * `siteUrl` (absolute, ending in /) makes the canonical, Open Graph and JSON-LD URLs; without
 * it those are left out rather than guessed: a relative og:image is ignored by the messengers
 * that read it (KakaoTalk, Facebook), so there would be no picture either way.
 */
export function renderSite(c: SiteContent, theme: SiteTheme, siteUrl: string | null, share: SharePicture | null = null): RenderedSite {
  const t = T[c.lang];
  const style = css(theme);
  const hasHours = c.hours.text || c.hours.rows.length;
  const maps = ([['naver_map', t.naverMap], ['kakao_map', t.kakaoMap]] as const).filter(([k]) => c.links[k]);
  const social = ([['kakao_channel', t.kakaoChannel], ['instagram', t.instagram]] as const).filter(([k]) => c.links[k]);
  const shown: Record<SectionId, boolean> = { products: c.products.length > 0, about: true, hours: Boolean(hasHours), location: Boolean(c.address || maps.length), contact: true };
  const order = [...c.sections, ...SECTION_IDS.filter((id) => !c.sections.includes(id))].filter((id) => shown[id]);
  const description = `${c.tagline} ${c.address ?? ''}`.trim().slice(0, 155);
  const ogImage = share && siteUrl ? `${siteUrl}${share.file}` : null;
  const ld = JSON.stringify(jsonLd(c, siteUrl, share)).replace(/</g, '\\u003c');
  const head = [
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${e(c.name)}${c.category ? ` | ${e(c.category)}` : ''}</title>`,
    `<meta name="description" content="${e(description)}">`,
    `<meta name="theme-color" content="${theme.accent}">`,
    '<link rel="icon" href="favicon.png" type="image/png" sizes="48x48">',
    '<link rel="apple-touch-icon" href="apple-touch-icon.png">',
    ...(siteUrl ? [`<link rel="canonical" href="${e(siteUrl)}">`, `<meta property="og:url" content="${e(siteUrl)}">`] : []),
    '<meta property="og:type" content="website">',
    `<meta property="og:title" content="${e(c.name)}">`,
    `<meta property="og:description" content="${e(description)}">`,
    `<meta property="og:locale" content="${c.lang === 'ko' ? 'ko_KR' : 'en_US'}">`,
    ...(ogImage && share
      ? [
          `<meta property="og:image" content="${e(ogImage)}">`,
          `<meta property="og:image:type" content="${share.mime}">`,
          `<meta property="og:image:width" content="${share.width}">`,
          `<meta property="og:image:height" content="${share.height}">`,
          `<meta property="og:image:alt" content="${e(share.alt)}">`,
          '<meta name="twitter:card" content="summary_large_image">',
          `<meta name="twitter:image" content="${e(ogImage)}">`,
          `<meta name="twitter:image:alt" content="${e(share.alt)}">`,
        ]
      : ['<meta name="twitter:card" content="summary">']),
    `<meta name="twitter:title" content="${e(c.name)}">`,
    `<meta name="twitter:description" content="${e(description)}">`,
    `<style>${style}</style>`,
    `<script type="application/ld+json">${ld}</script>`,
  ];
  const products = c.products.length
    ? `<section id="products" aria-labelledby="products-h"><div class="wrap"><h2 id="products-h">${t.products}</h2><ul class="grid">${c.products
        .map(
          (p) =>
            `<li class="card">${p.image ? picture(p.image, '(min-width: 64rem) 20rem, (min-width: 34rem) 50vw, 100vw', false) : ''}<div><h3>${p.link ? `<a href="${e(p.link)}" rel="noopener">${e(p.name)}</a>` : e(p.name)}</h3>${p.price ? `<p class="price">${e(p.price)}</p>` : ''}${p.description ? `<p>${e(p.description)}</p>` : ''}</div></li>`,
        )
        .join('')}</ul></div></section>`
    : '';
  const hours = hasHours
    ? `<section id="hours" aria-labelledby="hours-h"><div class="wrap"><h2 id="hours-h">${t.hours}</h2>${c.hours.text ? `<p>${e(c.hours.text)}</p>` : `<dl class="hours">${c.hours.rows.map((r) => `<dt>${e(r.days)}</dt><dd>${r.opens} – ${r.closes}</dd>`).join('')}</dl>`}</div></section>`
    : '';
  const location =
    c.address || maps.length
      ? `<section id="location" aria-labelledby="location-h"><div class="wrap"><h2 id="location-h">${t.location}</h2>${c.address ? `<address>${e(c.address)}</address>` : ''}${maps.length ? `<ul class="links">${maps.map(([k, label]) => `<li><a class="btn alt" href="${e(c.links[k]!)}" rel="noopener">${label}</a></li>`).join('')}</ul>` : ''}</div></section>`
      : '';
  const contact = `<section id="contact" aria-labelledby="contact-h"><div class="wrap"><h2 id="contact-h">${t.contact}</h2>${c.phone ? `<p>${t.phone}: <a href="tel:${c.tel}">${e(c.phone).replace(/-/g, '&#8209;')}</a></p>` : ''}${social.length ? `<ul class="links">${social.map(([k, label]) => `<li><a class="btn alt" href="${e(c.links[k]!)}" rel="noopener">${label}</a></li>`).join('')}</ul>` : ''}</div></section>`;
  const about = `<section id="about" aria-labelledby="about-h"><div class="wrap"><h2 id="about-h">${t.about}</h2><p>${e(c.about)}</p></div></section>`;
  const sections: Record<SectionId, string> = { products, about, hours, location, contact };
  const f = c.footer;
  const footer = `<footer><div class="wrap"><p><strong>${e(c.name)}</strong></p>${f.owner ? `<p>${t.owner}: ${e(f.owner)}</p>` : ''}${f.business_number ? `<p>${t.business}: ${e(f.business_number)}</p>` : ''}${f.mail_order_number ? `<p>${t.mailOrder}: ${e(f.mail_order_number)}</p>` : ''}${c.address ? `<p>${t.address}: ${e(c.address)}</p>` : ''}${c.phone ? `<p>${t.phone}: ${e(c.phone)}</p>` : ''}</div></footer>`;
  const body = [
    `<header class="top"><div class="wrap"><a class="brand" href="#top">${e(c.name)}</a><nav aria-label="${t.menu}"><ul>${order.map((id) => `<li><a href="#${id}">${t[id]}</a></li>`).join('')}</ul></nav></div></header>`,
    `<main id="top"><div class="hero"><div class="wrap"><div><h1>${e(c.name)}</h1><p>${e(c.tagline)}</p><div class="cta">${heroButtons(c, maps[0], t.call)}</div></div>${c.hero ? picture(c.hero, '(min-width: 64rem) 30rem, (min-width: 48rem) 50vw, 100vw', true) : ''}</div></div>`,
    ...order.map((id) => sections[id]),
    '</main>',
    footer,
  ];
  const html = `<!DOCTYPE html>\n<html lang="${c.lang}">\n<head>\n${head.join('\n')}\n</head>\n<body>\n${body.filter(Boolean).join('\n')}\n</body>\n</html>\n`;
  return { html, styleHash: `'sha256-${createHash('sha256').update(style).digest('base64')}'` };
}
