import { describe, it } from 'node:test';
import { expect } from 'expect';
import type { RawImage, Rgb } from './image.types';
import { dominantColors, dominantPalette } from './palette';

/** RGBA image whose rows are split into colour bands by share; alpha 0 rows carry `hidden`. */
function bands(width: number, parts: Array<{ color: Rgb; rows: number; alpha?: number }>): RawImage {
  const height = parts.reduce((n, p) => n + p.rows, 0);
  const data = Buffer.alloc(width * height * 4);
  let y = 0;
  for (const part of parts) {
    for (let r = 0; r < part.rows; r++, y++) {
      for (let x = 0; x < width; x++) {
        const i = (y * width + x) * 4;
        data[i] = part.color[0];
        data[i + 1] = part.color[1];
        data[i + 2] = part.color[2];
        data[i + 3] = part.alpha ?? 255;
      }
    }
  }
  return { data, width, height, channels: 4 };
}

function distance(a: Rgb, b: Rgb): number {
  return Math.hypot(a[0] - b[0], a[1] - b[1], a[2] - b[2]);
}

describe('dominantColors', () => {
  it('returns the colours sorted by share', () => {
    const img = bands(50, [
      { color: [20, 40, 200], rows: 10 },
      { color: [220, 30, 30], rows: 60 },
      { color: [240, 240, 240], rows: 30 },
    ]);
    const palette = dominantPalette(img);
    expect(palette).toHaveLength(3);
    expect(distance(palette[0].color, [220, 30, 30])).toBeLessThan(3);
    expect(distance(palette[1].color, [240, 240, 240])).toBeLessThan(3);
    expect(distance(palette[2].color, [20, 40, 200])).toBeLessThan(3);
    expect(palette[0].share).toBeCloseTo(0.6, 1);
    expect(palette.reduce((s, e) => s + e.share, 0)).toBeCloseTo(1, 5);
  });

  it('ignores transparent and soft-edge pixels', () => {
    const img = bands(40, [
      { color: [0, 200, 0], rows: 70, alpha: 0 },
      { color: [200, 0, 200], rows: 20, alpha: 120 },
      { color: [250, 200, 20], rows: 10 },
    ]);
    const colors = dominantColors(img);
    expect(colors).toHaveLength(1);
    expect(distance(colors[0], [250, 200, 20])).toBeLessThan(3);
  });

  it('clusters noisy shades of one colour into one entry', () => {
    const img = bands(64, [{ color: [120, 60, 30], rows: 64 }]);
    for (let i = 0; i < img.data.length; i += 4) {
      const jitter = ((i * 2654435761) >>> 0) % 13;
      img.data[i] += jitter;
      img.data[i + 1] += jitter;
    }
    const colors = dominantColors(img);
    expect(colors).toHaveLength(1);
    expect(distance(colors[0], [126, 66, 30])).toBeLessThan(4);
  });

  it('is deterministic', () => {
    const img = bands(80, [
      { color: [10, 10, 10], rows: 20 },
      { color: [90, 160, 210], rows: 20 },
      { color: [200, 180, 150], rows: 20 },
    ]);
    for (let i = 0; i < img.data.length; i += 4) img.data[i + 1] = (img.data[i + 1] + (i % 17)) & 255;
    expect(dominantPalette(img)).toEqual(dominantPalette(img));
  });

  it('returns nothing for a fully transparent image', () => {
    expect(dominantColors(bands(10, [{ color: [1, 2, 3], rows: 10, alpha: 0 }]))).toEqual([]);
  });

  it('accepts 3-channel images as fully opaque', () => {
    const data = Buffer.alloc(30 * 30 * 3, 77);
    expect(dominantColors({ data, width: 30, height: 30, channels: 3 })).toEqual([[77, 77, 77]]);
  });
});
