import { describe, it } from 'node:test';
import { expect } from 'expect';
import sharp from 'sharp';
import { cropRgba, detailSharpness, KEEP_SHARPNESS, sharpenInside } from './sharpness';
import { placeSharply } from './sharp-placement';
import { placeProduct } from './placement';
import type { RawImage } from '../../vision/image.types';

/** A product with fine print: a disc (transparent around it) carrying 1 px stripes and a 2 px checker, seeded. */
async function detailedProduct(size: number, seed: number): Promise<RawImage> {
  let s = seed >>> 0 || 1;
  const rnd = () => ((s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32);
  const stripes = Array.from({ length: 14 }, (_, i) => `<rect x="${Math.round(size * 0.2 + i * 3 + rnd() * 2)}" y="${size * 0.3}" width="1" height="${size * 0.4}" fill="#1a1a1a"/>`).join('');
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${size}" height="${size}"><circle cx="${size / 2}" cy="${size / 2}" r="${size * 0.45}" fill="#e8d9c0"/>${stripes}<text x="${size * 0.25}" y="${size * 0.85}" font-size="${Math.round(size * 0.08)}" fill="#202020" font-family="sans-serif">LABEL 42</text></svg>`;
  const { data, info } = await sharp(Buffer.from(svg)).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height, channels: 4 };
}

async function enlarge(image: RawImage, scale: number): Promise<{ data: Buffer; width: number; height: number }> {
  const width = Math.round(image.width * scale);
  const height = Math.round(image.height * scale);
  const data = await sharp(image.data, { raw: { width: image.width, height: image.height, channels: 4 } }).resize(width, height, { kernel: 'lanczos3', fit: 'fill' }).raw().toBuffer();
  return { data, width, height };
}

describe('detailSharpness', () => {
  it('falls when the product is enlarged, in proportion to the enlargement', async () => {
    const product = await detailedProduct(200, 3);
    const source = detailSharpness(product.data, product.width, product.height);
    const twice = await enlarge(product, 2);
    const ratio = detailSharpness(twice.data, twice.width, twice.height) / source;
    expect(source).toBeGreaterThan(50);
    expect(ratio).toBeLessThan(0.75);
    expect(ratio).toBeGreaterThan(0.3);
  });

  it('is 0 for a product with no solid interior, and ignores the outline against transparency', () => {
    expect(detailSharpness(Buffer.alloc(16 * 16 * 4), 16, 16)).toBe(0);
    // A flat-coloured disc: its only steps are at its outline, where alpha is not solid.
    const flat = Buffer.alloc(40 * 40 * 4);
    for (let y = 0; y < 40; y++) for (let x = 0; x < 40; x++) if ((x - 20) ** 2 + (y - 20) ** 2 < 300) flat.set([200, 40, 40, 255], (y * 40 + x) * 4);
    expect(detailSharpness(flat, 40, 40)).toBe(0);
  });

  it('reads the same within the product\'s region of a canvas-sized layer as over all of it', async () => {
    const product = await detailedProduct(120, 7);
    const [w, h, left, top] = [400, 300, 230, 160];
    const layer = Buffer.alloc(w * h * 4);
    for (let y = 0; y < 120; y++) product.data.copy(layer, ((top + y) * w + left) * 4, y * 120 * 4, (y + 1) * 120 * 4);
    const whole = detailSharpness(layer, w, h);
    expect(whole).toBeGreaterThan(50);
    expect(detailSharpness(layer, w, h, { x: left, y: top, width: 120, height: 120 })).toBe(whole);
    // Past the canvas's edges is clamped; a region off the product reads nothing.
    expect(detailSharpness(layer, w, h, { x: left - 10, y: top - 10, width: 500, height: 500 })).toBe(whole);
    expect(detailSharpness(layer, w, h, { x: 0, y: 0, width: 100, height: 100 })).toBe(0);
  });
});

describe('sharpenInside', () => {
  it('takes back part of an enlargement\'s softening, and touches no pixel of the outline', async () => {
    const product = await detailedProduct(160, 5);
    const up = await enlarge(product, 1.5);
    const sharpened = await sharpenInside(up.data, up.width, up.height, 1.5);
    expect(detailSharpness(sharpened, up.width, up.height)).toBeGreaterThan(detailSharpness(up.data, up.width, up.height) * 1.1);
    for (let i = 0; i < up.data.length; i += 4) {
      if (up.data[i + 3] < 250) expect([sharpened[i], sharpened[i + 1], sharpened[i + 2], sharpened[i + 3]]).toEqual([up.data[i], up.data[i + 1], up.data[i + 2], up.data[i + 3]]);
    }
  });

  it('leaves a product that is not enlarged as it is', async () => {
    const product = await detailedProduct(80, 1);
    expect((await sharpenInside(product.data, 80, 80, 1)).equals(product.data)).toBe(true);
  });
});

describe('placeSharply', () => {
  const canvas = { width: 1080, height: 1080 };
  const placer = (image: RawImage, box: { x: number; y: number; width: number; height: number }) => (maxUpscale?: number) => placeProduct(box, image, canvas, { textPosition: 'auto', maxUpscale });

  it('holds a small detailed product to the enlargement that keeps its sharpness, measured on the resize the composite uses', async () => {
    const product = await detailedProduct(180, 9);
    const box = { x: 0, y: 0, width: 180, height: 180 };
    const wanted = placer(product, box)();
    const { placement, scaled, cap } = await placeSharply(product, box, placer(product, box));
    expect(wanted.scale).toBeGreaterThan(1.9);
    expect(cap).not.toBeNull();
    expect(placement.scale).toBeLessThan(wanted.scale);
    expect(placement.scale).toBeGreaterThanOrEqual(1);
    const source = detailSharpness(product.data, 180, 180);
    if (scaled) {
      expect(detailSharpness(scaled.data, scaled.width, scaled.height) / source).toBeGreaterThanOrEqual(KEEP_SHARPNESS);
      expect(scaled.width).toBeGreaterThanOrEqual(placement.box.width);
    }
  });

  it('does not hold back a product with no detail to lose, nor one that is not enlarged', async () => {
    const flat = { data: Buffer.alloc(50 * 50 * 4, 255), width: 50, height: 50, channels: 4 } satisfies RawImage;
    const box = { x: 0, y: 0, width: 50, height: 50 };
    const held = await placeSharply(flat, box, placer(flat, box));
    expect(held.cap).toBeNull();
    expect(held.placement.scale).toBe(2);
    const big = await detailedProduct(1200, 2);
    const whole = { x: 0, y: 0, width: 1200, height: 1200 };
    const large = await placeSharply(big, whole, placer(big, whole));
    expect(large.placement.scale).toBeLessThan(1);
    expect(large.cap).toBeNull();
  });

  it('crops exactly the box it is given', async () => {
    const product = await detailedProduct(100, 4);
    const crop = cropRgba(product, { x: 10, y: 20, width: 30, height: 40 });
    expect(crop.data.subarray(0, 4)).toEqual(product.data.subarray((20 * 100 + 10) * 4, (20 * 100 + 10) * 4 + 4));
    expect(crop.data.length).toBe(30 * 40 * 4);
  });
});
