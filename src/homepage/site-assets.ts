import sharp from 'sharp';
import { escapeHtml } from '../common/html';
import type { SiteImage } from './site-content';
import { openImage } from '../common/images/image-input';

export interface SiteFile {
  /** A flat file name inside the site folder. */
  name: string;
  mime: string;
  data: Buffer;
}

/** Widths the pictures are made in; a photo is never enlarged past its own width. */
const WIDTHS = [320, 640, 960, 1280];

/** A picture as WebP variants for srcset, `${base}-${width}.webp`. */
export async function imageVariants(input: Buffer, base: string, alt: string): Promise<{ image: SiteImage; files: SiteFile[] }> {
  const meta = await openImage(input).rotate().metadata();
  const own = meta.autoOrient?.width ?? meta.width ?? 1;
  const ownHeight = meta.autoOrient?.height ?? meta.height ?? 1;
  const top = Math.min(own, WIDTHS[WIDTHS.length - 1]);
  const widths = [...WIDTHS.filter((w) => w < top), top];
  const files = await Promise.all(
    widths.map(async (w) => ({
      name: `${base}-${w}.webp`,
      mime: 'image/webp',
      data: await openImage(input).rotate().resize({ width: w }).flatten({ background: '#ffffff' }).webp({ quality: 78, effort: 4 }).toBuffer(),
    })),
  );
  return { image: { base, widths, width: own, height: ownHeight, alt }, files };
}

/** The favicon (48 px) and touch icon (180 px): the shop's first letter on its accent colour. */
export async function icons(name: string, accent: string): Promise<SiteFile[]> {
  const letter = escapeHtml([...name.trim()][0] ?? '·');
  const svg = (size: number, radius: number) =>
    Buffer.from(
      `<svg xmlns="http://www.w3.org/2000/svg" width="${size}" height="${size}"><rect width="${size}" height="${size}" rx="${radius}" fill="${accent}"/>` +
        `<text x="50%" y="50%" dy="0.35em" text-anchor="middle" font-family="NanumGothic, sans-serif" font-weight="bold" font-size="${Math.round(size * 0.58)}" fill="#ffffff">${letter}</text></svg>`,
    );
  return [
    { name: 'favicon.png', mime: 'image/png', data: await sharp(svg(48, 10)).png().toBuffer() },
    { name: 'apple-touch-icon.png', mime: 'image/png', data: await sharp(svg(180, 0)).png().toBuffer() },
  ];
}
