import { Injectable } from '@nestjs/common';
import { DomainException } from '../../common/errors/domain.exception';
import { ErrorCode } from '../../common/errors/error-codes';
import { FontsService } from '../../fonts/fonts.service';
import { LlmCopyDesigner, type LlmDesignOutcome } from '../layout/llm-copy-designer';
import { MeasuredTemplateDesigner } from '../layout/measured-template-designer';
import { chooseStyle } from '../layout/style-presets';
import { hasCopy, type Stage, type StageContext } from '../ad.types';

/** Korean serif families, best first, used for elegant copy when installed. */
const SERIF_FAMILIES = ['NanumMyeongjo', 'Noto Serif CJK KR', 'UnBatang'];

/** Stage 2b: the copy designed as HTML/CSS in a font that has every glyph of it. */
@Injectable()
export class LayoutStage implements Stage {
  readonly name = 'layout';
  readonly step = 2 as const;
  readonly scope = 'canvas' as const;
  readonly label = 'step2_layout';
  readonly defaultSeconds = 0.02;

  constructor(
    private readonly template: MeasuredTemplateDesigner,
    private readonly fonts: FontsService,
    private readonly llm: LlmCopyDesigner,
  ) {}

  readonly applies = hasCopy;

  /** Without a font_name, an elegant or classic style reads better in a serif (Myeongjo). */
  private serifFor(stylePrompt: string, text: string): string | undefined {
    const { preset } = chooseStyle(stylePrompt, text);
    if (preset.id !== 'elegant' && preset.id !== 'classic') return undefined;
    const serif = SERIF_FAMILIES.find((name) => this.fonts.find(name));
    return serif && this.fonts.missingGlyphs(text, [this.fonts.find(serif)!]).length === 0 ? serif : undefined;
  }

  async run(ctx: StageContext): Promise<void> {
    const { analysis, canvas } = ctx.shot;
    if (!analysis) throw new DomainException(ErrorCode.INTERNAL, 'layout ran before analysis');
    const text = ctx.input.textContent.trim();
    // Throws FONT_MISSING for Hangul copy on a machine without a Hangul font: never tofu boxes.
    const font = this.fonts.resolve(ctx.input.fontName ?? this.serifFor(ctx.input.htmlStylePrompt, text), text);
    const bundle = this.fonts.faceBundle(font, text);
    // Characters no installed font has are left out and reported, never drawn as boxes.
    const missing = this.fonts.missingGlyphs(text, [font]);
    const copy = missing.reduce((t, ch) => t.split(ch).join(''), text).replace(/\s+/gu, ' ').trim();
    const request = {
      analysis,
      copy,
      stylePrompt: ctx.input.htmlStylePrompt,
      position: ctx.input.textPosition,
      fontCss: bundle.css,
      fontStack: bundle.stack,
      width: canvas.width,
      height: canvas.height,
    };
    const background = ctx.shot.step1?.channels === 3 ? ctx.shot.step1 : null;
    const llm = ctx.input.useLlmHtml && !ctx.input.testMode ? this.llm.model : null;
    let outcome: LlmDesignOutcome | null = null;
    if (llm && background) {
      ctx.report(0.2, `llm:${llm}`, `The LLM is designing the copy in ${font.family}`);
      outcome = await this.llm.design({ layout: request, bundle, background, productMask: ctx.shot.productMask, signal: ctx.signal });
    }
    if (outcome?.rendered) {
      ctx.shot.layout = outcome.layout;
      ctx.shot.rendered = outcome.rendered;
    } else {
      // The template's design, also where the LLM's failed its checks (its record is kept).
      if (!outcome) ctx.report(0.2, 'template', `Designing the copy in ${font.family}`);
      const measured = await this.template.design({ layout: request, fonts: bundle.assets, background, signal: ctx.signal });
      ctx.shot.layout = outcome?.layout.design ? { ...measured.layout, design: outcome.layout.design } : measured.layout;
      ctx.shot.rendered = measured.rendered;
    }
    const layout = ctx.shot.layout;
    ctx.shot.fonts = { bundle, family: font.family, missing };
    ctx.persist(ctx.fileName('text', 'html'), Promise.resolve(Buffer.from(layout.html)), 'text/html; charset=utf-8');
  }
}
