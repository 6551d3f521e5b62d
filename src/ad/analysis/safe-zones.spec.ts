import { describe, it } from 'node:test';
import { expect } from 'expect';
import { TALL_SAFE_ZONE } from '../compositing/placement';
import { presetForCanvas, safeZoneBox, safeZoneRule, TEXT_SAFE_ZONES } from './safe-zones';
import { boxesIntersect, boxInside, expandBox } from '../../vision/box-geometry';

describe('text safe zones', () => {
  it('keeps the top 14% and bottom 20% of a 9:16 canvas free (Meta Stories / Reels)', () => {
    const box = safeZoneBox(1080, 1920, '9:16');
    expect(box.y).toBeGreaterThanOrEqual(1920 * 0.14);
    expect(box.y).toBeLessThan(1920 * 0.14 + 2);
    expect(box.y + box.height).toBeLessThanOrEqual(1920 * 0.8);
    expect(box.y + box.height).toBeGreaterThan(1920 * 0.8 - 2);
    expect(TEXT_SAFE_ZONES['9:16'].top).toBe(TALL_SAFE_ZONE.top);
    expect(TEXT_SAFE_ZONES['9:16'].bottom).toBe(TALL_SAFE_ZONE.bottom);
  });

  it('applies a ~5-6% edge margin to feed placements and the default canvas', () => {
    for (const [w, h] of [
      [1080, 1080],
      [1080, 1350],
      [1024, 1024],
    ]) {
      const box = safeZoneBox(w, h);
      expect(box.x / w).toBeGreaterThanOrEqual(0.05);
      expect(box.x / w).toBeLessThanOrEqual(0.065);
      expect(box.y / h).toBeGreaterThanOrEqual(0.05);
      expect(box.y / h).toBeLessThanOrEqual(0.065);
      expect(boxInside(box, { x: 0, y: 0, width: w, height: h })).toBe(true);
    }
  });

  it('recognises presets by aspect ratio and treats other sizes as the default square', () => {
    expect(presetForCanvas(1080, 1920)).toBe('9:16');
    expect(presetForCanvas(540, 960)).toBe('9:16');
    expect(presetForCanvas(1200, 628)).toBe('1.91:1');
    expect(presetForCanvas(1080, 1350)).toBe('4:5');
    expect(presetForCanvas(1080, 1080)).toBe('1:1');
    expect(presetForCanvas(1000, 700)).toBe('default');
    // A named preset wins over the shape.
    expect(safeZoneRule(1080, 1080, '9:16')).toBe(TEXT_SAFE_ZONES['9:16']);
  });

  it('names a source for every rule', () => {
    for (const rule of Object.values(TEXT_SAFE_ZONES)) expect(rule.source.length).toBeGreaterThan(20);
  });

  it('box helpers: expand clips to the canvas, intersection is strict', () => {
    expect(expandBox({ x: 5, y: 5, width: 10, height: 10 }, 10, 100, 100)).toEqual({ x: 0, y: 0, width: 25, height: 25 });
    expect(boxesIntersect({ x: 0, y: 0, width: 10, height: 10 }, { x: 10, y: 0, width: 10, height: 10 })).toBe(false);
    expect(boxesIntersect({ x: 0, y: 0, width: 10, height: 10 }, { x: 9, y: 9, width: 10, height: 10 })).toBe(true);
  });
});
