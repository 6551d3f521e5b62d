import { describe, it } from 'node:test';
import { expect } from 'expect';
import { JobAbortedError } from '../../common/errors/domain.exception';
import type { Box, RawImage } from '../../vision/image.types';
import { composeProductShot, scaleProduct, type ComposeInput } from './composite';
import { placeProduct } from './placement';

const CANVAS = { width: 400, height: 400 };
const GREY = 200;

function flatBackground(): RawImage {
  return { data: Buffer.alloc(CANVAS.width * CANVAS.height * 3, GREY), ...CANVAS, channels: 3 };
}

/**
 * A goblet-like cutout: a wide bowl on top of a narrow stem and foot, so the footprint is much
 * narrower than the bbox. The RGB varies per pixel so a wrong copy cannot pass by luck.
 */
function gobletCutout(): { cutout: RawImage; box: Box } {
  const width = 120;
  const height = 160;
  const data = Buffer.alloc(width * height * 4);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const inBowl = y >= 10 && y < 90 && Math.abs(x - 60) < 50;
      const inStem = y >= 90 && y < 150 && Math.abs(x - 60) < 8;
      if (!inBowl && !inStem) continue;
      const i = (y * width + x) * 4;
      data[i] = 30 + ((x * 7) % 90);
      data[i + 1] = 60 + ((y * 5) % 120);
      data[i + 2] = 90 + (((x + y) * 3) % 100);
      data[i + 3] = 255;
    }
  }
  return { cutout: { data, width, height, channels: 4 }, box: { x: 11, y: 10, width: 99, height: 140 } };
}

function input(overrides: Partial<ComposeInput> = {}): ComposeInput {
  const { cutout, box } = gobletCutout();
  const placement = placeProduct(box, cutout, CANVAS, { textPosition: 'auto' });
  return { background: flatBackground(), cutout, productBox: box, placement, keyLight: { x: 0, y: 0 }, ...overrides };
}

function at(img: RawImage, x: number, y: number, c = 0): number {
  return img.data[(y * img.width + x) * img.channels + c];
}

