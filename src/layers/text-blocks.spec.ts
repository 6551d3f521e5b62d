import { describe, it } from 'node:test';
import { expect } from 'expect';
import { textBlocks } from './embedded-decomposer.service';

const line = (x: number, y: number, width: number, height: number) => ({ box: { x, y, width, height }, score: 0.9 });

describe('textBlocks', () => {
  it('keeps a list of lines set one under another as one block, however many lines it has', () => {
    // A menu: five lines every 64 px (line-height 1.6 on 40 px type; the detector's boxes are
    // grown to 46 px), left-aligned, of different widths.
    const items = [160, 130, 150, 190, 110].map((width, i) => line(100, 300 + i * 64, width, 46));
    const blocks = textBlocks(items, 1000, 1000);
    expect(blocks).toHaveLength(1);
    expect(blocks[0].height).toBeGreaterThan(4 * 64);
  });

  it('keeps two columns apart, and a title apart from the lines far below it', () => {
    const items = [0, 1, 2].map((i) => line(100, 300 + i * 64, 160, 46));
    const prices = [0, 1, 2].map((i) => line(700, 300 + i * 64, 120, 46));
    const title = line(300, 60, 400, 90);
    expect(textBlocks([title, ...items, ...prices], 1000, 1000)).toHaveLength(3);
  });
});
