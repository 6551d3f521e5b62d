import { Inject, Injectable } from '@nestjs/common';
import sharp from 'sharp';
import { escapeHtml as e } from '../common/html';
import { FontsService } from '../fonts/fonts.service';
import type { FontFaceBundle } from '../fonts/fonts.types';
import { HTML_RENDERER, type HtmlRenderer } from '../renderer/renderer.types';
import type { SiteFile } from './site-assets';
import type { SiteContent } from './site-content';
import { SITE_FONTS, type SharePicture } from './site-page';
import type { SiteTheme } from './site-theme';

/** The size Facebook, KakaoTalk and X crop their large link previews to (1.91:1). */
export const CARD = { width: 1200, height: 630 } as const;
/** Messengers fetch the picture on every share; KakaoTalk and Facebook refuse or skip large ones. */
export const MAX_CARD_BYTES = 300_000;
/** The picture's panel: a 4:5 ad fills it exactly at the card's height. */
const PANEL_WIDTH = 504;
const RENDER_TIMEOUT_MS = 20_000;

/** The card's picture: the site's hero as it was made (an ad is shown whole, a photo cropped). */
export interface CardPicture {
  bytes: Buffer;
  ad: boolean;
}

/**
 * The card as one HTML document, every text escaped: the category, the shop's name and its
 * tagline (sized together by the renderer's fit, --fs), the phone then the address (one line,
 * so a long address is cut, never the number); on the right the picture, or with none the
 * shop's first letter as on its icon. With a picture the card is the site's surface with an
 * accent stripe; without, the accent itself with white text, so a card with no photo is still
 * unmistakably the shop's colour.
 */
export function shareCardHtml(c: SiteContent, theme: SiteTheme, fonts: Pick<FontFaceBundle, 'css' | 'stack'> | null, pictureUrl: string | null, breakAnywhere = false): string {
  const plain = pictureUrl === null;
  const bg = plain ? theme.accent : theme.surface;
  const [ink, muted, kicker] = plain ? ['#ffffff', '#ffffffe6', theme.surface] : [theme.ink, theme.muted, theme.accent];
  const letter = e([...c.name.trim()][0] ?? '·');
  const foot = [c.phone, c.address].filter(Boolean).map((x) => e(x!)).join(' · ');
  const panel = plain ? `<div class="panel mono"><span>${letter}</span></div>` : `<div class="panel"><img src="${pictureUrl}" alt="" width="${PANEL_WIDTH}" height="${CARD.height}"></div>`;
  return `<!DOCTYPE html><html lang="${c.lang}"><head><meta charset="utf-8"><style>
${fonts?.css ?? ''}
:root{--fs:96px}
html,body{margin:0;width:${CARD.width}px;height:${CARD.height}px;overflow:hidden}
body{display:flex;background:${bg};color:${ink};font-family:${fonts ? `${fonts.stack},` : ''}${SITE_FONTS};word-break:keep-all;overflow-wrap:anywhere}
.text{flex:1;min-width:0;display:flex;flex-direction:column;box-sizing:border-box;height:${CARD.height}px;padding:56px 60px 48px 72px;${plain ? '' : `border-left:20px solid ${theme.accent};`}}
.main{flex:1;min-height:0;overflow:hidden;display:flex;flex-direction:column;justify-content:center}
.kicker{margin:0 0 .5em;font-size:max(22px,calc(var(--fs) * .28));font-weight:700;color:${kicker}}
h1{margin:0;font-size:var(--fs);line-height:1.15;font-weight:800;letter-spacing:-.02em;overflow-wrap:${breakAnywhere ? 'anywhere' : 'normal'}}
.tag{margin:.7em 0 0;font-size:max(24px,calc(var(--fs) * .38));line-height:1.4;color:${muted}}
.foot{margin:24px 0 0;font-size:24px;color:${muted};white-space:nowrap;overflow:hidden;text-overflow:ellipsis}
.panel{flex:none;width:${PANEL_WIDTH}px;height:${CARD.height}px}.panel img{display:block}
.mono{display:flex;align-items:center;justify-content:center}
.mono span{display:flex;align-items:center;justify-content:center;width:380px;height:380px;border-radius:50%;background:${theme.surface};color:${theme.accent};font-size:200px;font-weight:800;line-height:1}
</style></head><body><div class="text"><div class="main">${c.category ? `<p class="kicker">${e(c.category)}</p>` : ''}<h1>${e(c.name)}</h1><p class="tag">${e(c.tagline)}</p></div>${foot ? `<p class="foot">${foot}</p>` : ''}</div>${panel}</body></html>`;
}

