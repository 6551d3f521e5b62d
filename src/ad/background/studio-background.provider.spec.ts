import { describe, it } from 'node:test';
import { expect } from 'expect';
import { DomainException, JobAbortedError } from '../../common/errors/domain.exception';
import type { RawImage, Rgb } from '../../vision/image.types';
import type { BackgroundRequest } from './background-provider';
import { keyLightFromMeta } from './background-provider';
import { relativeLuminance } from '../../vision/color-math';
import { StudioBackgroundProvider } from './studio-background.provider';
import { sameColour } from './studio-scheme';
import { checkBackdropColors } from '../../quality/backdrop-colors';
import { hueDelta, toHsv } from '../../vision/color-math';

const provider = new StudioBackgroundProvider();

function request(overrides: Partial<BackgroundRequest> = {}): BackgroundRequest {
  return {
    prompt: '',
    negativePrompt: '',
    width: 320,
    height: 320,
    seed: 42,
    palette: [[150, 40, 30]],
    productBox: { x: 100, y: 110, width: 120, height: 150 },
    floorY: 260,
    strength: 0.7,
    guidanceScale: 5,
    ...overrides,
  };
}

/** Mean colour over a rectangle of a 3-channel image. */
function meanRgb(img: RawImage, x0 = 0, y0 = 0, x1 = img.width, y1 = img.height): Rgb {
  const sum = [0, 0, 0];
  for (let y = y0; y < y1; y++) {
    for (let x = x0; x < x1; x++) {
      const i = (y * img.width + x) * 3;
      sum[0] += img.data[i];
      sum[1] += img.data[i + 1];
      sum[2] += img.data[i + 2];
    }
  }
  const n = (x1 - x0) * (y1 - y0);
  return [sum[0] / n, sum[1] / n, sum[2] / n];
}

/**
 * Row-to-row change of the row means in a band: plank tones and seams show up, grain (which
 * averages out along a row) and smooth gradients hardly do.
 */
function rowDetail(img: RawImage, y0: number, y1: number): number {
  let previous = meanRgb(img, 0, y0, img.width, y0 + 1)[1];
  let sum = 0;
  for (let y = y0 + 1; y < y1; y++) {
    const current = meanRgb(img, 0, y, img.width, y + 1)[1];
    sum += Math.abs(current - previous);
    previous = current;
  }
  return sum / (y1 - y0 - 1);
}

