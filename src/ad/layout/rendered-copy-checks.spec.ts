import { describe, it } from 'node:test';
import { expect } from 'expect';
import type { RawImage } from '../../vision/image.types';
import { checkRenderedCopy, measureGlyphContrast, normalizeCopy, type RenderedCopy } from './rendered-copy-checks';

const W = 100;
const H = 60;
const rgba = (paint: (x: number, y: number) => [number, number, number, number] | null): RawImage => {
  const data = Buffer.alloc(W * H * 4);
  for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) data.set(paint(x, y) ?? [0, 0, 0, 0], (y * W + x) * 4);
  return { data, width: W, height: H, channels: 4 };
};
const background: RawImage = { data: Buffer.alloc(W * H * 3, 230), width: W, height: H, channels: 3 };
/** A "glyph": a filled bar at rows 20-29, columns x0..x1. */
const bar = (x0: number, x1: number, color: [number, number, number]) => (x: number, y: number) =>
  y >= 20 && y < 30 && x >= x0 && x < x1 ? ([...color, 255] as [number, number, number, number]) : null;

function input(overrides: Partial<RenderedCopy> = {}): RenderedCopy {
  return {
    copy: '가을 세일',
    visibleText: '가을\n세일',
    layer: rgba(bar(20, 80, [20, 20, 20])),
    glyphs: rgba(bar(20, 80, [0, 0, 0])),
    background,
    box: { x: 10, y: 10, width: 80, height: 30 },
    overflow: false,
    fontsUsed: [{ family: 'NanumGothic', glyphs: 4 }],
    families: ['NanumGothic'],
    ...overrides,
  };
}

describe('checkRenderedCopy', () => {
  it('passes dark glyphs inside the box on a light ground, and reports the measured contrast and colour', () => {
    const verdict = checkRenderedCopy(input());
    expect(verdict.problems).toEqual([]);
    expect(verdict.contrast).toBeGreaterThan(10);
    expect(verdict.textColor).toEqual([20, 20, 20]);
  });

  it('ignores line breaks, spacing and letter case but not a changed word', () => {
    expect(normalizeCopy('SALE  50%\nOff')).toBe(normalizeCopy('sale 50% off'));
    expect(checkRenderedCopy(input({ visibleText: '가을 대박 세일' })).problems[0]).toMatch(/^the visible text is "가을 대박 세일", not the copy/);
  });

  it('names ink outside the box, ink on the product, fallback fonts and low contrast', () => {
    const mask = { data: Buffer.alloc(W * H), width: W, height: H, channels: 1 as const };
    for (let y = 20; y < 30; y++) for (let x = 60; x < 80; x++) mask.data[y * W + x] = 255;
    const verdict = checkRenderedCopy(
      input({
        layer: rgba((x, y) => (y >= 20 && y < 30 ? [200, 200, 200, 255] : y >= 50 ? [200, 200, 200, 255] : null)),
        glyphs: rgba(bar(20, 80, [0, 0, 0])),
        productMask: mask,
        fontsUsed: [{ family: 'NanumGothic', glyphs: 3 }, { family: 'DejaVu Sans', glyphs: 1 }],
      }),
    );
    expect(verdict.problems.join('\n')).toMatch(/ink pixels fall outside the text box, up to \d+ px beyond it/);
    expect(verdict.problems.join('\n')).toMatch(/% of the ink covers the product/);
    expect(verdict.problems.join('\n')).toMatch(/glyphs drawn by DejaVu Sans \(1\) instead of NanumGothic/);
    expect(verdict.problems.join('\n')).toMatch(/the letters reach 1\.\d+:1/);
  });

  it('measures the glyphs against what the design put around them (a panel), not the photo', () => {
    const panel = (x: number, y: number) => (y >= 15 && y < 35 && x >= 15 && x < 85 ? ([30, 30, 30, 220] as [number, number, number, number]) : null);
    const withText = (x: number, y: number) => bar(20, 80, [250, 250, 250])(x, y) ?? panel(x, y);
    const verdict = checkRenderedCopy(input({ layer: rgba(withText) }));
    expect(verdict.problems).toEqual([]);
    expect(verdict.contrast).toBeGreaterThan(7);
  });
});

describe('measureGlyphContrast', () => {
  // White letters on a mid-grey photo (about 2.2:1 alone) with a dark rim hugging them.
  const grey: RawImage = { data: Buffer.alloc(W * H * 3, 150), width: W, height: H, channels: 3 };
  const letters = bar(20, 80, [255, 255, 255]);
  const rim = (width: number, alpha: number) => (x: number, y: number) =>
    y >= 20 - width && y < 30 + width && x >= 20 - width && x < 80 + width ? ([10, 10, 10, alpha] as [number, number, number, number]) : null;
  const drawn = (halo: ReturnType<typeof rim>) => rgba((x, y) => letters(x, y) ?? halo(x, y));
  const glyphs = rgba(bar(20, 80, [0, 0, 0]));

  it('reads the letters against the rim right around them', () => {
    const plain = measureGlyphContrast({ layer: drawn(() => null), glyphs, background: grey });
    const haloed = measureGlyphContrast({ layer: drawn(rim(3, 230)), glyphs, background: grey });
    expect(plain.contrast).toBeLessThan(3);
    expect(haloed.contrast).toBeGreaterThan(10);
    expect(haloed.textColor).toEqual([255, 255, 255]);
  });

  it('counts a rim thinner than the ring as the photo showing through beside the letters', () => {
    // A one-pixel rim leaves half the ring on the grey photo: the worst tenth reads the photo.
    const thin = measureGlyphContrast({ layer: drawn(rim(1, 255)), glyphs, background: grey });
    expect(thin.contrast).toBeLessThan(3);
  });

  it('says so when there are no glyphs', () => {
    expect(measureGlyphContrast({ layer: rgba(() => null), glyphs: rgba(() => null), background: grey }).glyphPixels).toBe(0);
  });
});
