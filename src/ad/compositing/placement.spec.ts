import { describe, it } from 'node:test';
import { expect } from 'expect';
import { ASPECT_PRESETS, type Box } from '../../vision/image.types';
import { type FrameCuts, frameCuts, NO_CUTS } from './frame-cuts';
import { MAX_BLEED_UPSCALE, MAX_UPSCALE, placeProduct, standOnFloor, TALL_SAFE_ZONE, type TextPosition, THIN_ASPECT } from './placement';

const POSITIONS: TextPosition[] = ['auto', 'top', 'center', 'bottom'];
/** Cutouts of different shapes: square-ish, tall bottle, wide tray. */
const PRODUCTS: Array<{ box: Box; size: { width: number; height: number } }> = [
  { box: { x: 40, y: 30, width: 400, height: 380 }, size: { width: 500, height: 450 } },
  { box: { x: 100, y: 10, width: 180, height: 900 }, size: { width: 400, height: 1000 } },
  { box: { x: 5, y: 200, width: 1500, height: 300 }, size: { width: 1600, height: 700 } },
];

describe('placeProduct', () => {
  it('keeps the product inside the canvas and the margins for every preset and text position', () => {
    for (const canvas of Object.values(ASPECT_PRESETS)) {
      for (const { box, size } of PRODUCTS) {
        for (const textPosition of POSITIONS) {
          const p = placeProduct(box, size, canvas, { textPosition, margins: { x: 0.05, y: 0.04 } });
          expect(p.box.x).toBeGreaterThanOrEqual(Math.floor(canvas.width * 0.05));
          expect(p.box.y).toBeGreaterThanOrEqual(Math.floor(canvas.height * 0.04));
          expect(p.box.x + p.box.width).toBeLessThanOrEqual(Math.ceil(canvas.width * 0.95));
          expect(p.box.y + p.box.height).toBeLessThanOrEqual(Math.ceil(canvas.height * 0.96));
          expect(p.floorY).toBe(p.box.y + p.box.height);
        }
      }
    }
  });

  it('keeps the 9:16 platform safe zones free of the product', () => {
    const canvas = ASPECT_PRESETS['9:16'];
    for (const { box, size } of PRODUCTS) {
      for (const textPosition of POSITIONS) {
        const p = placeProduct(box, size, canvas, { textPosition });
        expect(p.box.y).toBeGreaterThanOrEqual(canvas.height * TALL_SAFE_ZONE.top);
        expect(p.box.y + p.box.height).toBeLessThanOrEqual(canvas.height * (1 - TALL_SAFE_ZONE.bottom));
      }
    }
  });

  it("keeps the middle free for 'center' copy, the product standing below it; without copy it centres the product", () => {
    const cup = PRODUCTS[0];
    for (const canvas of [ASPECT_PRESETS['1:1'], ASPECT_PRESETS['4:5'], ASPECT_PRESETS['9:16']]) {
      const withCopy = placeProduct(cup.box, cup.size, canvas, { textPosition: 'center' });
      expect(withCopy.box.y).toBeGreaterThanOrEqual(Math.floor(canvas.height * 0.54));
      const alone = placeProduct(cup.box, cup.size, canvas, { textPosition: 'center', copy: false });
      expect(Math.abs(alone.box.y + alone.box.height / 2 - canvas.height / 2)).toBeLessThan(canvas.height * 0.06);
    }
  });

  it('keeps the aspect ratio and the size caps', () => {
    const canvas = { width: 1024, height: 1024 };
    for (const { box, size } of PRODUCTS) {
      const p = placeProduct(box, size, canvas, { textPosition: 'auto' });
      const thin = box.height >= box.width * THIN_ASPECT;
      expect(p.box.width / p.box.height).toBeCloseTo(box.width / box.height, 1);
      expect(p.box.height).toBeLessThanOrEqual(canvas.height * (thin ? 0.86 : 0.62));
      expect(p.box.width).toBeLessThanOrEqual(canvas.width * 0.7);
      expect(Math.abs(p.box.width - box.width * p.scale)).toBeLessThanOrEqual(1);
    }
  });

  it('stands a thin, tall subject the height of the canvas on the right, leaving the left for the copy', () => {
    const bottle = PRODUCTS[1];
    for (const canvas of [ASPECT_PRESETS['1:1'], ASPECT_PRESETS['4:5']]) {
      const p = placeProduct(bottle.box, bottle.size, canvas, { textPosition: 'auto' });
      expect(p.box.height).toBeGreaterThan(canvas.height * 0.75);
      expect(p.box.x).toBeGreaterThanOrEqual(canvas.width * 0.5);
      // Asked for a text position, it keeps the band as before.
      const top = placeProduct(bottle.box, bottle.size, canvas, { textPosition: 'top' });
      expect(top.box.height).toBeLessThanOrEqual(canvas.height * 0.62);
    }
  });

  it('holds an enlargement to the cap it is given, and leaves the room to the set', () => {
    const free = placeProduct({ x: 0, y: 0, width: 300, height: 280 }, { width: 300, height: 280 }, { width: 1080, height: 1350 }, { textPosition: 'auto' });
    const held = placeProduct({ x: 0, y: 0, width: 300, height: 280 }, { width: 300, height: 280 }, { width: 1080, height: 1350 }, { textPosition: 'auto', maxUpscale: 1.2 });
    expect(free.scale).toBeGreaterThan(1.5);
    expect(held.scale).toBeCloseTo(1.2, 5);
    expect(held.box.width).toBeLessThanOrEqual(360);
    // Still standing on the same floor line, centred in the same area.
    expect(held.floorY).toBe(free.floorY);
    expect(Math.abs(held.box.x + held.box.width / 2 - (free.box.x + free.box.width / 2))).toBeLessThanOrEqual(1);
  });

  it('never upscales a tiny product past 2x', () => {
    const p = placeProduct({ x: 0, y: 0, width: 40, height: 30 }, { width: 40, height: 30 }, { width: 1080, height: 1080 }, { textPosition: 'auto' });
    expect(p.scale).toBeLessThanOrEqual(MAX_UPSCALE);
    expect(p.box.width).toBeLessThanOrEqual(80);
  });

  it('moves the product down for text on top and up for text at the bottom', () => {
    const { box, size } = PRODUCTS[0];
    const canvas = ASPECT_PRESETS['4:5'];
    const top = placeProduct(box, size, canvas, { textPosition: 'top' });
    const bottom = placeProduct(box, size, canvas, { textPosition: 'bottom' });
    const auto = placeProduct(box, size, canvas, { textPosition: 'auto' });
    expect(top.box.y).toBeGreaterThan(bottom.box.y + canvas.height * 0.15);
    expect(auto.box).toEqual(top.box);
    // Text at the top: the space above the product is at least the text band.
    expect(top.box.y).toBeGreaterThan(canvas.height * 0.25);
    expect(canvas.height - bottom.floorY).toBeGreaterThan(canvas.height * 0.25);
  });

  it('centres horizontally on square canvases and goes to one side on wide ones', () => {
    const { box, size } = PRODUCTS[0];
    const square = placeProduct(box, size, ASPECT_PRESETS['1:1'], { textPosition: 'auto' });
    expect(Math.abs(square.box.x + square.box.width / 2 - 540)).toBeLessThanOrEqual(1);
    const wide = ASPECT_PRESETS['1.91:1'];
    const side = placeProduct(box, size, wide, { textPosition: 'auto' });
    expect(side.box.x).toBeGreaterThanOrEqual(wide.width / 2);
    expect(side.box.width).toBeLessThanOrEqual(wide.width * 0.42);
  });

  it('scales relative to the fitted size', () => {
    const { box, size } = PRODUCTS[0];
    const full = placeProduct(box, size, ASPECT_PRESETS['1:1'], { textPosition: 'auto' });
    const half = placeProduct(box, size, ASPECT_PRESETS['1:1'], { textPosition: 'auto', scale: 0.5 });
    const over = placeProduct(box, size, ASPECT_PRESETS['1:1'], { textPosition: 'auto', scale: 3 });
    expect(half.scale).toBeCloseTo(full.scale / 2, 5);
    expect(over.box).toEqual(full.box);
    // Smaller product, same floor line.
    expect(half.floorY).toBe(full.floorY);
  });

  it('rejects a bbox outside the cutout', () => {
    expect(() => placeProduct({ x: 10, y: 10, width: 100, height: 100 }, { width: 50, height: 50 }, { width: 100, height: 100 }, { textPosition: 'auto' })).toThrow(RangeError);
    expect(() => placeProduct({ x: 0, y: 0, width: 0, height: 10 }, { width: 50, height: 50 }, { width: 100, height: 100 }, { textPosition: 'auto' })).toThrow(RangeError);
  });
});

