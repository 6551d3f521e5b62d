import { describe, it } from 'node:test';
import { expect } from 'expect';
import { maskIoU } from '../vision/masks';
import { cardCoverage } from './card-detection';
import { findPanels } from './panel-detection';
import type { FoundShape } from './shape-detection';

const [W, H] = [480, 320];
const none = () => new Uint8Array(W * H);

/** A photograph-like page: smooth colour waves with grain, no straight edges of its own. */
function photo(x: number, y: number): number[] {
  const grain = ((x * 7919 + y * 104729) % 13) - 6;
  return [120 + 70 * Math.sin(x / 23) * Math.cos(y / 31) + grain, 90 + 50 * Math.sin((x + y) / 29) + grain, 70 + 40 * Math.cos((x - y) / 37) + grain];
}

function poster(paint: (x: number, y: number, under: number[]) => number[]): Uint8Array {
  const rgb = new Uint8Array(W * H * 3);
  for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) rgb.set(paint(x, y, photo(x, y)).map((v) => Math.max(0, Math.min(255, Math.round(v)))), (y * W + x) * 3);
  return rgb;
}

describe('findPanels', () => {
  it('finds a translucent rounded panel over a photograph, with its opacity and colour', () => {
    const card = cardCoverage({ box: { x: 200, y: 50, width: 230, height: 220 }, radius: 14, shadow: 0 }, W, H);
    const rgb = poster((x, y, under) => under.map((v) => v + (card[y * W + x] / 255) * 0.8 * (255 - v)));
    const panels = findPanels(rgb, W, H, none(), []);
    expect(panels).toHaveLength(1);
    expect(panels[0].opacity).toBeGreaterThan(0.75);
    expect(panels[0].opacity).toBeLessThan(0.85);
    expect(Math.min(...panels[0].color)).toBeGreaterThan(240);
    expect(maskIoU(panels[0].mask, card.map((a) => (a >= 128 ? 1 : 0)), 1)).toBeGreaterThan(0.97);
  });

  it('finds a solid bar along the bottom of a photograph, running off the canvas', () => {
    const rgb = poster((x, y, under) => (y >= 280 ? [20, 20, 24] : under));
    const panels = findPanels(rgb, W, H, none(), []);
    expect(panels).toHaveLength(1);
    expect(panels[0].opacity).toBe(1);
    const bar = Uint8Array.from({ length: W * H }, (_, p) => (p >= 280 * W ? 1 : 0));
    expect(maskIoU(panels[0].mask, bar, 1)).toBeGreaterThan(0.97);
  });

  it('takes neither the page beside a shape already found, nor a photograph framed by no panel, nor the page beyond a divider', () => {
    const band = Uint8Array.from({ length: W * H }, (_, p) => (p >= 130 * W && p < 180 * W ? 1 : 0));
    const flat = poster((x, y) => (band[y * W + x] ? [200, 40, 60] : [245, 240, 230]));
    const found: FoundShape = { mask: band, own: band, color: [200, 40, 60], opacity: 1 };
    expect(findPanels(flat, W, H, none(), [found])).toHaveLength(0);
    expect(findPanels(poster((x, y, under) => under), W, H, none(), [])).toHaveLength(0);
    // A divider across 85% of a flat page: its edges reach neither side of the canvas.
    const divided = poster((x, y) => (y >= 150 && y < 156 && x >= 36 && x < 444 ? [230, 180, 40] : [20, 30, 50]));
    expect(findPanels(divided, W, H, none(), [])).toHaveLength(0);
  });
});
