import { Inject, Injectable } from '@nestjs/common';
import { z } from 'zod';
import { ChatApiRepository } from '../../providers/chat-api.repository';
import type { FontFaceBundle } from '../../fonts/fonts.types';
import type { RawImage } from '../../vision/image.types';
import { HTML_RENDERER, type HtmlRenderer, type RenderResult } from '../../renderer/renderer.types';
import { sanitizeDesign } from './design-sanitizer';
import { buildDesignedDocument, COPY_SELECTOR, FIT_VAR } from './html-document';
import type { DesignRecord, LayoutRequest, LayoutResult } from './layout.types';
import { checkRenderedCopy, GLYPHS_CSS, rawRgba } from './rendered-copy-checks';
import { TemplateLayoutDesigner } from './template-designer';
import { hexOf as hex } from '../../vision/color-math';

const SYSTEM = [
  'You are a senior advertising typographer. You design the text layer of a product ad as HTML and CSS.',
  'A browser renders it over the photo with JavaScript off and no network.',
  'Rules:',
  "- Show the copy's words exactly and in order. You may split them into lines and wrap parts in elements for emphasis; never add, drop, translate or change a word or a character.",
  '- HTML: only div, span, p, br, strong, em, b, i, small, mark, h1, h2, h3, with class attributes. No style attributes, images, links or scripts.',
  '- CSS: rules on your classes (they are scoped into the text block). Sizes in em: 1em is a base size the renderer fits to the box, so keep the largest line at most 2.4em and the smallest at least 0.7em.',
  '- No url(), @import, @font-face, animations, transitions, transforms, filters or positioning.',
  '- font-family: only the installed families given.',
  '- The letters must read at WCAG 4.5:1 against the background described: pick colours for it, or add a text-shadow halo or a semi-opaque background panel.',
  'Answer with JSON only: {"html": "...", "css": "..."}.',
].join('\n');

const ANSWER = z.object({ html: z.string().min(1).max(20_000), css: z.string().max(20_000) });
const ANSWER_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: ['html', 'css'],
  properties: { html: { type: 'string' }, css: { type: 'string' } },
};

export interface LlmDesignRequest {
  layout: LayoutRequest;
  bundle: FontFaceBundle;
  /** The product shot the layer goes over (RGB) and the product's alpha (1 channel). */
  background: RawImage;
  productMask?: RawImage;
  signal: AbortSignal;
}

export interface LlmDesignOutcome {
  layout: LayoutResult;
  /** The accepted design's render, so the render stage does not draw it again. */
  rendered?: RenderResult;
}


/**
 * The seed's GPT-written HTML/CSS copy (`use_llm_html`), made safe and held to the template's
 * standard. The LLM gets the copy, the analysis, the box the template chose and the installed
 * fonts; its answer is sanitized, rendered with a CSP and no network, and checked on the pixels
 * (rendered-copy-checks). A failed check earns one repair request naming the failures; a second
 * failure, or a failed provider under PROVIDER_FALLBACK=embedded, gives the template's design.
 */
@Injectable()
export class LlmCopyDesigner {
  constructor(
    private readonly chat: ChatApiRepository,
    @Inject(HTML_RENDERER) private readonly renderer: HtmlRenderer,
    private readonly template: TemplateLayoutDesigner,
  ) {}

  get model(): string | null {
    return this.chat.settings('llm')?.model ?? null;
  }