describe('standOnFloor', () => {
  const box = { x: 100, y: 400, width: 200, height: 300 };
  const placement = { box, visible: box, scale: 1, floorY: 700, bleed: NO_CUTS };
  it('moves a base that would stand on the wall down onto the painted floor', () => {
    const moved = standOnFloor(placement, 720, 1000);
    expect(moved.floorY).toBe(750);
    expect(moved.box).toEqual({ x: 100, y: 450, width: 200, height: 300 });
    expect(moved.visible).toEqual(moved.box);
  });
  it('leaves a base already on the floor, and never goes past the last 1% of the canvas', () => {
    expect(standOnFloor(placement, 600, 1000)).toBe(placement);
    expect(standOnFloor(placement, 980, 1000).floorY).toBe(990);
  });
  it('leaves a subject that bleeds off the bottom where it is: it has no base to stand', () => {
    const bled = { ...placement, bleed: { ...NO_CUTS, bottom: true } };
    expect(standOnFloor(bled, 720, 1000)).toBe(bled);
  });
});

/** A 1-channel matte with the rectangles given solid. */
function matte(w: number, h: number, ...rects: Box[]) {
  const data = Buffer.alloc(w * h);
  for (const r of rects) for (let y = r.y; y < r.y + r.height; y++) data.fill(255, y * w + r.x, y * w + r.x + r.width);
  return { data, width: w, height: h, channels: 1 as const };
}

