import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { INestApplicationContext } from '@nestjs/common';
import { EmbeddedDecomposer } from '../src/layers/embedded-decomposer.service';
import { decomposerContext, scorePoster, summarize } from './helpers/layer-quality';

/**
 * The embedded decomposer against generated posters' true layers, with LayerD's metric (the same
 * code `npm run bench -- layers` reports on 12 posters). Thresholds sit a little below the bench's
 * numbers; the seeds cover a gradient and a photo background, a semi-transparent overlay, a shape
 * behind a product and a stroked Korean headline.
 */
describe('decomposition quality on generated posters (LayerD metric)', () => {
  let app: INestApplicationContext;
  before(async () => {
    app = await decomposerContext();
  });
  after(async () => {
    await app?.close();
  });

  it('finds layers close to the true ones, restacks exactly and separates the text', async () => {
    const decomposer = app.get(EmbeddedDecomposer);
    const scores = [];
    for (const seed of [6, 7, 10, 12]) scores.push(await scorePoster(decomposer, seed));
    const set = summarize(scores);
    const best = set.levels.at(-1)!;
    const detail = JSON.stringify(scores.map((s) => ({ seed: s.seed, last: s.levels.at(-1), textIou: s.textIou, psnr: s.psnr })));
    assert.ok(best.rgbL1 <= 0.045, `RGB L1 after merges ${best.rgbL1.toFixed(4)}: ${detail}`);
    assert.ok(best.alphaIou >= 0.85, `soft alpha IoU after merges ${best.alphaIou.toFixed(3)}: ${detail}`);
    assert.ok(set.levels.length <= 6, 'at most 5 merges');
    for (const s of scores) {
      assert.ok(s.psnr >= 40, `seed ${s.seed}: recomposition ${s.psnr.toFixed(1)} dB`);
      assert.ok(s.textIou >= 0.85, `seed ${s.seed}: text-mask IoU ${s.textIou.toFixed(3)}`);
      assert.ok(Math.abs(s.layers - s.truthLayers) <= 1, `seed ${s.seed}: ${s.layers} layers for ${s.truthLayers}`);
    }
  });
});
