import { describe, it } from 'node:test';
import { expect } from 'expect';
import { cardAround, cardCoverage } from './card-detection';

const [W, H] = [400, 300];

/** A striped photo-like card (x 100-299, y 60-239, corner radius 16) with a soft shadow below, on a flat page. */
function poster(): Uint8Array {
  const rgb = new Uint8Array(W * H * 3);
  const card = cardCoverage({ box: { x: 100, y: 60, width: 200, height: 180 }, radius: 16, shadow: 0 }, W, H);
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const p = y * W + x;
      const shade = y >= 240 && y < 252 && x >= 104 && x < 296 ? 1 - (252 - y) / 40 : 1;
      const page = [230 * shade, 225 * shade, 215 * shade];
      const inside = [120 + 100 * Math.sin(x / 9) * Math.cos(y / 13), 90 + 50 * Math.sin(y / 7), 60 + 40 * Math.cos((x + y) / 11)];
      const a = card[p] / 255;
      rgb.set(page.map((v, c) => Math.round(inside[c] * a + v * (1 - a))), p * 3);
    }
  }
  return rgb;
}

describe('cardAround', () => {
  it('finds the whole card, its rounded corners and its shadow from a hint that covers only part of it', () => {
    const card = cardAround(poster(), W, H, { x: 120, y: 80, width: 90, height: 100 });
    expect(card).not.toBeNull();
    const { box, radius, shadow } = card!;
    for (const [got, want] of [[box.x, 100], [box.y, 60], [box.x + box.width, 300], [box.y + box.height, 240]]) expect(Math.abs(got - want)).toBeLessThanOrEqual(1);
    expect(Math.abs(radius - 16)).toBeLessThanOrEqual(4);
    expect(shadow).toBeGreaterThan(0);
  });

  it('finds no card around a round subject', () => {
    const rgb = new Uint8Array(W * H * 3).fill(235);
    for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) if (Math.hypot(x - 200, y - 150) < 80) rgb.set([150, 40, 30], (y * W + x) * 3);
    expect(cardAround(rgb, W, H, { x: 120, y: 70, width: 160, height: 160 })).toBeNull();
  });
});
