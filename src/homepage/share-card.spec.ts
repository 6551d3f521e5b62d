import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { expect } from 'expect';
import sharp from 'sharp';
import { CARD, encodeCard, MAX_CARD_BYTES, shareCardHtml } from './share-card';
import { siteContent } from './site-content';
import { PRESETS } from './site-theme';

const content = (over: Record<string, unknown> = {}) => siteContent({ name: '밀밭<b>베이커리</b>', category: '베이커리', phone: '02-123-4567', address: '서울 "마포구"', language: 'ko', ...over } as never, [], null);

describe('shareCardHtml', () => {
  it('escapes every text the shop wrote, and loads nothing but the inlined picture', () => {
    const html = shareCardHtml(content({ tagline: '<script>alert(1)</script>' }), PRESETS.warm, null, null);
    expect(html).toContain('<h1>밀밭&lt;b&gt;베이커리&lt;/b&gt;</h1>');
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).toContain('02-123-4567 · 서울 &quot;마포구&quot;');
    expect(html).not.toMatch(/<script|<b>|url\(http|src="http/);
  });
  it('is the accent with white text and the first letter without a picture, the surface with the picture beside it otherwise', () => {
    const plain = shareCardHtml(content(), PRESETS.fresh, null, null);
    expect(plain).toContain(`background:${PRESETS.fresh.accent};color:#ffffff`);
    expect(plain).toContain('<div class="panel mono"><span>밀</span></div>');
    const photo = shareCardHtml(content(), PRESETS.fresh, { css: '@font-face{}', stack: "'NanumGothic'" }, 'data:image/jpeg;base64,AAAA');
    expect(photo).toContain(`background:${PRESETS.fresh.surface};color:${PRESETS.fresh.ink}`);
    expect(photo).toContain("font-family:'NanumGothic',system-ui");
    expect(photo).toContain('<img src="data:image/jpeg;base64,AAAA" alt="" width="504" height="630">');
  });
});

describe('encodeCard', () => {
  it('keeps a flat card as lossless PNG', async () => {
    const flat = await sharp({ create: { width: CARD.width, height: CARD.height, channels: 4, background: PRESETS.warm.accent } }).png().toBuffer();
    const { data, mime } = await encodeCard(flat, PRESETS.warm.surface, true);
    expect(mime).toBe('image/png');
    expect(await sharp(data).metadata()).toMatchObject({ width: 1200, height: 630, format: 'png' });
  });
  it('brings a card whose picture is noise (the worst photo) under the limit as 256 colours, and one all noise as WebP, still 1200x630', async () => {
    const noise = (width: number) => sharp(randomBytes(width * CARD.height * 3), { raw: { width, height: CARD.height, channels: 3 } }).png().toBuffer();
    const panel = await sharp({ create: { width: CARD.width, height: CARD.height, channels: 3, background: PRESETS.warm.surface } }).composite([{ input: await noise(400), left: 800, top: 0 }]).png().toBuffer();
    const all = await noise(CARD.width);
    expect(all.length).toBeGreaterThan(MAX_CARD_BYTES);
    const outcomes = [];
    for (const card of [panel, all]) {
      const { data, mime } = await encodeCard(card, '#ffffff', false);
      expect(data.length).toBeLessThan(MAX_CARD_BYTES);
      expect(await sharp(data).metadata()).toMatchObject({ width: 1200, height: 630 });
      outcomes.push(mime);
    }
    expect(outcomes).toEqual(['image/png', 'image/webp']);
  });
});
