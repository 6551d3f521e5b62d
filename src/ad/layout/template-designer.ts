import { Injectable } from '@nestjs/common';
import { relativeLuminance, rgbToHsl } from '../../vision/color-math';
import type { TextBoxCandidate } from '../analysis/analysis.types';
import { AA_CONTRAST, chooseTextColor, contrastOf, ensureContrast, NEAR_BLACK, NEAR_WHITE, worstContrast } from '../../vision/text-color';
import type { Box, Rgb } from '../../vision/image.types';
import { planTreatment, type TreatmentPlan } from './contrast-treatment';
import { longestWordEm, splitCopy } from './copy-split';
import { buildDocument, COPY_SELECTOR, FIT_VAR, HEADLINE_SELECTOR, SUBLINE_SELECTOR } from './html-document';
import type { LayoutDesigner, LayoutRequest, LayoutResult } from './layout.types';
import { chooseStyle, type EmphasisStyle, type StylePreset, vividPaletteColor } from './style-presets';

/**
 * Smallest text as a share of the canvas's short side: the sub-line never gets below ~2.2%
 * (24 px on a 1080 canvas, about 9 pt on a phone held at arm's length). The largest headline is
 * the preset's maxShare (8.5-12%: a poster headline, not a wall of letters).
 */
const MIN_TEXT_SHARE = 0.022;
/** Horizontal panel padding in em of the base size (0.8em each side, see html-document). */
const PANEL_PADDING_EM = 1.6;

/**
 * Stage 2 layout from a template: splits the copy, picks a style preset from the prompt's
 * keywords, puts the copy block on the analysis' best text box (or the requested position),
 * and chooses colour and treatment so the text reaches WCAG 4.5:1 there. The renderer then
 * fits the block's font size to the box (FitSpec).
 */
@Injectable()
export class TemplateLayoutDesigner implements LayoutDesigner {
  readonly id = 'template';

  async design(request: LayoutRequest): Promise<LayoutResult> {
    const { analysis, width, height } = request;
    const split = splitCopy(request.copy);
    const style = chooseStyle(request.stylePrompt, request.copy);
    const preset = style.preset;
    const { candidate, why } = pickCandidate(analysis.candidates, request.position, analysis.safeZone, width, height);
    const hue = vividPaletteColor(analysis.palette);
    // Bold posters set the headline itself in the accent (asked colour, else the picture's own).
    const desired = preset.accentHeadline ? (style.accent ?? hue) : null;
    const plan = planTreatment({
      candidate,
      palette: analysis.palette,
      order: preset.treatments,
      requested: style.requestedTreatment,
      textPreference: style.textPreference,
      hue,
      desired,
      target: request.contrastTarget,
    });
    const colors = planColors(preset, style.accent, hue, plan, desired, analysis.palette);
    const box = clipBox(candidate.box, width, height);
    const align = candidate.position === 'left' || candidate.position === 'right' ? 'left' : 'center';
    const { minPx, maxPx } = fontBounds(preset, split.headline, split.subline, box, plan, width, height);
    const html = buildDocument({
      width,
      height,
      box,
      align,
      fontCss: request.fontCss,
      fontStack: request.fontStack,
      lang: /[\uac00-\ud7a3]/.test(request.copy) ? 'ko' : 'en',
      preset,
      plan,
      bodyColor: colors.body,
      emphasis: colors.emphasis,
      accent: colors.accent,
      pillText: colors.pillText,
      dateColor: colors.dateColor,
      headlineColor: colors.headline,
      headlineHtml: split.headlineHtml,
      sublineHtml: split.sublineHtml,
      initialPx: Math.round((minPx + maxPx) / 2),
    });
    return {
      html,
      box,
      fit: { selector: COPY_SELECTOR, cssVar: FIT_VAR, minPx, maxPx },
      measure: split.subline ? [COPY_SELECTOR, HEADLINE_SELECTOR, SUBLINE_SELECTOR] : [COPY_SELECTOR, HEADLINE_SELECTOR],
      preset: preset.id,
      headline: split.headline,
      subline: split.subline,
      textColor: colors.body,
      contrast: Math.min(plan.contrast, colors.contrast),
      contrastMeasured: false,
      treatment: plan.treatment,
      position: { requested: request.position, used: candidate.position, why },
      designer: this.id,
    };
  }
}

/**
 * The requested position when the analysis found room there; 'center' without room in the
 * middle (a supplied shot with the product there) takes the free room nearest the middle, so
 * the copy stays as central as the picture allows; otherwise the analysis' best. With no
 * candidates at all (a provider that found none), the top quarter of the safe zone.
 */
