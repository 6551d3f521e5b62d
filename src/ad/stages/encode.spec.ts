import { describe, it } from 'node:test';
import { expect } from 'expect';
import sharp from 'sharp';
import { encodeCutoutPng } from './encode';

describe('encodeCutoutPng', () => {
  it('clears the colour under fully transparent pixels only, and leaves the job its own pixels', async () => {
    const width = 7;
    const height = 5;
    const data = Buffer.alloc(width * height * 4);
    for (let p = 0; p < width * height; p++) data.set([(p * 37) & 255, (p * 91) & 255, 200, p % 3 === 0 ? 0 : p % 3 === 1 ? 1 : 255], p * 4);
    const before = Buffer.from(data);
    const png = await encodeCutoutPng({ data, width, height, channels: 4 });
    expect(data.equals(before)).toBe(true);
    const decoded = await sharp(png).raw().toBuffer();
    for (let p = 0; p < width * height; p++) {
      const expected = before[p * 4 + 3] === 0 ? [0, 0, 0, 0] : [...before.subarray(p * 4, p * 4 + 4)];
      expect([p, ...decoded.subarray(p * 4, p * 4 + 4)]).toEqual([p, ...expected]);
    }
  });
});
