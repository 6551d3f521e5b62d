import { readFileSync } from 'node:fs';
import sharp from 'sharp';
import { mulberry32 } from '../../src/ad/background/procedural-noise';
import { SAMPLE_PHOTO } from './test-app';

/** One ground-truth layer: full-canvas RGBA, straight alpha. */
export interface TruthLayer {
  kind: 'background' | 'shape' | 'object' | 'text';
  name: string;
  rgba: Buffer;
  text?: string;
  /** A text layer's font size (px). */
  fontPx?: number;
}

export interface Poster {
  seed: number;
  width: number;
  height: number;
  /** The flattened poster (RGB PNG), what a user would upload. */
  png: Buffer;
  /** Back to front. */
  layers: TruthLayer[];
}

const HEADLINES = ['명절 특가', '가을 신메뉴 출시', '오늘만 50% 할인', '신선한 아침 커피', '주말 한정 1+1', '봄맞이 대세일'];
const SUBLINES = ['SUMMER SALE', 'Free delivery over 30,000원', '11.30 - 12.31', 'NEW ARRIVAL', '매장 및 온라인 동시 진행'];
const FONTS = ['NanumGothic', 'NanumSquare', 'NanumMyeongjo', 'NanumBarunGothic'];
const PALETTE = ['#d7263d', '#1b998b', '#2e294e', '#f46036', '#c5d86d', '#fcd581', '#3a86ff', '#8338ec', '#111111', '#fefefe'];

const svg = (w: number, h: number, body: string) => Buffer.from(`<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}">${body}</svg>`);
const escapeXml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

async function rgbaOf(input: Buffer, w: number, h: number): Promise<Buffer> {
  return sharp(input).resize(w, h, { fit: 'fill' }).ensureAlpha().raw().toBuffer();
}

/**
 * A seeded poster with its true layers, LayerD-style: a gradient or photo background, flat
 * shapes (some semi-transparent), a shaded product, and Korean and Latin text blocks in the
 * installed Nanum fonts. The same seed always gives the same poster.
 */
export async function makePoster(seed: number, width = 1024, height = 1024): Promise<Poster> {
  const rnd = mulberry32(seed);
  const pick = <T>(list: T[]) => list[Math.floor(rnd() * list.length)];
  const layers: TruthLayer[] = [];

  // Even seeds: a gradient; odd seeds: a photo.
  if (seed % 2 === 0) {
    const [a, b] = [pick(PALETTE), pick(PALETTE)];
    const angle = Math.floor(rnd() * 4);
    const [x2, y2] = [[0, 1], [1, 0], [1, 1], [0.3, 1]][angle];
    layers.push({
      kind: 'background',
      name: 'gradient background',
      rgba: await rgbaOf(svg(width, height, `<defs><linearGradient id="g" x2="${x2}" y2="${y2}"><stop offset="0" stop-color="${a}"/><stop offset="1" stop-color="${b}"/></linearGradient></defs><rect width="100%" height="100%" fill="url(#g)"/>`), width, height),
    });
  } else {
    // A real photo's texture, softened as posters do behind their copy.
    const photo = await sharp(readFileSync(SAMPLE_PHOTO)).resize(width, height, { fit: 'cover' }).blur(6 + rnd() * 10).modulate({ brightness: 0.8 + rnd() * 0.3 }).png().toBuffer();
    layers.push({ kind: 'background', name: 'photo background', rgba: await rgbaOf(photo, width, height) });
  }

  const shapes = Math.floor(rnd() * 3);
  for (let i = 0; i < shapes; i++) {
    const w = Math.round(width * (0.2 + rnd() * 0.5));
    const h = Math.round(height * (0.08 + rnd() * 0.25));
    const x = Math.round(rnd() * (width - w));
    const y = Math.round(rnd() * (height - h));
    const opacity = rnd() < 0.3 ? 0.55 : 1;
    const round = rnd() < 0.5 ? Math.round(Math.min(w, h) * 0.2) : 0;
    const body = rnd() < 0.25 ? `<ellipse cx="${x + w / 2}" cy="${y + h / 2}" rx="${w / 2}" ry="${h / 2}"` : `<rect x="${x}" y="${y}" width="${w}" height="${h}" rx="${round}"`;
    layers.push({ kind: 'shape', name: `shape ${i + 1}`, rgba: await rgbaOf(svg(width, height, `${body} fill="${pick(PALETTE)}" fill-opacity="${opacity}"/>`), width, height) });
  }

  if (rnd() < 0.7) {
    // A bottle: a shaded body and a cap, standing in the lower half.
    const bw = Math.round(width * (0.14 + rnd() * 0.08));
    const bh = Math.round(height * (0.3 + rnd() * 0.12));
    const bx = Math.round(width * (0.3 + rnd() * 0.4) - bw / 2);
    const by = Math.round(height * 0.92 - bh);
    const [c1, c2] = [pick(PALETTE), pick(PALETTE)];
    const body =
      `<defs><linearGradient id="b"><stop offset="0" stop-color="${c1}"/><stop offset="0.45" stop-color="#ffffff" stop-opacity="0.9"/><stop offset="1" stop-color="${c1}"/></linearGradient></defs>` +
      `<rect x="${bx}" y="${by + bh * 0.18}" width="${bw}" height="${bh * 0.82}" rx="${bw * 0.18}" fill="url(#b)"/>` +
      `<rect x="${bx + bw * 0.3}" y="${by}" width="${bw * 0.4}" height="${bh * 0.2}" rx="${bw * 0.06}" fill="${c2}"/>`;
    layers.push({ kind: 'object', name: 'product', rgba: await rgbaOf(svg(width, height, body), width, height) });
  }

  const blocks = 1 + Math.floor(rnd() * 2);
  for (let i = 0; i < blocks; i++) {
    const text = i === 0 ? pick(HEADLINES) : pick(SUBLINES);
    const size = Math.round(height * (i === 0 ? 0.07 + rnd() * 0.04 : 0.035 + rnd() * 0.015));
    const y = Math.round(height * (i === 0 ? 0.12 + rnd() * 0.08 : 0.26 + rnd() * 0.06) + size);
    const weight = i === 0 ? 'bold' : 'normal';
    const fill = pick(['#ffffff', '#111111', '#ffd23f', '#e4002b']);
    const stroke = fill === '#ffffff' || fill === '#ffd23f' ? '#111111' : '#ffffff';
    const body = `<text x="${width / 2}" y="${y}" font-family="${pick(FONTS)}" font-size="${size}" font-weight="${weight}" text-anchor="middle" fill="${fill}" stroke="${stroke}" stroke-width="${Math.max(1, size * 0.04)}" paint-order="stroke">${escapeXml(text)}</text>`;
    layers.push({ kind: 'text', name: `text ${i + 1}`, rgba: await rgbaOf(svg(width, height, body), width, height), text, fontPx: size });
  }

  let flat = sharp(layers[0].rgba, { raw: { width, height, channels: 4 } });
  flat = flat.composite(layers.slice(1).map((l) => ({ input: l.rgba, raw: { width, height, channels: 4 as const } })));
  const png = await sharp(await flat.png().toBuffer()).removeAlpha().png().toBuffer();
  return { seed, width, height, png, layers };
}
