import { describe, it } from 'node:test';
import { expect } from 'expect';
import { previewFile, previewFromTop } from './job-preview';

const SITE_FILES = ['site_index.html', 'site_p2-320.webp', 'site_p1-640.webp', 'site_p1-320.webp', 'site_favicon.png', 'site.zip', 'screenshot_desktop.png', 'screenshot_phone.png'];

describe('previewFile', () => {
  it("shows an ad by its final, and by its product shot when it stopped after stage 1", () => {
    expect(previewFile({ kind: 'ad', result: {} }, ['step1.png', 'final.png', 'final_4x5.png'])).toBe('final.png');
    expect(previewFile({ kind: 'ad', result: {} }, ['step1.png'])).toBe('step1.png');
  });

  it("shows a decomposition by its preview, not by a layer", () => {
    expect(previewFile({ kind: 'decompose', result: {} }, ['layer_00.png', 'layer_01.png', 'preview.jpg', 'layers.zip'])).toBe('preview.jpg');
    expect(previewFile({ kind: 'decompose', result: {} }, ['layer_00.png'])).toBeNull();
  });

  it("shows a site by the share card its result names, when the job wrote it", () => {
    const files = [...SITE_FILES, 'site_share-card.png'];
    expect(previewFile({ kind: 'homepage', result: { share_card: { file: 'share-card.png' } } }, files)).toBe('site_share-card.png');
    // Named but not written (an older job, or a failed write): the next choice.
    expect(previewFile({ kind: 'homepage', result: { share_card: { file: 'share-card.webp' } } }, files)).toBe('site_p1-320.webp');
  });

  it("otherwise by the first product's smallest picture that fills a thumbnail, else the top of its screenshot", () => {
    expect(previewFile({ kind: 'homepage', result: {} }, SITE_FILES)).toBe('site_p1-320.webp');
    // A small photo is never enlarged: its one variant is narrower than a thumbnail at 2x, and is still the picture.
    expect(previewFile({ kind: 'homepage', result: {} }, ['site_p1-90.webp', 'screenshot_desktop.png'])).toBe('site_p1-90.webp');
    const noPictures = previewFile({ kind: 'homepage', result: {} }, ['site_index.html', 'screenshot_desktop.png']);
    expect(noPictures).toBe('screenshot_desktop.png');
    expect(previewFromTop(noPictures)).toBe(true);
    expect(previewFromTop('site_p1-320.webp')).toBe(false);
  });
});
