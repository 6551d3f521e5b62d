import { describe, it } from 'node:test';
import { expect } from 'expect';
import { findRules } from './rule-detection';

const [W, H] = [300, 200];

function canvas(paint: (x: number, y: number) => number[]): Uint8Array {
  const rgb = new Uint8Array(W * H * 3);
  for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) rgb.set(paint(x, y), (y * W + x) * 3);
  return rgb;
}

describe('findRules', () => {
  it('finds a 3 px divider on a gradient page, in its own colour', () => {
    const rgb = canvas((x, y) => (y >= 100 && y < 103 && x >= 40 && x < 260 ? [200, 160, 40] : [30 + x / 10, 40, 70]));
    const rules = findRules(rgb, W, H, new Uint8Array(W * H), []);
    expect(rules).toHaveLength(1);
    expect(rules[0].color).toEqual([200, 160, 40]);
    expect(rules[0].own.reduce((n, v) => n + v, 0)).toBe(3 * 220);
  });

  it('takes neither the page seen through a gap between two panels, nor a panel, nor text', () => {
    const gap = canvas((x, y) => (y >= 40 && y < 160 && x >= 20 && x < 280 && !(y >= 99 && y < 102) ? [240, 240, 240] : [60, 60, 90]));
    expect(findRules(gap, W, H, new Uint8Array(W * H), [])).toHaveLength(0);
    const panel = canvas((x, y) => (y >= 90 && y < 130 && x >= 40 && x < 260 ? [200, 40, 40] : [250, 250, 250]));
    expect(findRules(panel, W, H, new Uint8Array(W * H), [])).toHaveLength(0);
    const underline = canvas((x, y) => (y >= 100 && y < 102 && x >= 40 && x < 260 ? [0, 0, 0] : [250, 250, 250]));
    expect(findRules(underline, W, H, new Uint8Array(W * H).fill(1), [])).toHaveLength(0);
  });
});
