import { describe, it } from 'node:test';
import { expect } from 'expect';
import type { Box } from '../../vision/image.types';
import { keepSubjectParts } from './subject-parts';

/** A matte and its cutout with the rectangles given at their alpha. */
function scene(w: number, h: number, parts: Array<[Box, number]>) {
  const matte = { data: Buffer.alloc(w * h), width: w, height: h, channels: 1 as const };
  const cutout = { data: Buffer.alloc(w * h * 4, 200), width: w, height: h, channels: 4 as const };
  for (let i = 0; i < w * h; i++) cutout.data[i * 4 + 3] = 0;
  for (const [r, a] of parts) {
    for (let y = r.y; y < r.y + r.height; y++) {
      for (let x = r.x; x < r.x + r.width; x++) {
        matte.data[y * w + x] = a;
        cutout.data[(y * w + x) * 4 + 3] = a;
      }
    }
  }
  return { matte, cutout };
}

describe('keepSubjectParts', () => {
  it('keeps a set of products together and clears a stray crumb from matte and cutout', () => {
    const { matte, cutout } = scene(400, 300, [
      [{ x: 20, y: 100, width: 120, height: 180 }, 255],
      [{ x: 200, y: 140, width: 90, height: 140 }, 255],
      [{ x: 370, y: 10, width: 8, height: 8 }, 255],
    ]);
    expect(keepSubjectParts(matte, cutout)).toEqual({ box: { x: 20, y: 100, width: 270, height: 180 }, kept: 2, dropped: 1 });
    expect(matte.data[14 * 400 + 374]).toBe(0);
    expect(cutout.data[(14 * 400 + 374) * 4 + 3]).toBe(0);
    expect(matte.data[200 * 400 + 250]).toBe(255);
  });

  it("keeps a glass's see-through body (alpha under half) with its rim, and changes nothing with one part", () => {
    const glass = scene(200, 200, [
      [{ x: 50, y: 40, width: 100, height: 140 }, 80],
      [{ x: 50, y: 40, width: 4, height: 140 }, 255],
      [{ x: 146, y: 40, width: 4, height: 140 }, 255],
    ]);
    expect(keepSubjectParts(glass.matte, glass.cutout)).toBeNull();
    expect(glass.matte.data[100 * 200 + 100]).toBe(80);
  });

  it('drops a faint haze far from the subject but not a faint part of it', () => {
    const { matte, cutout } = scene(300, 200, [
      [{ x: 40, y: 40, width: 120, height: 140 }, 255],
      [{ x: 250, y: 20, width: 10, height: 10 }, 60],
    ]);
    expect(keepSubjectParts(matte, cutout)).toMatchObject({ kept: 1, dropped: 1 });
    expect(matte.data[25 * 300 + 255]).toBe(0);
  });
});
