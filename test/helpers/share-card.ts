import { expect } from 'expect';
import sharp from 'sharp';
import type { TestApp } from './test-app';

/** What the tests look at in a site's share card, once its tags and file have been checked. */
export interface ShareCardSeen {
  file: string;
  url: string;
  bytes: number;
  alt: string;
  /** The card's top-left pixel, #rrggbb: its background. */
  corner: string;
  /** The share of near-white pixels (white text on the accent). */
  whiteShare: number;
  /** The right-hand panel (the picture, or the first letter): how much it varies, 0 for a flat fill. */
  panel: { stdev: number };
}

const meta = (html: string, key: string): string | undefined => new RegExp(`<meta (?:property|name)="${key.replace(/[.:]/g, '\\$&')}" content="([^"]*)">`).exec(html)?.[1];

/**
 * Checks a published page's share card as a messenger reads it: og:image an absolute URL under
 * `siteUrl`, with its type, width, height and alt, twitter:image the same; then fetches the file
 * from the app at that URL's path: 1200x630, under 300 KB, of the type the page says.
 */
export async function shareCardOf(t: TestApp, siteId: string, html: string, siteUrl: string): Promise<ShareCardSeen> {
  const url = meta(html, 'og:image');
  expect(url).toMatch(new RegExp(`^${siteUrl.replace(/[.?/]/g, '\\$&')}share-card\\.(png|webp)$`));
  const file = url!.slice(siteUrl.length);
  expect({ width: meta(html, 'og:image:width'), height: meta(html, 'og:image:height'), twitter: meta(html, 'twitter:image'), card: meta(html, 'twitter:card') }).toEqual({
    width: '1200',
    height: '630',
    twitter: url,
    card: 'summary_large_image',
  });
  const alt = meta(html, 'og:image:alt') ?? '';
  expect(alt.length).toBeGreaterThan(3);
  expect(meta(html, 'twitter:image:alt')).toBe(alt);

  const served = await t.http.get(`/sites/${siteId}/${file}`).responseType('blob').expect(200);
  const bytes = served.body as Buffer;
  expect(served.headers['content-type']).toBe(meta(html, 'og:image:type'));
  expect(bytes.length).toBeLessThan(300_000);
  const { data, info } = await sharp(bytes).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  expect({ width: info.width, height: info.height, format: (await sharp(bytes).metadata()).format }).toEqual({ width: 1200, height: 630, format: file.endsWith('.png') ? 'png' : 'webp' });

  const corner = `#${[data[0], data[1], data[2]].map((v) => v.toString(16).padStart(2, '0')).join('')}`;
  let white = 0;
  for (let i = 0; i < data.length; i += 3) if (data[i] > 235 && data[i + 1] > 235 && data[i + 2] > 235) white++;
  const panel = await sharp(bytes).extract({ left: 1200 - 504, top: 0, width: 504, height: 630 }).stats();
  const stdev = panel.channels.slice(0, 3).reduce((sum, c) => sum + c.stdev, 0) / 3;
  return { file, url: url!, bytes: bytes.length, alt, corner, whiteShare: white / (data.length / 3), panel: { stdev } };
}