describe('frameCuts', () => {
  it('finds the sides a close-up runs off, and not a corner that grazes the border', () => {
    // A face cut at the top, left and bottom of a 400x300 photo.
    const face = { x: 0, y: 0, width: 260, height: 300 };
    expect(frameCuts(matte(400, 300, face), face)).toEqual({ top: true, right: false, bottom: true, left: true });
    // A bottle standing in the middle, its base 3 px on the bottom row: grazing, not cut.
    const bottle = { x: 180, y: 40, width: 40, height: 260 };
    expect(frameCuts(matte(400, 300, { ...bottle, height: 250 }, { x: 198, y: 299, width: 3, height: 1 }), bottle)).toEqual(NO_CUTS);
    expect(frameCuts(matte(400, 300, bottle), bottle)).toEqual({ ...NO_CUTS, bottom: true });
    expect(frameCuts(matte(400, 300, { x: 180, y: 40, width: 40, height: 200 }), { x: 180, y: 40, width: 40, height: 200 })).toEqual(NO_CUTS);
  });
  it('reads a subject touching all four sides as a tight crop, not a cut', () => {
    const all = { x: 0, y: 0, width: 400, height: 300 };
    expect(frameCuts(matte(400, 300, all), all)).toEqual(NO_CUTS);
  });
});

describe('placeProduct with a subject cut by the frame', () => {
  const size = { width: 800, height: 600 };
  const cut = (sides: Partial<FrameCuts>): FrameCuts => ({ ...NO_CUTS, ...sides });
  const right = (b: Box) => b.x + b.width;
  const bottom = (b: Box) => b.y + b.height;

  it('puts each cut side on the same canvas side, in every preset and text position', () => {
    const cases: Array<[Partial<FrameCuts>, Box]> = [
      [{ bottom: true }, { x: 240, y: 120, width: 320, height: 480 }],
      [{ left: true }, { x: 0, y: 160, width: 300, height: 240 }],
      [{ right: true, bottom: true }, { x: 400, y: 200, width: 400, height: 400 }],
      [{ top: true, left: true, bottom: true }, { x: 0, y: 0, width: 520, height: 600 }],
      [{ left: true, right: true }, { x: 0, y: 200, width: 800, height: 240 }],
    ];
    for (const canvas of Object.values(ASPECT_PRESETS)) {
      for (const [sides, box] of cases) {
        for (const textPosition of POSITIONS) {
          const p = placeProduct(box, size, canvas, { textPosition, cuts: cut(sides) });
          const where = { canvas, sides, textPosition };
          expect({ ...where, bleed: p.bleed }).toEqual({ ...where, bleed: cut(sides) });
          // A cut side lies on (or beyond) its canvas edge; the visible part never leaves the canvas.
          if (sides.left) expect({ ...where, x: Math.min(p.box.x, 0) }).toEqual({ ...where, x: p.box.x });
          if (sides.right) expect({ ...where, over: right(p.box) >= canvas.width }).toEqual({ ...where, over: true });
          if (sides.top) expect({ ...where, over: p.box.y <= 0 }).toEqual({ ...where, over: true });
          if (sides.bottom) expect({ ...where, over: bottom(p.box) >= canvas.height, floorY: p.floorY }).toEqual({ ...where, over: true, floorY: canvas.height });
          expect(p.visible.x).toBeGreaterThanOrEqual(0);
          expect(p.visible.y).toBeGreaterThanOrEqual(0);
          expect(right(p.visible)).toBeLessThanOrEqual(canvas.width);
          expect(bottom(p.visible)).toBeLessThanOrEqual(canvas.height);
          expect(p.scale).toBeLessThanOrEqual(MAX_BLEED_UPSCALE);
        }
      }
    }
  });

  it('keeps the text band on the uncut sides and scales a bust to read', () => {
    const canvas = ASPECT_PRESETS['4:5'];
    const bust = placeProduct({ x: 240, y: 120, width: 320, height: 480 }, size, canvas, { textPosition: 'top', cuts: cut({ bottom: true }) });
    expect(bust.box.y).toBeGreaterThanOrEqual(canvas.height * 0.24); // the headline band stays free
    expect(bust.box.height).toBeGreaterThan(canvas.height * 0.62); // larger than a whole product may be
    expect(Math.abs(bust.box.x + bust.box.width / 2 - canvas.width / 2)).toBeLessThanOrEqual(1);
  });

  it('spans the canvas with a subject cut on opposite sides, even past the usual upscale', () => {
    const canvas = ASPECT_PRESETS['1:1'];
    const face = placeProduct({ x: 0, y: 0, width: 260, height: 300 }, { width: 400, height: 300 }, canvas, { textPosition: 'auto', cuts: cut({ top: true, left: true, bottom: true }) });
    expect(face.box).toMatchObject({ x: 0, y: 0 });
    expect(face.box.height).toBeGreaterThanOrEqual(canvas.height);
    expect(face.scale).toBeGreaterThan(MAX_UPSCALE);
  });
});