export function pickCandidate(candidates: TextBoxCandidate[], position: LayoutRequest['position'], safe: Box, width: number, height: number): { candidate: TextBoxCandidate; why: string } {
  const requested = position === 'auto' ? undefined : candidates.find((c) => c.position === position);
  if (requested) return { candidate: requested, why: `asked for (text_position=${position})` };
  const taken = position === 'auto' ? 'the calmest free room of the picture' : `no usable room at the ${position}: the product or a busy area is there`;
  if (position === 'center' && candidates.length > 0) {
    const offCentre = (c: TextBoxCandidate) => Math.abs(c.box.y + c.box.height / 2 - height / 2) + Math.abs(c.box.x + c.box.width / 2 - width / 2);
    const nearest = candidates.reduce((a, b) => (offCentre(b) < offCentre(a) ? b : a));
    return { candidate: nearest, why: `${taken}; the copy went to the free room nearest the middle` };
  }
  if (candidates.length > 0) return { candidate: candidates[0], why: position === 'auto' ? taken : `${taken}; the copy went to the calmest free room` };
  const box = { ...safe, height: Math.max(1, Math.round(Math.min(safe.height, height * 0.25))) };
  // Unknown background: assume mid-grey and busy, so the layout falls back to a panel.
  return {
    candidate: { box: clipBox(box, width, height), score: 0, position: 'top', meanColor: [128, 128, 128], meanLuminance: 0.22, edgeDensity: 0.3 },
    why: 'the analysis found no free room: the copy sits at the top on a panel',
  };
}

function clipBox(box: Box, width: number, height: number): Box {
  const x = Math.max(0, Math.min(width - 1, Math.round(box.x)));
  const y = Math.max(0, Math.min(height - 1, Math.round(box.y)));
  return { x, y, width: Math.max(1, Math.min(width - x, Math.round(box.width))), height: Math.max(1, Math.min(height - y, Math.round(box.height))) };
}

interface PlannedColors {
  body: Rgb;
  headline: Rgb;
  emphasis: EmphasisStyle;
  accent: Rgb;
  pillText: Rgb;
  dateColor: Rgb;
  /** Lowest contrast among the text parts (body, headline, emphasis, text on a pill). */
  contrast: number;
}

function chroma(c: Rgb): number {
  const { s, l } = rgbToHsl(c);
  return s * (1 - Math.abs(2 * l - 1));
}

/**
 * Body and headline colour from the plan (a kept `desired` colour goes on the headline, the body
 * takes the best ink on what the text now sits on). The accent comes from the prompt's colour
 * word, else the preset's rule, lightened or darkened (hue kept) until it reads at 4.5:1; if that
 * bleaches it (gold on red turning cream), the emphasis becomes a pill in the true accent
 * instead. A pill gets whichever ink reads best on it, and is adjusted until that pair passes.
 */
function planColors(preset: StylePreset, asked: Rgb | null, hue: Rgb | null, plan: TreatmentPlan, desired: Rgb | null, palette: LayoutRequest['analysis']['palette']): PlannedColors {
  const kept = desired !== null && plan.text.every((v, i) => v === desired[i]);
  const body = kept ? chooseTextColor(plan.effective, palette).color : plan.text;
  const headline = kept ? plan.text : body;
  let contrast = Math.min(worstContrast(body, plan.effective), worstContrast(headline, plan.effective));
  const rule = preset.accentRule;
  const base = asked ?? (rule.kind === 'fixed' ? rule.color : rule.kind === 'palette' ? hue : null) ?? body;
  let emphasis = preset.emphasis;
  let accent = base;
  if (emphasis === 'color') {
    accent = ensureContrast(base, plan.effective, AA_CONTRAST);
    const bleached = chroma(accent) < chroma(base) * 0.5 || Math.abs(rgbToHsl(accent).l - rgbToHsl(base).l) > 0.3;
    if (bleached && chroma(base) > 0.2) emphasis = 'pill';
    else contrast = Math.min(contrast, worstContrast(accent, plan.effective));
  }
  let pillText = body;
  let dateColor = accent;
  if (emphasis === 'pill') {
    dateColor = ensureContrast(base, plan.effective, AA_CONTRAST);
    contrast = Math.min(contrast, worstContrast(dateColor, plan.effective));
    pillText = contrastOf(NEAR_WHITE, base) >= contrastOf(NEAR_BLACK, base) ? NEAR_WHITE : NEAR_BLACK;
    const l = relativeLuminance(pillText);
    accent = ensureContrast(base, { mean: l, p10: l, p90: l }, AA_CONTRAST);
    contrast = Math.min(contrast, contrastOf(pillText, accent));
  }
  return { body, headline, emphasis, accent, pillText, dateColor, contrast };
}

/**
 * minPx keeps the smallest line legible; maxPx is the headline cap, lowered so the longest word
 * (Korean: the longest eojeol, kept whole by keep-all) still fits the box's width, so the fit
 * shrinks the type before a word would have to break. Where even minPx cannot hold the word,
 * break-word splits it there.
 */
function fontBounds(preset: StylePreset, headline: string, subline: string, box: Box, plan: TreatmentPlan, width: number, height: number): { minPx: number; maxPx: number } {
  const short = Math.min(width, height);
  const smallest = subline ? preset.subRatio : preset.headlineRatio;
  const minPx = Math.max(8, Math.round((short * MIN_TEXT_SHARE) / smallest));
  const caps = preset.textTransform === 'uppercase' ? 1.15 : 1;
  const padding = plan.treatment === 'panel' ? PANEL_PADDING_EM : 0;
  const wordEm = Math.max(
    longestWordEm(headline) * preset.headlineRatio * caps * (1 + Math.max(0, preset.headlineTracking)),
    longestWordEm(subline) * preset.subRatio * (1 + Math.max(0, preset.subTracking)),
  );
  const byWord = box.width / (wordEm + padding);
  const maxPx = Math.max(minPx + 1, Math.round(Math.min(short * preset.maxShare, byWord)));
  return { minPx, maxPx };
}

