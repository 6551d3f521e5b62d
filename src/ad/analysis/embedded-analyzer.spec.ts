import { describe, it } from 'node:test';
import { expect } from 'expect';
import { relativeLuminance } from '../../vision/color-math';
import type { AspectPreset, Box, Rgb } from '../../vision/image.types';
import type { AnalyzeRequest, ImageAnalysis } from './analysis.types';
import { EmbeddedImageAnalyzer } from './embedded-analyzer';
import { boxesIntersect, boxInside, expandBox } from '../../vision/box-geometry';
import { PRODUCT_GAP } from './text-candidates';
import { wcagContrast } from '../../vision/text-color';

interface Scene {
  width: number;
  height: number;
  backdrop: Rgb;
  product: Box;
  productColor?: Rgb;
  /** Rows [from, to) painted as a 24 px checkerboard of near-black and near-white. */
  texture?: { from: number; to: number };
}

function paint(scene: Scene): { image: AnalyzeRequest['image']; mask: NonNullable<AnalyzeRequest['productMask']> } {
  const { width, height, backdrop, product } = scene;
  const data = Buffer.alloc(width * height * 3);
  const mask = Buffer.alloc(width * height);
  const fill = scene.productColor ?? [40, 32, 30];
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const p = y * width + x;
      // A soft vertical gradient, like a studio sweep.
      let c: number[] = backdrop.map((v) => v - (y / height) * 14);
      if (scene.texture && y >= scene.texture.from && y < scene.texture.to) c = ((x >> 4) + (y >> 4)) % 2 ? [24, 24, 24] : [232, 232, 232];
      const inProduct = x >= product.x && x < product.x + product.width && y >= product.y && y < product.y + product.height;
      if (inProduct) {
        c = fill;
        mask[p] = 255;
      }
      data[p * 3] = c[0];
      data[p * 3 + 1] = c[1];
      data[p * 3 + 2] = c[2];
    }
  }
  return { image: { data, width, height, channels: 3 }, mask: { data: mask, width, height, channels: 1 } };
}

async function analyze(scene: Scene, opts: { mask?: boolean; preset?: AspectPreset; position?: AnalyzeRequest['position'] } = {}): Promise<ImageAnalysis> {
  const { image, mask } = paint(scene);
  return new EmbeddedImageAnalyzer().analyze({ image, productMask: opts.mask === false ? undefined : mask, preset: opts.preset, position: opts.position ?? 'auto' });
}

/** Worst-case contrast recomputed from every pixel of the box (independent of the analyzer). */
function measuredContrast(scene: Scene, box: Box, text: Rgb): number {
  const { image } = paint(scene);
  const lums: number[] = [];
  for (let y = box.y; y < box.y + box.height; y += 2) {
    for (let x = box.x; x < box.x + box.width; x += 2) {
      const i = (y * image.width + x) * 3;
      lums.push(relativeLuminance([image.data[i], image.data[i + 1], image.data[i + 2]]));
    }
  }
  lums.sort((a, b) => a - b);
  const t = relativeLuminance(text);
  return Math.min(wcagContrast(t, lums[Math.floor(lums.length * 0.1)]), wcagContrast(t, lums[Math.floor(lums.length * 0.9)]));
}

const TALL_SCENE: Scene = { width: 1080, height: 1920, backdrop: [238, 232, 222], product: { x: 340, y: 1000, width: 400, height: 440 } };

