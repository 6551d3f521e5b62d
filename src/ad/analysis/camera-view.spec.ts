import { describe, it } from 'node:test';
import { expect } from 'expect';
import sharp from 'sharp';
import { drawnProduct, PRODUCT_KINDS } from '../../../test/helpers/drawn-products';
import { CAMERA_VIEWS, estimateView, type CameraView } from './camera-view';
import { boxFromMask } from './product-locator';

/**
 * Elevations per view, clear of the 12° and 33° boundaries. Every kind is drawn twice per view,
 * from seeds of its own (the seed picks the kind: seed % 8) and at different elevations, so the
 * set holds 48 photos: each kind in two colours, sizes and canvases per view.
 */
const ELEVATIONS: Record<CameraView, number[]> = {
  'eye-level': [0, 2, 4, 6],
  'three-quarter': [20, 22.5, 25, 28],
  'top-down': [45, 55, 70, 85],
};
const DRAWN = CAMERA_VIEWS.flatMap((view, v) =>
  PRODUCT_KINDS.flatMap((kind, k) =>
    [0, 1].map((j) => ({ view, kind, seed: k + PRODUCT_KINDS.length * (2 * v + j), elevation: ELEVATIONS[view][(k + 2 * j) % 4] })),
  ),
);

/** A white-on-black silhouette drawn in SVG, as a matte with its product box. */
async function silhouette(width: number, height: number, shapes: string) {
  const grey = await sharp(Buffer.from(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}"><rect width="${width}" height="${height}"/>${shapes}</svg>`))
    .removeAlpha()
    .greyscale()
    .raw()
    .toBuffer();
  const matte = Uint8Array.from(grey, (v) => (v >= 128 ? 255 : 0));
  return { matte, width, height, box: boxFromMask(Buffer.from(matte), width, height)! };
}

/** The same photo with the frame's bottom edge raised through the product, `kept` of it left. */
function cutAtBottom(p: { matte: Uint8Array; width: number; box: { x: number; y: number; width: number; height: number } }, kept: number) {
  const height = p.box.y + Math.round(p.box.height * kept);
  return { matte: p.matte.subarray(0, p.width * height), width: p.width, height, box: { ...p.box, height: height - p.box.y } };
}

describe('camera view from a product matte', () => {
  for (const { view, kind, seed, elevation } of DRAWN) {
    it(`reads a ${kind} drawn from ${elevation}° (seed ${seed}) as ${view}`, async () => {
      const p = await drawnProduct(seed, elevation);
      expect(p.kind).toBe(kind);
      const estimate = estimateView(p.matte, p.width, p.height, p.box);
      expect({ seed, estimated: estimate.estimated }).toEqual({ seed, estimated: view });
      expect(estimate.elevationDeg).not.toBeNull();
      // Near 90° the ratio hardly changes with the angle; below it the reading is within a few degrees.
      if (elevation <= 55) expect(Math.abs(estimate.elevationDeg! - elevation)).toBeLessThanOrEqual(6);
      expect(estimate.confidence).toBeGreaterThan(0.3);
      expect(estimate.confidence).toBeLessThanOrEqual(1);
      expect(estimate.why).toMatch(/as tall as wide \(camera about \d+° above the product\)/);
    });
  }

  it('reads the drawn mug of drawn-mugs.ts (rim ellipse 22 / 170: about 7.4°) as eye-level', async () => {
    // MUG_PATHS and the rim of test/helpers/drawn-mugs.ts, which keeps its silhouette private.
    const mug = await silhouette(
      900,
      900,
      '<path d="M600 360 q120 0 120 110 q0 110 -120 110 v-44 q72 0 72 -66 q0 -66 -72 -66 z" fill="#fff"/><path d="M260 300 h340 v350 q0 50 -50 50 h-240 q-50 0 -50 -50 z" fill="#fff"/><ellipse cx="430" cy="300" rx="170" ry="22" fill="#fff"/>',
    );
    const estimate = estimateView(mug.matte, mug.width, mug.height, mug.box);
    expect(estimate.estimated).toBe('eye-level');
    expect(estimate.elevationDeg).toBeGreaterThan(5);
    expect(estimate.elevationDeg).toBeLessThan(10);
    expect(estimate.why).toContain('top edge');
  });

  it('reads a box with a straight, level bottom edge as eye-level', async () => {
    const box = await silhouette(1000, 1000, '<rect x="300" y="200" width="400" height="600" fill="#fff"/>');
    const estimate = estimateView(box.matte, box.width, box.height, box.box);
    expect(estimate.estimated).toBe('eye-level');
    expect(estimate.elevationDeg).toBeLessThan(3);
    expect(estimate.confidence).toBeGreaterThan(0.8);
    expect(estimate.why).toContain('straight line');
  });

  it('assumes eye level, unsure, when no outline is round or level (a diamond)', async () => {
    const diamond = await silhouette(1000, 1000, '<path d="M500 100 L850 500 L500 900 L150 500 Z" fill="#fff"/>');
    const estimate = estimateView(diamond.matte, diamond.width, diamond.height, diamond.box);
    expect(estimate).toEqual({ estimated: 'eye-level', confidence: expect.any(Number), why: 'no round rim or base to read; assuming eye level', elevationDeg: null });
    expect(estimate.confidence).toBeLessThanOrEqual(0.4);
  });

  it('does not throw on empty or degenerate input, and says so with low confidence', () => {
    const cases: Array<[Uint8Array, number, number, { x: number; y: number; width: number; height: number }]> = [
      [new Uint8Array(100 * 80), 100, 80, { x: 0, y: 0, width: 0, height: 0 }],
      [new Uint8Array(100 * 80), 100, 80, { x: 0, y: 0, width: 100, height: 80 }],
      [new Uint8Array(10), 100, 80, { x: 0, y: 0, width: 100, height: 80 }],
      [new Uint8Array(100 * 80).fill(255), 100, 80, { x: -50, y: -50, width: 500, height: 500 }],
      [new Uint8Array(0), 0, 0, { x: 0, y: 0, width: 0, height: 0 }],
    ];
    for (const [matte, width, height, box] of cases) {
      const estimate = estimateView(matte, width, height, box);
      expect(estimate.estimated).toBe('eye-level');
      expect(estimate.confidence).toBeLessThanOrEqual(0.4);
      expect(estimate.why).toMatch(/assuming eye level$/);
    }
  });

  it('reads a product cut by the frame’s bottom edge from its top, not the frame line as a level base', async () => {
    for (const [seed, kind] of [[0, 'mug'], [4, 'jar']] as const) {
      const p = await drawnProduct(seed, 25);
      expect(p.kind).toBe(kind);
      const whole = estimateView(p.matte, p.width, p.height, p.box);
      const cut = cutAtBottom(p, 0.75);
      const estimate = estimateView(cut.matte, cut.width, cut.height, cut.box);
      expect(estimate.estimated).toBe('three-quarter');
      expect(Math.abs(estimate.elevationDeg! - 25)).toBeLessThanOrEqual(4);
      expect(estimate.why).toContain('the top edge curves');
      expect(estimate.why).toContain('the base is cut off by the frame');
      expect(estimate.confidence).toBeLessThan(whole.confidence);
    }
  });

  it('is unsure when the base is cut off and the top is only a bottle’s cap', async () => {
    const bottle = await drawnProduct(6, 25);
    expect(bottle.kind).toBe('bottle');
    const cut = cutAtBottom(bottle, 0.75);
    const estimate = estimateView(cut.matte, cut.width, cut.height, cut.box);
    expect(estimate).toEqual({ estimated: 'eye-level', confidence: 0.2, why: 'the base is cut off by the frame and the top is no clean ellipse; assuming eye level', elevationDeg: null });
  });
});