describe('StudioBackgroundProvider', () => {
  it('draws a 3-channel image of the requested size and says what it drew', async () => {
    const result = await provider.generate(request({ width: 300, height: 200, productBox: { x: 120, y: 40, width: 60, height: 120 }, floorY: 160 }));
    expect(result.image).toMatchObject({ width: 300, height: 200, channels: 3 });
    expect(result.image.data.length).toBe(300 * 200 * 3);
    expect(result.provider).toBe('studio');
    expect(result.description).toMatch(/sweep/);
    expect(keyLightFromMeta(result.meta)).toBeDefined();
  });

  it('is byte-identical for the same request', async () => {
    const req = request({ prompt: '원목 테이블, 따뜻한 베이지' });
    const a = await provider.generate(req);
    const b = await provider.generate({ ...req });
    expect(a.image.data.equals(b.image.data)).toBe(true);
  });

  it('varies visibly with the seed', async () => {
    const a = await provider.generate(request({ seed: 1 }));
    const b = await provider.generate(request({ seed: 2 }));
    let diff = 0;
    for (let i = 0; i < a.image.data.length; i++) diff += Math.abs(a.image.data[i] - b.image.data[i]);
    // Grain alone differs by ~1-2 levels; light position and hue must add clearly more.
    expect(diff / a.image.data.length).toBeGreaterThan(3);
  });

  it('follows prompt colours: a blue prompt gives a bluer backdrop than a red one', async () => {
    const blue = meanRgb((await provider.generate(request({ prompt: '파란색 배경' }))).image);
    const red = meanRgb((await provider.generate(request({ prompt: '빨간 배경' }))).image);
    expect(blue[2] - blue[0]).toBeGreaterThan(40);
    expect(red[0] - red[2]).toBeGreaterThan(40);
  });

  it('without colour words keeps luminance contrast with a dark product and with a light one', async () => {
    for (const palette of [[[40, 20, 15]], [[245, 243, 238]]] as Rgb[][]) {
      const { image } = await provider.generate(request({ palette }));
      // The backdrop beside the product, at product height.
      const around = meanRgb(image, 20, 120, 90, 250);
      expect(Math.abs(relativeLuminance(around) - relativeLuminance(palette[0]))).toBeGreaterThan(0.15);
    }
  });

  it("keeps a red prompt red for a red product, but in a shade the product stands out from", async () => {
    const product: Rgb = [200, 30, 35];
    const { image } = await provider.generate(request({ prompt: '빨간 배경', palette: [product] }));
    const around = meanRgb(image, 20, 120, 90, 250);
    expect(around[0] - around[2]).toBeGreaterThan(40); // still red
    // Without the shift this measures about 0.00: red on red.
    expect(Math.abs(relativeLuminance(around) - relativeLuminance(product))).toBeGreaterThan(0.1);
    // A blue product on the same prompt keeps the red as asked (no shift needed).
    expect(sameColour([200, 30, 35], [30, 60, 200])).toBe(false);
  });

  it('draws a floor texture only when a material is asked for', async () => {
    const plain = (await provider.generate(request({ prompt: 'beige studio' }))).image;
    const wood = (await provider.generate(request({ prompt: 'beige studio, wooden table' }))).image;
    // Rows well inside the floor, in front of the product's base.
    expect(rowDetail(wood, 270, 318)).toBeGreaterThan(rowDetail(plain, 270, 318) * 3);
  });

  it('stops when the signal is already aborted', async () => {
    const controller = new AbortController();
    controller.abort();
    await expect(provider.generate(request({ signal: controller.signal }))).rejects.toBeInstanceOf(JobAbortedError);
  });

  it('stops mid-render when the signal fires', async () => {
    const controller = new AbortController();
    const pending = provider.generate(request({ width: 1024, height: 1024, signal: controller.signal }));
    controller.abort();
    await expect(pending).rejects.toBeInstanceOf(JobAbortedError);
  });

  it('rejects impossible sizes', async () => {
    await expect(provider.generate(request({ width: 0 }))).rejects.toBeInstanceOf(DomainException);
    await expect(provider.generate(request({ height: 10.5 }))).rejects.toBeInstanceOf(DomainException);
  });

  describe('a red product on "명절 느낌의 빨간색과 금색" (festive red and gold)', () => {
    const cup: Rgb[] = [[174, 51, 19], [236, 226, 214], [120, 60, 30]];
    const red = { name: 'red', rgb: [150, 24, 22] as Rgb };
    const gold = { name: 'gold', rgb: [214, 168, 60] as Rgb };
    const views = ['eye-level', 'three-quarter', 'top-down'] as const;

    for (const view of views) {
      it(`${view}: the backdrop is red on most of it, gold a visible accent, and the gold is a gradient, not a flat fill`, async () => {
        const result = await provider.generate(request({ prompt: '명절 느낌의 빨간색과 금색', palette: cup, width: 400, height: 500, productBox: { x: 120, y: 250, width: 160, height: 150 }, floorY: 400, view, elevationDeg: 55 }));
        const check = checkBackdropColors(result.image, null, red, gold);
        expect(check.firstShare).toBeGreaterThanOrEqual(0.5);
        expect(check.accentShare).toBeGreaterThanOrEqual(0.03);
        expect(check.hueError).toBeLessThanOrEqual(10);
        // Metal: the gold pixels span a range of values (a highlight and its falloff).
        const values: number[] = [];
        const { data } = result.image;
        for (let i = 0; i < data.length; i += 3) {
          const hsv = toHsv([data[i], data[i + 1], data[i + 2]]);
          if (Math.abs(hueDelta(42, hsv.h)) <= 15 && hsv.s >= 0.35) values.push(hsv.v);
        }
        values.sort((a, b) => a - b);
        expect(values[Math.floor(values.length * 0.9)] - values[Math.floor(values.length * 0.1)]).toBeGreaterThan(0.2);
        const colors = result.meta.colors as { read: Array<{ name: string }>; used: string[]; separation: string | null };
        expect(colors.read.map((c) => c.name)).toEqual(['red', 'gold']);
        expect(colors.used.join(' ')).toMatch(view === 'eye-level' ? /gold \(metallic\): the floor/ : /gold \(metallic\): a plate under the product/);
        expect(colors.separation).toMatch(/wears red/);
      });
    }

    it('parts a red product from the red by value: the wall is red in a clearly different value', async () => {
      const { image } = await provider.generate(request({ prompt: '빨간 배경', palette: [[150, 40, 30]], width: 320, height: 320 }));
      const around = toHsv(meanRgb(image, 10, 40, 80, 200));
      expect(Math.abs(hueDelta(around.h, toHsv([150, 40, 30]).h))).toBeLessThan(12);
      expect(around.s).toBeGreaterThan(0.6);
      expect(Math.abs(around.v - toHsv([150, 40, 30]).v)).toBeGreaterThan(0.2);
    });
  });

  it('lays a top-down product flat: no horizon, the surface fills the frame', async () => {
    const seen = await provider.generate(request({ prompt: 'beige', view: 'top-down' }));
    const side = await provider.generate(request({ prompt: 'beige', view: 'eye-level' }));
    expect(seen.meta.horizonY).toBeLessThan(0);
    expect(side.meta.horizonY).toBeGreaterThan(0);
    expect(seen.description).toMatch(/^flat lay/);
  });
});