  async design(req: LlmDesignRequest): Promise<LlmDesignOutcome> {
    const base = await this.template.design(req.layout);
    const model = this.model;
    if (!model) return { layout: base };
    const families = req.bundle.stack.split(',').map((f) => f.trim().replace(/^["']|["']$/g, ''));
    const record: DesignRecord = { model, attempts: [] };
    let feedback = '';
    for (let attempt = 1; attempt <= 2; attempt++) {
      let answer: z.infer<typeof ANSWER>;
      try {
        ({ value: answer } = await this.chat.complete({
          role: 'llm',
          system: SYSTEM,
          user: brief(req.layout, base, families) + feedback,
          schema: { name: 'copy_design', json: ANSWER_SCHEMA, parse: ANSWER },
          signal: req.signal,
        }));
      } catch (error) {
        if (!this.chat.fallsBackFrom(error)) throw error;
        record.fallback = `${error.code}: ${error.message}`;
        return { layout: { ...base, design: record } };
      }
      const tried = await this.tryDesign(req, base, answer, families);
      record.attempts.push({ reasons: tried.problems, removed: tried.removed });
      if (tried.problems.length === 0) return { layout: { ...tried.layout, designer: `llm:${model}`, design: record }, rendered: tried.rendered };
      feedback =
        `\n\nYour previous design failed these checks:\n- ${tried.problems.join('\n- ')}` +
        (tried.removed.length ? `\nThe sanitizer removed: ${tried.removed.join(', ')}.` : '') +
        `\nPrevious answer: ${JSON.stringify(answer).slice(0, 4000)}\nSend a corrected design.`;
    }
    record.fallback = 'both designs failed the checks; the template designed the copy';
    return { layout: { ...base, design: record } };
  }

  private async tryDesign(req: LlmDesignRequest, base: LayoutResult, answer: z.infer<typeof ANSWER>, families: string[]) {
    const { layout: request, background } = req;
    const clean = sanitizeDesign(answer.html, answer.css, { scope: COPY_SELECTOR, fontFamilies: families });
    const short = Math.min(request.width, request.height);
    const fit = { selector: COPY_SELECTOR, cssVar: FIT_VAR, minPx: Math.max(8, Math.round(short * 0.022)), maxPx: Math.max(9, Math.round(short * 0.07)) };
    const html = buildDesignedDocument({
      width: request.width,
      height: request.height,
      box: base.box,
      fontCss: request.fontCss,
      fontStack: request.fontStack,
      lang: /[\uac00-\ud7a3]/.test(request.copy) ? 'ko' : 'en',
      color: base.textColor,
      initialPx: Math.round((fit.minPx + fit.maxPx) / 2),
      bodyHtml: clean.html,
      css: clean.css,
    });
    const rendered = await this.renderer.render({
      html,
      width: request.width,
      height: request.height,
      fonts: req.bundle.assets,
      fit,
      measure: [COPY_SELECTOR],
      fontProbe: [COPY_SELECTOR],
      textOf: [COPY_SELECTOR],
      restyled: [{ name: 'glyphs', css: GLYPHS_CSS }],
      signal: req.signal,
    });
    const [layer, glyphs] = await Promise.all([rendered.png, rendered.restyledPng.glyphs].map(rawRgba));
    const verdict = checkRenderedCopy({
      copy: request.copy,
      visibleText: rendered.texts[COPY_SELECTOR] ?? null,
      layer,
      glyphs,
      background,
      productMask: req.productMask,
      box: base.box,
      overflow: rendered.overflow,
      fontsUsed: rendered.fontsUsed[COPY_SELECTOR] ?? [],
      families,
    });
    const layout: LayoutResult = {
      ...base,
      html,
      fit,
      measure: [COPY_SELECTOR],
      preset: 'llm',
      headline: request.copy,
      subline: '',
      textColor: verdict.textColor,
      contrast: verdict.contrast,
      contrastMeasured: true,
      treatment: 'designed',
    };
    return { layout, rendered, problems: verdict.problems, removed: clean.removed };
  }
}

/** What the LLM designs for: the copy, the style asked, the box and what is under it, the fonts. */
function brief(request: LayoutRequest, base: LayoutResult, families: string[]): string {
  const { analysis } = request;
  const under = analysis.candidates.find((c) => c.box.x === base.box.x && c.box.y === base.box.y) ?? analysis.candidates[0];
  return JSON.stringify(
    {
      copy: request.copy,
      style: request.stylePrompt || 'clean, modern advertising typography',
      canvas: { width: request.width, height: request.height },
      text_box: base.box,
      background_under_box: under
        ? { mean_color: hex(under.meanColor), luminance: Number(under.meanLuminance.toFixed(3)), busy: under.edgeDensity > 0.12 }
        : null,
      photo_palette: analysis.palette.map((p) => hex(p.color)),
      scene: analysis.description,
      text_color_that_reads_there: hex(base.textColor),
      installed_fonts: families,
    },
    null,
    2,
  );
}
