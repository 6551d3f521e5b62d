import { Inject, Injectable } from '@nestjs/common';
import type { RawImage } from '../../vision/image.types';
import { AA_CONTRAST } from '../../vision/text-color';
import { HTML_RENDERER, type FontAsset, type HtmlRenderer, type RenderResult } from '../../renderer/renderer.types';
import { LAYOUT_DESIGNER, type LayoutDesigner, type LayoutRequest, type LayoutResult } from './layout.types';
import { GLYPHS_CSS, measureGlyphContrast, rawRgba } from './rendered-copy-checks';

/** Designs after the first that may raise the planned contrast before the measurement stands. */
const MAX_REDESIGNS = 2;

export interface MeasuredDesignRequest {
  layout: LayoutRequest;
  fonts: FontAsset[];
  /** The product shot the copy goes over (RGB); without one nothing can be measured. */
  background: RawImage | null;
  signal: AbortSignal;
}

export interface MeasuredDesign {
  layout: LayoutResult;
  /** The render the measurement was taken on, so the render stage does not draw it again. */
  rendered?: RenderResult;
}

/**
 * The template's layout, with a halo's or outline's contrast measured on the rendered glyphs.
 * The plan models a halo as one layer of known opacity; drawn, its rim is thinner than a thin
 * stroke's surroundings and its blur fades, so on thin type or a mottled ground the letters can
 * read lower than planned. When they measure under 4.5:1 the layout is planned again for a
 * higher contrast, scaled by how far the model was off, until it measures (a denser halo, else
 * a panel). Colour alone and panels are planned on the measured background and are not re-rendered.
 */
@Injectable()
export class MeasuredTemplateDesigner {
  constructor(
    @Inject(LAYOUT_DESIGNER) private readonly designer: LayoutDesigner,
    @Inject(HTML_RENDERER) private readonly renderer: HtmlRenderer,
  ) {}

  async design(req: MeasuredDesignRequest): Promise<MeasuredDesign> {
    let target = AA_CONTRAST;
    for (let attempt = 0; ; attempt++) {
      const layout = await this.designer.design({ ...req.layout, contrastTarget: target });
      if (!req.background || (layout.treatment !== 'shadow' && layout.treatment !== 'outline')) return { layout };
      const rendered = await this.renderer.render({
        html: layout.html,
        width: req.layout.width,
        height: req.layout.height,
        fonts: req.fonts,
        fit: layout.fit,
        measure: layout.measure,
        fontProbe: [layout.fit.selector],
        restyled: [{ name: 'glyphs', css: GLYPHS_CSS }],
        signal: req.signal,
      });
      const [layer, glyphs] = await Promise.all([rendered.png, rendered.restyledPng.glyphs].map(rawRgba));
      const measured = measureGlyphContrast({ layer, glyphs, background: req.background });
      if (measured.glyphPixels === 0) return { layout, rendered };
      const result = { layout: { ...layout, contrast: measured.contrast, contrastMeasured: true }, rendered };
      if (measured.contrast >= AA_CONTRAST || attempt === MAX_REDESIGNS) return result;
      // The model was off by planned/measured: ask that much more (at least half a step).
      target = Math.max(target + 0.5, (target * AA_CONTRAST) / measured.contrast);
    }
  }
}
