import { after, describe, it } from 'node:test';
import { expect } from 'expect';
import { loadConfig } from '../../config/app-config';
import type { RawImage } from '../../vision/image.types';
import { EmbeddedImageAnalyzer } from '../analysis/embedded-analyzer';
import { ChromiumPool } from '../../renderer/chromium-pool';
import { HtmlRendererService } from '../../renderer/html-renderer.service';
import type { FontAsset } from '../../renderer/renderer.types';
import type { LayoutDesigner, LayoutRequest, LayoutResult } from './layout.types';
import { MeasuredTemplateDesigner } from './measured-template-designer';
import { TemplateLayoutDesigner } from './template-designer';

// Real Chromium and the real template; the photos are drawn here.
const FONT: FontAsset = { url: 'https://fonts.nanococoa.internal/nanum/NanumMyeongjo.ttf', path: '/usr/share/fonts/truetype/nanum/NanumMyeongjo.ttf' };
const SIZE = 720;

/** A warm grey ground of square cells (`amp` around `mean`): calm and mid-tone, or mottled. */
function ground(mean: number, amp: number, cell: number): RawImage {
  const data = Buffer.alloc(SIZE * SIZE * 3);
  let seed = 7;
  const next = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
  const cols = Math.ceil(SIZE / cell);
  const cells = Array.from({ length: cols * cols }, next);
  for (let y = 0; y < SIZE; y++) {
    for (let x = 0; x < SIZE; x++) {
      const l = Math.round(mean + (cells[Math.floor(y / cell) * cols + Math.floor(x / cell)] - 0.5) * 2 * amp);
      data.set([l, Math.round(l * 0.92), Math.round(l * 0.85)], (y * SIZE + x) * 3);
    }
  }
  return { data, width: SIZE, height: SIZE, channels: 3 };
}

async function requestOn(image: RawImage, stylePrompt = ''): Promise<LayoutRequest> {
  const analysis = await new EmbeddedImageAnalyzer().analyze({ image: image as RawImage & { channels: 3 }, position: 'auto', productBox: null });
  return {
    analysis,
    copy: '봄 신메뉴 딸기 라떼 출시 4,500원',
    stylePrompt,
    position: 'auto',
    fontCss: `@font-face { font-family: 'Nanum Myeongjo'; src: url(${FONT.url}); }`,
    fontStack: "'Nanum Myeongjo', serif",
    width: SIZE,
    height: SIZE,
  };
}

/**
 * The template with a halo model at its most wrong: it plans the halo it believes in but the
 * page draws none, until asked for more than 4.5:1.
 */
class OptimisticHalo implements LayoutDesigner {
  readonly id = 'optimistic';
  readonly targets: Array<number | undefined> = [];
  constructor(private readonly template: TemplateLayoutDesigner) {}
  async design(request: LayoutRequest): Promise<LayoutResult> {
    this.targets.push(request.contrastTarget);
    const layout = await this.template.design(request);
    if ((request.contrastTarget ?? 4.5) > 4.5) return layout;
    return { ...layout, html: layout.html.replace(/text-shadow: [^;]+;/g, 'text-shadow: none;') };
  }
}

describe('MeasuredTemplateDesigner', () => {
  const pool = new ChromiumPool(loadConfig({}, { RENDER_PAGES: 1 }));
  const renderer = new HtmlRendererService(pool);
  const template = new TemplateLayoutDesigner();
  const signal = new AbortController().signal;
  after(() => pool.close());

  it('measures a halo on the rendered glyphs and hands the render on', async () => {
    const background = ground(128, 10, 8);
    const { layout, rendered } = await new MeasuredTemplateDesigner(template, renderer).design({ layout: await requestOn(background), fonts: [FONT], background, signal });
    expect(layout.treatment).toBe('shadow');
    expect(layout.contrastMeasured).toBe(true);
    expect(layout.contrast).toBeGreaterThanOrEqual(4.5);
    expect(rendered?.png.length).toBeGreaterThan(0);
  });

  it('plans again for more contrast when the drawn halo measures under 4.5:1', async () => {
    const background = ground(128, 10, 8);
    const optimistic = new OptimisticHalo(template);
    const { layout } = await new MeasuredTemplateDesigner(optimistic, renderer).design({ layout: await requestOn(background), fonts: [FONT], background, signal });
    expect(optimistic.targets[0]).toBe(4.5);
    expect(optimistic.targets.length).toBeGreaterThanOrEqual(2);
    expect(optimistic.targets[1]).toBeGreaterThan(4.5);
    expect(layout.contrastMeasured || layout.treatment === 'panel').toBe(true);
    if (layout.contrastMeasured) expect(layout.contrast).toBeGreaterThanOrEqual(4.5);
  });

  it('leaves a panel to its plan, drawn on the measured background, without rendering it twice', async () => {
    const background = ground(128, 90, 2);
    const { layout, rendered } = await new MeasuredTemplateDesigner(template, renderer).design({ layout: await requestOn(background), fonts: [FONT], background, signal });
    expect(layout.treatment).toBe('panel');
    expect(layout.contrastMeasured).toBe(false);
    expect(rendered).toBeUndefined();
  });
});
