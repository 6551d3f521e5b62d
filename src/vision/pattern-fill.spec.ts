import { describe, it } from 'node:test';
import { expect } from 'expect';
import { patternFill, patternShifts } from './pattern-fill';

const [W, H] = [320, 240];

/** A page painted by `color(x, y)`, with a hole over a rectangle in the middle. */
function page(color: (x: number, y: number) => number[]): { rgb: Uint8Array; hole: Uint8Array } {
  const rgb = new Uint8Array(W * H * 3);
  const hole = new Uint8Array(W * H);
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      rgb.set(color(x, y), (y * W + x) * 3);
      if (x >= 100 && x < 220 && y >= 60 && y < 180) hole[y * W + x] = 1;
    }
  }
  return { rgb, hole };
}

describe('patternShifts / patternFill', () => {
  it('continues faint dots on a fractional cell (22.6 px) and 45-degree stripes under a hole', () => {
    const dots = (x: number, y: number) => (Math.hypot(((x % 22.6) + 22.6) % 22.6 - 11.3, ((y % 22.6) + 22.6) % 22.6 - 11.3) < 4 ? [40, 52, 80] : [20, 30, 60]);
    const stripes = (x: number, y: number) => ((x + y) % 30 < 15 ? [240, 230, 210] : [200, 120, 90]);
    for (const color of [dots, stripes]) {
      const { rgb, hole } = page(color);
      const truth = Uint8Array.from(rgb);
      for (let p = 0; p < W * H; p++) if (hole[p]) rgb.set([255, 0, 255], p * 3);
      const shifts = patternShifts(rgb, hole, W, H);
      expect(shifts).not.toBeNull();
      expect(patternFill(rgb, hole, W, H, shifts!)).toBe(true);
      let wrong = 0;
      for (let p = 0; p < W * H; p++) if (hole[p] && Math.abs(rgb[p * 3] - truth[p * 3]) > 40) wrong++;
      expect(wrong / (120 * 120)).toBeLessThan(0.05);
    }
  });

  it('finds no pattern on a flat page, a gradient or noise', () => {
    let seed = 7;
    const noise = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) % 255);
    for (const color of [() => [200, 190, 180], (x: number, y: number) => [x / 2, y / 2, 128], () => [noise(), noise(), noise()]]) {
      const { rgb, hole } = page(color);
      expect(patternShifts(rgb, hole, W, H)).toBeNull();
    }
  });
});
