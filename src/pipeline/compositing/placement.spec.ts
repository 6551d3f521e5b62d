import { describe, it } from 'node:test';
import { expect } from 'expect';
import { ASPECT_PRESETS, type Box } from '../../vision/image.types';
import { MAX_UPSCALE, placeProduct, standOnFloor, TALL_SAFE_ZONE, type TextPosition } from './placement';

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

  it('keeps the aspect ratio and the size caps', () => {
    const canvas = { width: 1024, height: 1024 };
    for (const { box, size } of PRODUCTS) {
      const p = placeProduct(box, size, canvas, { textPosition: 'auto' });
      expect(p.box.width / p.box.height).toBeCloseTo(box.width / box.height, 1);
      expect(p.box.height).toBeLessThanOrEqual(canvas.height * 0.62);
      expect(p.box.width).toBeLessThanOrEqual(canvas.width * 0.7);
      expect(Math.abs(p.box.width - box.width * p.scale)).toBeLessThanOrEqual(1);
    }
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
  const placement = { box: { x: 100, y: 400, width: 200, height: 300 }, scale: 1, floorY: 700 };
  it('moves a base that would stand on the wall down onto the painted floor', () => {
    const moved = standOnFloor(placement, 720, 1000);
    expect(moved.floorY).toBe(750);
    expect(moved.box).toEqual({ x: 100, y: 450, width: 200, height: 300 });
  });
  it('leaves a base already on the floor, and never goes past the last 1% of the canvas', () => {
    expect(standOnFloor(placement, 600, 1000)).toBe(placement);
    expect(standOnFloor(placement, 980, 1000).floorY).toBe(990);
  });
});
