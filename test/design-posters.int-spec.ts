import { after, before, describe, it } from 'node:test';
import { expect } from 'expect';
import sharp from 'sharp';
import { DESIGN_FAMILIES, designSpec } from './helpers/design-families';
import { DesignRenderer } from './helpers/design-poster';
import { characterSimilarity } from './helpers/design-scoring';
import { NO_CHROMIUM } from './helpers/admin-audit';

/**
 * The design set's ground truth (bench `layers`): each element rendered alone must restack to
 * the poster Chromium drew, or every score measured against it is wrong.
 */
describe('the design set: posters made as HTML/CSS, each element its own true layer', { skip: NO_CHROMIUM }, () => {
  const renderer = new DesignRenderer();
  after(() => renderer.close());
  let specs: Awaited<ReturnType<typeof designSpec>>[];
  before(async () => {
    // A menu board (multi-line blocks, a divider), a sale poster (ring or star badge with text), an event poster (photo, scrim, bars).
    specs = await Promise.all([0, 1, 2].map((seed) => designSpec(seed)));
  });

  it('is seeded: the same seed is the same poster, and the families are many', async () => {
    expect(JSON.stringify(await designSpec(1))).toBe(JSON.stringify(specs[1]));
    expect(DESIGN_FAMILIES.length).toBeGreaterThanOrEqual(10);
    const sizes = await Promise.all(Array.from({ length: 24 }, async (_, seed) => designSpec(seed).then((s) => Math.max(s.width, s.height))));
    expect(Math.min(...sizes)).toBeGreaterThanOrEqual(512);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(2048);
  });

  it('restacks its true layers to the poster, each element drawn, text with its words and typography', async () => {
    for (const spec of specs) {
      const poster = await renderer.render(spec);
      const { width: w, height: h } = poster;
      const stacked = await sharp({ create: { width: w, height: h, channels: 3, background: '#ffffff' } })
        .composite(poster.layers.map((l) => ({ input: l.rgba, raw: { width: w, height: h, channels: 4 as const } })))
        .removeAlpha()
        .raw()
        .toBuffer();
      const flat = await sharp(poster.png).removeAlpha().raw().toBuffer();
      let squared = 0;
      for (let i = 0; i < flat.length; i++) squared += (flat[i] - stacked[i]) ** 2;
      const psnr = 10 * Math.log10((255 * 255) / Math.max(1e-9, squared / flat.length));
      expect({ family: poster.family, psnr: psnr >= 40 }).toEqual({ family: poster.family, psnr: true });
      for (const layer of poster.layers) {
        let mass = 0;
        for (let i = 3; i < layer.rgba.length; i += 4) mass += layer.rgba[i];
        expect({ family: poster.family, element: layer.name, drawn: mass > 0 }).toEqual({ family: poster.family, element: layer.name, drawn: true });
        if (layer.kind === 'text') expect(layer.typography?.sizePx).toBeGreaterThan(4);
      }
      expect(poster.layers[0].kind).toBe('background');
    }
  });

  it('scores reading by characters, ignoring spaces and line breaks', () => {
    expect(characterSimilarity('겨울 한정\n세일', '겨울 한정 세일')).toBe(1);
    expect(characterSimilarity('겨울 한정 Yau', '겨울 한정 세일')).toBeCloseTo(4 / 7, 5);
    expect(characterSimilarity('', '세일')).toBe(0);
  });
});
