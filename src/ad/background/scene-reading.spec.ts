import { describe, it } from 'node:test';
import { expect } from 'expect';
import type { RawImage } from '../../vision/image.types';
import { readScene } from './scene-reading';

function scene(width: number, height: number, paint: (x: number, y: number) => [number, number, number]): RawImage {
  const data = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) data.set(paint(x, y), (y * width + x) * 3);
  return { data, width, height, channels: 3 };
}

describe('readScene', () => {
  it('finds the wall/floor edge and a window light in a generated-looking scene', () => {
    const image = scene(600, 400, (x, y) => {
      if (y >= 300) return [110, 70, 40]; // wooden floor from 75%
      if (Math.hypot(x - 480, y - 80) < 40) return [255, 250, 235]; // window, upper right
      return [200, 180, 150];
    });
    const read = readScene(image);
    expect(Math.abs(read.floorLine! - 300)).toBeLessThanOrEqual(8);
    expect(Math.abs(read.keyLight!.x - 480)).toBeLessThanOrEqual(15);
    expect(Math.abs(read.keyLight!.y - 80)).toBeLessThanOrEqual(15);
  });

  it('claims neither in an evenly lit sweep with no edge, nor an edge that only a lamp makes', () => {
    expect(readScene(scene(400, 400, (_, y) => [180 - y / 20, 170 - y / 20, 160 - y / 20]))).toEqual({});
    const lamp = readScene(scene(400, 400, (x, y) => (y > 250 && x > 300 && x < 340 ? [20, 20, 20] : [180, 170, 160])));
    expect(lamp.floorLine).toBeUndefined();
  });
});
