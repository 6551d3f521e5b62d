import { describe, it } from 'node:test';
import { expect } from 'expect';
import { checkBackdropColors } from './backdrop-colors';
import type { Rgb } from '../vision/image.types';

/** A 100x100 RGB image filled row band by row band: [colour, rows]. */
function bands(...parts: Array<[Rgb, number]>): { data: Buffer; width: number; height: number; channels: number } {
  const data = Buffer.alloc(100 * 100 * 3);
  let y = 0;
  for (const [color, rows] of parts) {
    for (let r = 0; r < rows; r++, y++) for (let x = 0; x < 100; x++) data.set(color, (y * 100 + x) * 3);
  }
  return { data, width: 100, height: 100, channels: 3 };
}

const RED = { name: 'red', rgb: [150, 24, 22] as Rgb };
const GOLD = { name: 'gold', rgb: [214, 168, 60] as Rgb };

describe('checkBackdropColors', () => {
  it('measures the first colour and the accent over the backdrop, leaving the product out', () => {
    const image = bands([[200, 30, 30], 60], [[220, 170, 60], 10], [[40, 40, 40], 30]);
    // The product covers the grey band: what is left is 60 rows of red and 10 of gold.
    const product = Buffer.alloc(100 * 100 * 4);
    for (let i = 70 * 100; i < 100 * 100; i++) product[i * 4 + 3] = 255;
    const check = checkBackdropColors(image, product, RED, GOLD);
    expect(check.firstShare).toBeCloseTo(60 / 70, 2);
    expect(check.accentShare).toBeCloseTo(10 / 70, 2);
    expect(check.hueError).toBeLessThanOrEqual(3);
    expect(check.ok).toBe(true);
  });

  it('fails a backdrop that turned dusty rose, and one with no accent', () => {
    const rose = checkBackdropColors(bands([[196, 120, 118], 100]), null, RED, GOLD);
    expect(rose.firstShare).toBe(0);
    expect(rose.accentShare).toBe(0);
    expect(rose.ok).toBe(false);
  });

  it('reads a pastel by its hue at its own saturation, and white by value', () => {
    const mint = checkBackdropColors(bands([[184, 226, 208], 100]), null, { name: 'mint', rgb: [168, 222, 200] }, null);
    expect(mint.firstShare).toBe(1);
    expect(mint.hueError).toBeLessThanOrEqual(5);
    const white = checkBackdropColors(bands([[236, 234, 230], 80], [[60, 60, 60], 20]), null, { name: 'white', rgb: [240, 238, 234] }, null);
    expect(white.hueError).toBeNull();
    expect(white.firstShare).toBeCloseTo(0.8, 2);
  });
});
