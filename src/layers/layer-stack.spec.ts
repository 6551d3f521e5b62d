import { describe, it } from 'node:test';
import { expect } from 'expect';
import { softAlpha } from './ink-separation';
import { mergeTo, psnr, recompose, stackLayers } from './layer-stack';

const W = 40;
const H = 30;

/** A grey ramp with an anti-aliased red disc and a dark bar across it. */
function poster(): { rgb: Uint8Array; disc: Uint8Array; bar: Uint8Array } {
  const rgb = new Uint8Array(W * H * 3);
  const disc = new Uint8Array(W * H);
  const bar = new Uint8Array(W * H);
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const p = y * W + x;
      const ground = [60 + x * 4, 60 + x * 4, 70 + x * 3];
      const cover = Math.max(0, Math.min(1, 8.5 - Math.hypot(x - 15, y - 15)));
      const c = ground.map((g, i) => g * (1 - cover) + [220, 30, 40][i] * cover);
      if (cover > 0) disc[p] = 1;
      if (y >= 24 && y < 27 && x >= 5 && x < 35) {
        bar[p] = 1;
        c.splice(0, 3, 20, 20, 20);
      }
      rgb.set(c.map(Math.round), p * 3);
    }
  }
  return { rgb, disc, bar };
}

describe('stackLayers / mergeTo / recompose', () => {
  it('unblends soft edges against what lies below, so the layers restack to the poster', () => {
    const { rgb, disc, bar } = poster();
    // A deliberately poor background guess under the holes: the unblending must absorb it.
    const background = Uint8Array.from(rgb);
    for (let p = 0; p < W * H; p++) if (disc[p] || bar[p]) background.set([128, 128, 128], p * 3);
    const layers = stackLayers(rgb, background, [
      { kind: 'object', name: 'disc', alpha: (below) => softAlpha(rgb, below, disc, W, H, [220, 30, 40]) },
      { kind: 'shape', name: 'bar', fill: [20, 20, 20], alpha: (below) => softAlpha(rgb, below, bar, W, H, [20, 20, 20]) },
    ], W, H);
    expect(layers.map((l) => l.kind)).toEqual(['background', 'object', 'shape']);
    expect(psnr(recompose(layers, W, H), rgb)).toBeGreaterThan(45);
    expect(layers[2].colors[0]).toEqual([17, 17, 17]);
    expect(layers[1].description).toMatch(/^(상단|중앙|하단) (왼쪽|가운데|오른쪽) 오브젝트, #/);
  });

  it('merges the least significant layer down until the count fits, and keeps text longest', () => {
    const { rgb, disc, bar } = poster();
    const layers = stackLayers(rgb, rgb, [
      { kind: 'shape', name: 'big shape', alpha: () => disc.map((v) => v * 255) },
      { kind: 'text', name: 'small text', alpha: () => bar.map((v) => v * 255) },
    ], W, H);
    const merged = mergeTo(layers, 2, W, H);
    expect(merged.map((l) => l.name)).toEqual(['background + big shape', 'small text']);
    expect(psnr(recompose(merged, W, H), rgb)).toBe(Infinity);
    expect(mergeTo(layers, 1, W, H)).toHaveLength(1);
    expect(mergeTo(layers, 10, W, H)).toHaveLength(3);
  });

  it('merges a layer into what it touches below, never into a far layer between (a title and a caption far below it)', () => {
    const rgb = new Uint8Array(W * H * 3).fill(200);
    const rect = (x0: number, y0: number, x1: number, y1: number) => {
      const m = new Uint8Array(W * H);
      for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) [m[y * W + x]] = [255];
      for (let p = 0; p < W * H; p++) if (m[p]) rgb.set([20, 20, 20], p * 3);
      return m;
    };
    const [title, pill, caption] = [rect(4, 2, 36, 8), rect(10, 20, 30, 28), rect(12, 22, 28, 26)];
    const layers = stackLayers(rgb, new Uint8Array(W * H * 3).fill(200), [
      { kind: 'text', name: 'title', alpha: () => title },
      { kind: 'shape', name: 'pill', alpha: () => pill },
      { kind: 'text', name: 'caption', alpha: () => caption },
    ], W, H);
    expect(layers.map((l) => l.name)).toEqual(['background', 'title', 'pill', 'caption']);
    // The pill (the least significant) goes down past the title, which it does not touch.
    expect(mergeTo(layers, 3, W, H).map((l) => l.name)).toEqual(['background + pill', 'title', 'caption']);
    const two = mergeTo(layers, 2, W, H);
    expect(two.map((l) => l.name)).toEqual(['background + pill + caption', 'title']);
    expect(psnr(recompose(two, W, H), rgb)).toBe(Infinity);
    expect(mergeTo(layers, 'auto', W, H)).toHaveLength(4);
  });
});
