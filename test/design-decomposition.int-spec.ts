import { after, before, describe, it } from 'node:test';
import { expect } from 'expect';
import type { INestApplicationContext } from '@nestjs/common';
import { EmbeddedDecomposer } from '../src/layers/embedded-decomposer.service';
import { NO_CHROMIUM } from './helpers/admin-audit';
import { designSpec } from './helpers/design-families';
import { DesignRenderer } from './helpers/design-poster';
import { scoreDesign } from './helpers/design-scoring';
import { decomposerContext } from './helpers/layer-quality';

/**
 * The classes of designed posters the decomposer got wrong (issue 25), each on a poster of the
 * design set (bench `layers` scores the whole set): what must hold on each.
 */
describe('decomposing posters made by design tools', { skip: NO_CHROMIUM }, () => {
  let app: INestApplicationContext;
  const renderer = new DesignRenderer();
  before(async () => {
    app = await decomposerContext();
  });
  after(async () => {
    await renderer.close();
    await app?.close();
  });
  const decompose = async (seed: number) => scoreDesign(app.get(EmbeddedDecomposer), await renderer.render(await designSpec(seed)));

  it('keeps the page as the background, never a shape, and never black under the elements', async () => {
    // Seed 5: a banner whose page shows beside a side panel; seed 11: an info grid whose page
    // shows only between its panels. Either way the page's region, filled, is the whole canvas.
    for (const seed of [5, 11]) {
      const { score, result } = await decompose(seed);
      const where = `${score.family} (seed ${seed})`;
      expect({ where, backgroundL1: score.backgroundL1 <= 0.05 }).toEqual({ where, backgroundL1: true });
      const canvas = result.width * result.height;
      for (const layer of result.layers.slice(1)) expect({ where, layer: layer.name, spansCanvas: layer.area >= 0.85 * canvas }).toEqual({ where, layer: layer.name, spansCanvas: false });
    }
  });

  it('makes a multi-line block one layer: a menu of five lines, its prices another', async () => {
    const { score } = await decompose(0);
    for (const name of ['menu items', 'menu prices']) {
      const found = score.elements.find((e) => e.name === name)!;
      expect({ name, found: found.iou >= 0.5 }).toEqual({ name, found: true });
    }
  });
});
