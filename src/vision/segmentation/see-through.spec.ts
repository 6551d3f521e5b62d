import { describe, it } from 'node:test';
import { expect } from 'expect';
import { fitPlainBackdrop } from './backdrop-contrast';
import { glassBackdrop, seeThrough } from './see-through';

const W = 160;
const H = 120;

/** A light sweep (darker towards the bottom) with +-2 levels of deterministic grain. */
function sweep(): Uint8Array {
  const rgb = new Uint8Array(W * H * 3);
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const grain = Math.round(((Math.sin(x * 12.9898 + y * 78.233) * 43758.5453) % 1) * 2);
      for (let c = 0; c < 3; c++) rgb[(y * W + x) * 3 + c] = Math.round(238 - (12 * y) / (H - 1) + c * 2 + grain);
    }
  }
  return rgb;
}

/** Lays `colour` at opacity `a` over the photo in [x0, x1) x [y0, y1), as a camera would see glass. */
function glassOver(rgb: Uint8Array, [x0, y0, x1, y1]: number[], colour: number[], a: number): void {
  for (let y = y0; y < y1; y++) {
    for (let x = x0; x < x1; x++) for (let c = 0; c < 3; c++) rgb[(y * W + x) * 3 + c] = Math.round(a * colour[c] + (1 - a) * rgb[(y * W + x) * 3 + c]);
  }
}

/** The outline a segmentation model would give: the whole tumbler, opaque. */
function outlineOf([x0, y0, x1, y1]: number[]): Uint8Array {
  const outline = new Uint8Array(W * H);
  for (let y = y0; y < y1; y++) outline.fill(255, y * W + x0, y * W + x1);
  return outline;
}

describe('seeThrough', () => {
  const tumbler = [40, 20, 120, 110];
  const photo = sweep();
  glassOver(photo, tumbler, [60, 110, 150], 0.25); // a blue-tinted clear body
  glassOver(photo, [40, 20, 120, 28], [40, 60, 80], 0.8); // a dark, nearly opaque rim
  glassOver(photo, [60, 40, 64, 100], [255, 255, 255], 0.9); // a highlight
  // Fitted to the photo's border, as the matte worker does; the glass stays clear of it.
  const backdrop = fitPlainBackdrop(photo, W, H);
  const at = (x: number, y: number) => y * W + x;

  it('reads a clear body as mostly see-through and a rim as nearly opaque', () => {
    if (!backdrop) throw new Error('the sweep was not taken as plain');
    const { matte } = seeThrough(photo, outlineOf(tumbler), W, H, backdrop);
    expect(matte[at(90, 70)] / 255).toBeGreaterThan(0.15);
    expect(matte[at(90, 70)] / 255).toBeLessThan(0.3);
    // The least opacity that explains a pixel: a bound under the truth (0.8 over the 0.25 body).
    expect(matte[at(90, 24)] / 255).toBeGreaterThan(0.65);
    expect(matte[at(90, 24)] / 255).toBeLessThanOrEqual(0.85);
    expect(matte[at(62, 70)] / 255).toBeGreaterThan(0.6); // the highlight brightens: opaque white
  });

  it('gives colours that put the photo back together over the old backdrop, and nothing outside the outline', () => {
    if (!backdrop) throw new Error('the sweep was not taken as plain');
    const outline = outlineOf(tumbler);
    const { matte, fg } = seeThrough(photo, outline, W, H, backdrop);
    const clean = sweep();
    let worst = 0;
    for (let i = 0; i < W * H; i++) {
      expect(matte[i] <= outline[i]).toBe(true);
      const a = matte[i] / 255;
      for (let c = 0; c < 3; c++) worst = Math.max(worst, Math.abs(a * fg[i * 3 + c] + (1 - a) * clean[i * 3 + c] - photo[i * 3 + c]));
    }
    // Within the grain left out as noise and 8-bit rounding.
    expect(worst).toBeLessThanOrEqual(8);
    // The body's own colour leans to its tint: more blue than red.
    const body = at(90, 70) * 3;
    expect(fg[body + 2] - fg[body]).toBeGreaterThan(50);
  });

  it('leaves the bare backdrop inside the outline clear: grain is not glass', () => {
    if (!backdrop) throw new Error('the sweep was not taken as plain');
    const bare = sweep();
    const { matte } = seeThrough(bare, outlineOf(tumbler), W, H, backdrop);
    expect(Math.max(...matte)).toBeLessThanOrEqual(8);
  });
});

describe('glassBackdrop', () => {
  it('reads a glass against a plain sweep, and says why it cannot on a textured one or a PNG already cut out', () => {
    const plain = glassBackdrop(sweep(), W, H, false);
    expect(plain.backdrop?.rms).toBeLessThan(2);
    expect(plain.why).toMatch(/plain backdrop/);
    const stripes = sweep().map((v, i) => (Math.floor((i / 3) % W / 10) % 2 ? v : v - 90));
    expect(glassBackdrop(stripes, W, H, false)).toEqual({ why: expect.stringMatching(/not one plain surface.*kept opaque/) });
    expect(glassBackdrop(sweep(), W, H, true)).toEqual({ why: expect.stringMatching(/already cut out/) });
  });
});
