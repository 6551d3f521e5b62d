import { describe, it } from 'node:test';
import { expect } from 'expect';
import { filledOutline, spacedByInk } from './layer-ocr';

/** Ink as the reader takes it (255 - alpha: black strokes on white) with the given boxes inked. */
function ink(width: number, height: number, boxes: Array<[number, number, number, number]>): Buffer {
  const out = Buffer.alloc(width * height, 255);
  for (const [x0, y0, x1, y1] of boxes) for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) out[y * width + x] = 0;
  return out;
}

/** A square ring: its outer edge at [x0, y0, x1, y1), `t` px thick. */
const ring = (x0: number, y0: number, x1: number, y1: number, t: number): Array<[number, number, number, number]> => [
  [x0, y0, x1, y0 + t],
  [x0, y1 - t, x1, y1],
  [x0, y0, x0 + t, y1],
  [x1 - t, y0, x1, y1],
];

describe('filledOutline', () => {
  it('fills what lies between a glyph contour and its counter contour, and leaves the counter and the outside open', () => {
    // An outlined "ㅁ": the outer contour, the fill 10 px wide, the counter's contour, the counter.
    const page = ink(80, 80, [...ring(10, 10, 70, 70, 2), ...ring(22, 22, 58, 58, 2)]);
    const filled = filledOutline(page, { width: 80, height: 80 });
    expect(filled[15 * 80 + 15]).toBe(0);
    expect(filled[40 * 80 + 16]).toBe(0);
    expect(filled[40 * 80 + 40]).toBe(255);
    expect(filled[5 * 80 + 5]).toBe(255);
  });

  it('fills a bar outlined on its own, and changes nothing of solid strokes', () => {
    const solid = ink(60, 30, [[5, 5, 55, 25]]);
    expect(filledOutline(solid, { width: 60, height: 30 })).toEqual(solid);
    const bar = filledOutline(ink(60, 30, ring(5, 5, 55, 25, 2)), { width: 60, height: 30 });
    expect(bar[15 * 60 + 30]).toBe(0);
  });
});

describe('spacedByInk', () => {
  // Glyphs 20 px wide on a 24 px line: a syllable gap is 3 px, a word gap 10 px.
  const line = (gaps: number[]) => {
    const boxes: Array<[number, number, number, number]> = [];
    let x = 4;
    for (const gap of [...gaps, 0]) {
      boxes.push([x, 4, x + 20, 28]);
      x += 20 + gap;
    }
    return { page: ink(x + 4, 32, boxes), box: { width: x + 4, height: 32 } };
  };

  it('drops the spaces Tesseract put between syllables and keeps the word spaces the ink shows', () => {
    // 지금 바로 만나보세요: a word gap after the 2nd and 4th syllables only.
    const { page, box } = line([3, 10, 3, 10, 3, 3, 3, 3]);
    expect(spacedByInk('지금 바로 만나보 세 요', page, box)).toBe('지금 바로 만나보세요');
    expect(spacedByInk('지금 바로 만나보세요', page, box)).toBe('지금 바로 만나보세요');
  });

  it('leaves a block alone when its lines are not the ink lines', () => {
    const { page, box } = line([3, 3, 3]);
    expect(spacedByInk('가 나\n다 라', page, box)).toBe('가 나\n다 라');
  });
});