describe('EmbeddedImageAnalyzer', () => {
  it('puts the best box above a product in the lower middle, clear of it and inside the 9:16 safe zone', async () => {
    const a = await analyze(TALL_SCENE, { preset: '9:16' });
    expect(a.productBox).toEqual(TALL_SCENE.product);
    const best = a.candidates[0];
    expect(best.position).toBe('top');
    expect(boxesIntersect(best.box, expandBox(TALL_SCENE.product, 1080 * PRODUCT_GAP - 1, 1080, 1920))).toBe(false);
    expect(boxInside(best.box, a.safeZone)).toBe(true);
    for (const c of a.candidates) {
      expect(c.box.y).toBeGreaterThanOrEqual(1920 * 0.14);
      expect(c.box.y + c.box.height).toBeLessThanOrEqual(1920 * 0.8);
    }
    expect(best.edgeDensity).toBeLessThan(0.02);
    expect(a.description).toMatch(/calm space at the top/);
  });

  it('keeps a gap of a few % of the canvas between the text box and a product close below it', async () => {
    const scene: Scene = { ...TALL_SCENE, product: { x: 340, y: 640, width: 400, height: 700 } };
    const a = await analyze(scene, { preset: '9:16' });
    const best = a.candidates[0];
    expect(best.position).toBe('top');
    // 3% of the short side, written out here so the analyzer's own constant is not trusted.
    expect(best.box.y + best.box.height).toBeLessThanOrEqual(640 - 1080 * 0.03);
  });

  it('estimates the product from saliency when no mask or box is given', async () => {
    const a = await analyze(TALL_SCENE, { mask: false });
    const got = a.productBox;
    expect(got).not.toBeNull();
    const p = TALL_SCENE.product;
    // Within a couple of thumbnail pixels (~8 px each) of the truth on every side.
    expect(Math.abs(got!.x - p.x)).toBeLessThan(20);
    expect(Math.abs(got!.y - p.y)).toBeLessThan(20);
    expect(Math.abs(got!.x + got!.width - (p.x + p.width))).toBeLessThan(20);
    expect(Math.abs(got!.y + got!.height - (p.y + p.height))).toBeLessThan(20);
  });

  it('moves off a busy textured top half to the calm bottom', async () => {
    const calm: Scene = { width: 1080, height: 1080, backdrop: [230, 226, 220], product: { x: 390, y: 470, width: 300, height: 260 } };
    expect((await analyze(calm)).candidates[0].position).toBe('top');
    const busy = await analyze({ ...calm, texture: { from: 0, to: 440 } });
    expect(busy.candidates[0].position).toBe('bottom');
    const top = busy.candidates.find((c) => c.position === 'top');
    expect(top?.edgeDensity ?? 1).toBeGreaterThan(0.3);
    expect(busy.edgeGrid[0]).toBeGreaterThan(busy.edgeGrid[6]);
  });

  it('lets a requested position with room win over the default order', async () => {
    const scene: Scene = { width: 1080, height: 1080, backdrop: [230, 226, 220], product: { x: 390, y: 400, width: 300, height: 260 } };
    expect((await analyze(scene, { position: 'auto' })).candidates[0].position).toBe('top');
    expect((await analyze(scene, { position: 'bottom' })).candidates[0].position).toBe('bottom');
  });

  it('offers the side beside the product on a wide 1.91:1 canvas', async () => {
    const a = await analyze({ width: 1200, height: 628, backdrop: [70, 100, 150], product: { x: 700, y: 110, width: 400, height: 420 } }, { preset: '1.91:1' });
    expect(a.candidates[0].position).toBe('left');
    expect(a.candidates[0].box.x + a.candidates[0].box.width).toBeLessThanOrEqual(700 - 628 * PRODUCT_GAP + 1);
  });

  for (const [label, backdrop] of [
    ['light', [240, 236, 228]],
    ['dark', [28, 30, 40]],
    ['mid-grey', [118, 118, 118]],
  ] as Array<[string, Rgb]>) {
    it(`picks a text colour with contrast >= 4.5 on a ${label} backdrop`, async () => {
      const scene: Scene = { width: 1080, height: 1080, backdrop, product: { x: 390, y: 500, width: 300, height: 400 }, productColor: [200, 40, 40] };
      const a = await analyze(scene);
      expect(a.contrast).toBeGreaterThanOrEqual(4.5);
      expect(measuredContrast(scene, a.candidates[0].box, a.textColor)).toBeGreaterThanOrEqual(4.4);
      const lum = relativeLuminance(a.textColor);
      // Mid-grey (L ~0.18) sits where black and white both just pass: either is right.
      if (label !== 'mid-grey') expect(label === 'dark' ? lum > 0.5 : lum < 0.2).toBe(true);
    });
  }

  it('reports the busy area honestly: no colour reaches 4.5 against a black-and-white checkerboard', async () => {
    const scene: Scene = { width: 1080, height: 1080, backdrop: [128, 128, 128], product: { x: 390, y: 500, width: 300, height: 400 }, texture: { from: 0, to: 1080 } };
    const a = await analyze(scene);
    const best = a.candidates[0];
    expect(best.luminanceP90! - best.luminanceP10!).toBeGreaterThan(0.6);
    expect(a.contrast).toBeLessThan(4.5);
  });

  it('fills the grids and palette and rejects a wrong buffer size', async () => {
    const a = await analyze(TALL_SCENE);
    expect(a.luminanceGrid).toHaveLength(9);
    expect(a.edgeGrid).toHaveLength(9);
    expect(a.luminanceGrid[0]).toBeGreaterThan(0.7);
    expect(a.palette[0].share).toBeGreaterThan(0.5);
    expect(a.provider).toBe('embedded');
    await expect(new EmbeddedImageAnalyzer().analyze({ image: { data: Buffer.alloc(10), width: 10, height: 10, channels: 3 }, position: 'auto' })).rejects.toThrow(RangeError);
  });

  it('stops on an aborted signal', async () => {
    const { image } = paint(TALL_SCENE);
    const controller = new AbortController();
    controller.abort();
    await expect(new EmbeddedImageAnalyzer().analyze({ image, position: 'auto', signal: controller.signal })).rejects.toThrow();
  });
});