describe('composeProductShot', () => {
  it('returns canvas-size layers and the placed bbox', async () => {
    const args = input();
    const out = await composeProductShot(args);
    expect(out.image).toMatchObject({ ...CANVAS, channels: 3 });
    expect(out.shadow).toMatchObject({ ...CANVAS, channels: 4 });
    expect(out.product).toMatchObject({ ...CANVAS, channels: 4 });
    expect(out.image.data.length).toBe(CANVAS.width * CANVAS.height * 3);
    expect(out.productBox).toEqual(args.placement.box);
  });

  it('copies the scaled cutout unchanged wherever its alpha is 255', async () => {
    const args = input();
    const out = await composeProductShot(args);
    const scaled = await scaleProduct(args.cutout, args.productBox, args.placement.box);
    let solid = 0;
    const mismatches: string[] = [];
    for (let y = 0; y < scaled.height; y++) {
      for (let x = 0; x < scaled.width; x++) {
        const s = (y * scaled.width + x) * 4;
        if (scaled.data[s + 3] !== 255) continue;
        solid++;
        for (let c = 0; c < 3; c++) {
          const want = scaled.data[s + c];
          const image = at(out.image, scaled.x + x, scaled.y + y, c);
          const layer = at(out.product, scaled.x + x, scaled.y + y, c);
          if (image !== want || layer !== want) mismatches.push(`(${x},${y},${c}) ${want} vs ${image}/${layer}`);
        }
      }
    }
    expect(solid).toBeGreaterThan(1000);
    expect(mismatches.slice(0, 5)).toEqual([]);
  });

  it('lands the product bbox on the placement box', async () => {
    const args = input();
    const out = await composeProductShot(args);
    const { box } = args.placement;
    let minX = Infinity;
    let maxX = -1;
    let minY = Infinity;
    let maxY = -1;
    for (let y = 0; y < CANVAS.height; y++) {
      for (let x = 0; x < CANVAS.width; x++) {
        if (at(out.product, x, y, 3) < 128) continue;
        minX = Math.min(minX, x);
        maxX = Math.max(maxX, x);
        minY = Math.min(minY, y);
        maxY = Math.max(maxY, y);
      }
    }
    expect(Math.abs(minX - box.x)).toBeLessThanOrEqual(1);
    expect(Math.abs(minY - box.y)).toBeLessThanOrEqual(1);
    expect(Math.abs(maxX + 1 - (box.x + box.width))).toBeLessThanOrEqual(1);
    expect(Math.abs(maxY + 1 - (box.y + box.height))).toBeLessThanOrEqual(1);
  });

  it('darkens the floor at the base and leaves far-away background untouched', async () => {
    const args = input();
    const out = await composeProductShot(args);
    const { box, floorY } = args.placement;
    const cx = Math.round(box.x + box.width / 2);
    expect(at(out.image, cx, floorY + 1)).toBeLessThan(GREY - 40);
    expect(at(out.shadow, cx, floorY + 1, 3)).toBeGreaterThan(40);
    expect(at(out.image, 5, 5)).toBe(GREY);
    expect(at(out.shadow, 5, 5, 3)).toBe(0);
    expect(at(out.shadow, cx, floorY + 1, 0)).toBe(0);
  });

  it('follows the matte: the contact shadow is under the stem, not under the whole bbox', async () => {
    const args = input();
    const out = await composeProductShot(args);
    const { box, floorY } = args.placement;
    const cx = Math.round(box.x + box.width / 2);
    // Near the bbox's lower corners the bowl is far above the floor: only the soft cast
    // shadow may reach there, much lighter than the contact under the stem.
    const underStem = at(out.shadow, cx, floorY + 1, 3);
    const underCorner = Math.max(at(out.shadow, box.x + 2, floorY + 1, 3), at(out.shadow, box.x + box.width - 3, floorY + 1, 3));
    expect(underStem).toBeGreaterThan(underCorner * 2);
  });

  it('casts the shadow away from the key light', async () => {
    const sideSums = async (keyLight: { x: number; y: number }) => {
      const args = input({ keyLight });
      const out = await composeProductShot(args);
      const { box, floorY } = args.placement;
      let left = 0;
      let right = 0;
      for (let y = floorY - 40; y < floorY; y++) {
        for (let x = 0; x < box.x; x++) left += at(out.shadow, x, y, 3);
        for (let x = box.x + box.width; x < CANVAS.width; x++) right += at(out.shadow, x, y, 3);
      }
      return { left, right };
    };
    const lightLeft = await sideSums({ x: 0, y: 0 });
    const lightRight = await sideSums({ x: CANVAS.width, y: 0 });
    expect(lightLeft.right).toBeGreaterThan(lightLeft.left * 2);
    expect(lightRight.left).toBeGreaterThan(lightRight.right * 2);
  });

  it('lays a flat lay\'s shadow right under the product, a short offset down, not along a floor behind it', async () => {
    const args = input({ keyLight: { x: 0, y: -2000 }, flat: true });
    const out = await composeProductShot(args);
    const { box } = args.placement;
    const centre = { shadow: [0, 0], product: [0, 0] };
    let beyond = 0;
    for (let y = 0; y < CANVAS.height; y++) {
      for (let x = 0; x < CANVAS.width; x++) {
        const a = at(out.shadow, x, y, 3);
        const p = at(out.product, x, y, 3);
        centre.shadow[0] += a;
        centre.shadow[1] += a * y;
        centre.product[0] += p;
        centre.product[1] += p * y;
        if (y < box.y - box.height * 0.1) beyond += a;
      }
    }
    const shadowY = centre.shadow[1] / centre.shadow[0];
    const productY = centre.product[1] / centre.product[0];
    // The silhouette itself, a few percent of the height lower: never thrown up the frame like a cast shadow on a sweep.
    expect(shadowY).toBeGreaterThan(productY);
    expect(shadowY).toBeLessThan(productY + box.height * 0.12);
    expect(beyond).toBe(0);
  });

  it('accepts a product scaled ahead of time and gives the same image', async () => {
    const args = input();
    const direct = await composeProductShot(args);
    const early = await composeProductShot({ ...args, scaled: scaleProduct(args.cutout, args.productBox, args.placement.box) });
    expect(early.image.data.equals(direct.image.data)).toBe(true);
  });

  it('keeps a glass see-through: its partial alpha stays, and the new backdrop shows through it', async () => {
    // A glass: a rim at full alpha, a body at 90/255 whose colour (decontaminated) is a pale blue.
    const { cutout, box } = gobletCutout();
    for (let i = 0; i < cutout.width * cutout.height; i++) {
      if (cutout.data[i * 4 + 3] === 0) continue;
      const x = i % cutout.width;
      if (Math.abs(x - 60) < 44) [cutout.data[i * 4], cutout.data[i * 4 + 1], cutout.data[i * 4 + 2], cutout.data[i * 4 + 3]] = [200, 225, 240, 90];
    }
    // A backdrop red on the left half and green on the right.
    const background = flatBackground();
    for (let p = 0; p < CANVAS.width * CANVAS.height; p++) background.data.set((p % CANVAS.width) < CANVAS.width / 2 ? [220, 40, 40] : [40, 200, 60], p * 3);
    const args = input({ cutout, productBox: box, background });
    const out = await composeProductShot(args);
    const b = args.placement.box;
    const y = b.y + Math.round(b.height * 0.3);
    const [left, right] = [b.x + Math.round(b.width * 0.3), b.x + Math.round(b.width * 0.7)];
    expect(at(out.product, left, y, 3)).toBeGreaterThan(70);
    expect(at(out.product, left, y, 3)).toBeLessThan(110);
    // Over the red half the glass is red-tinted, over the green half green-tinted: the backdrop shows.
    expect(at(out.image, left, y, 0) - at(out.image, left, y, 1)).toBeGreaterThan(80);
    expect(at(out.image, right, y, 1) - at(out.image, right, y, 0)).toBeGreaterThan(60);
    // Exactly F·a + B·(1 - a): no grey added at the partial alpha.
    const a = at(out.product, left, y, 3) / 255;
    expect(Math.abs(at(out.image, left, y, 0) - (at(out.product, left, y, 0) * a + 220 * (1 - a)))).toBeLessThanOrEqual(2);
  });

  it('honours an aborted signal', async () => {
    const controller = new AbortController();
    controller.abort();
    await expect(composeProductShot(input({ signal: controller.signal }))).rejects.toBeInstanceOf(JobAbortedError);
  });

  it('rejects layers with the wrong channel count', async () => {
    const bad: RawImage = { data: Buffer.alloc(CANVAS.width * CANVAS.height * 4), ...CANVAS, channels: 4 };
    await expect(composeProductShot(input({ background: bad }))).rejects.toThrow(RangeError);
  });
});