/**
 * The site's share card (og:image), drawn by the same Chromium pool and font bundle as the
 * ads' text: JavaScript off, no request but its own fonts, the picture inlined as a data: URL.
 * Encoded as PNG, palette-reduced when a photo makes the full-colour file too large, WebP as a
 * last resort, so every card stays under MAX_CARD_BYTES.
 */
@Injectable()
export class ShareCardService {
  constructor(
    @Inject(HTML_RENDERER) private readonly renderer: HtmlRenderer,
    private readonly fonts: FontsService,
  ) {}

  async render(c: SiteContent, theme: SiteTheme, picture: CardPicture | null, signal?: AbortSignal): Promise<{ file: SiteFile; share: SharePicture }> {
    const text = [c.category, c.name, c.tagline, c.address, c.phone].filter(Boolean).join(' ');
    const bundle = this.bundle(text);
    const pictureUrl = picture ? `data:image/jpeg;base64,${(await panelOf(picture, theme.surface)).toString('base64')}` : null;
    const draw = (breakAnywhere: boolean) =>
      this.renderer.render({
        html: shareCardHtml(c, theme, bundle, pictureUrl, breakAnywhere),
        ...CARD,
        fonts: bundle?.assets ?? [],
        fit: { selector: '.main', cssVar: '--fs', minPx: 36, maxPx: 104 },
        timeoutMs: RENDER_TIMEOUT_MS,
        signal,
      });
    // The name shrinks until its longest word fits its line ("밀밭베이커리", never "밀밭베이커/리");
    // only a word too long even at the smallest size is broken, in a second render.
    let rendered = await draw(false);
    if (rendered.overflow) rendered = await draw(true);
    const { data, mime, ext } = await encodeCard(rendered.png, theme.surface, picture === null);
    const alt = `${c.name}: ${c.tagline}`;
    return { file: { name: `share-card.${ext}`, mime, data }, share: { file: `share-card.${ext}`, mime, ...CARD, alt } };
  }

  /** The installed Hangul sans the ads use, as files the render may load; null when none is installed (the site's own stack then). */
  private bundle(text: string): FontFaceBundle | null {
    try {
      return this.fonts.faceBundle(this.fonts.resolve(undefined, text), text);
    } catch {
      return null;
    }
  }
}

/** The picture cut to the panel: a photo cropped to fill it, an ad whole on the surface colour. */
function panelOf(picture: CardPicture, surface: string): Promise<Buffer> {
  return sharp(picture.bytes)
    .rotate()
    .resize(PANEL_WIDTH, CARD.height, { fit: picture.ad ? 'contain' : 'cover', background: surface })
    .flatten({ background: surface })
    .jpeg({ quality: 88 })
    .toBuffer();
}

/**
 * The most faithful file under the limit: lossless PNG for a flat card (no picture: tens of KB),
 * 256-colour PNG for a card with a photo (full colour would be ~450 KB; libimagequant's dithered
 * palette is ~150 KB and looks the same at a glance, in ~0.2 s at effort 4), else WebP, stepping
 * its quality down until it fits (only a picture close to noise gets that far).
 */
export async function encodeCard(png: Buffer, background: string, flat: boolean): Promise<{ data: Buffer; mime: string; ext: string }> {
  const base = () => sharp(png).flatten({ background });
  if (flat) {
    const full = await base().png({ compressionLevel: 9, adaptiveFiltering: true }).toBuffer();
    if (full.length < MAX_CARD_BYTES) return { data: full, mime: 'image/png', ext: 'png' };
  }
  const palette = await base().png({ palette: true, quality: 92, effort: 4, dither: 1, compressionLevel: 9 }).toBuffer();
  if (palette.length < MAX_CARD_BYTES) return { data: palette, mime: 'image/png', ext: 'png' };
  let webp = Buffer.alloc(0);
  for (const quality of [80, 65, 50, 35, 20, 5]) {
    webp = await base().webp({ quality, effort: 4 }).toBuffer();
    if (webp.length < MAX_CARD_BYTES) break;
  }
  return { data: webp, mime: 'image/webp', ext: 'webp' };
}
