import { describe, it } from 'node:test';
import { expect } from 'expect';
import { findShapes } from './shape-detection';

const [W, H] = [256, 256];

function canvas(paint: (x: number, y: number) => number[]): Uint8Array {
  const rgb = new Uint8Array(W * H * 3);
  for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) rgb.set(paint(x, y), (y * W + x) * 3);
  return rgb;
}

/** Seven bright badges along the top take seven of the eight colours the poster is clustered into. */
const BADGES = [[250, 200, 0], [240, 240, 240], [230, 40, 60], [40, 200, 90], [60, 120, 250], [250, 120, 200], [140, 60, 200]];
const badge = (x: number, y: number) => (y >= 8 && y < 28 && x >= 8 && x < 8 + 34 * 7 && (x - 8) % 34 < 24 ? BADGES[Math.floor((x - 8) / 34)] : null);

describe('findShapes', () => {
  it('finds panels a shade lighter than the dark page they stand on, though one colour cluster holds both', () => {
    const panel = (x: number, y: number) => (x >= 30 && x < 120) || (x >= 136 && x < 226) ? (y >= 60 && y < 140) || (y >= 156 && y < 236) : false;
    const rgb = canvas((x, y) => badge(x, y) ?? (panel(x, y) ? [31, 48, 80] : [13, 26, 43]));
    const panels = findShapes(rgb, W, H, new Uint8Array(W * H)).filter((s) => s.color.join() === '31,48,80');
    expect(panels).toHaveLength(4);
    for (const s of panels) expect(s.own.reduce((n, v) => n + v, 0)).toBe(90 * 80);
  });

  it('takes no shape from halves of a dark page split by a band, nor from a soft gradient', () => {
    const banded = canvas((x, y) => badge(x, y) ?? (y >= 150 && y < 180 ? [31, 48, 80] : [13, 26, 43]));
    expect(findShapes(banded, W, H, new Uint8Array(W * H)).filter((s) => s.color.join() === '13,26,43')).toHaveLength(0);
    const gradient = canvas((x, y) => badge(x, y) ?? [20 + y / 8, 30 + y / 6, 50 + y / 5]);
    expect(findShapes(gradient, W, H, new Uint8Array(W * H)).filter((s) => s.mask.reduce((n, v) => n + v, 0) > 0.05 * W * H)).toHaveLength(0);
  });
});
