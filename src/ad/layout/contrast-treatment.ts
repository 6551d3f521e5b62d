import { hslToRgb, relativeLuminance, rgbToHsl } from '../../vision/color-math';
import type { Rgb } from '../../vision/image.types';
import type { TextBoxCandidate } from '../analysis/analysis.types';
import {
  AA_CONTRAST,
  type BackgroundLuminance,
  blendOver,
  chooseTextColor,
  contrastOverLayer,
  greyOfLuminance,
  NEAR_BLACK,
  NEAR_WHITE,
  worstContrast,
} from '../../vision/text-color';
import type { Treatment } from './style-presets';

export interface TreatmentPlan {
  treatment: 'none' | Treatment;
  text: Rgb;
  /** Halo / outline / panel colour and its opacity; null for 'none'. */
  layer: { color: Rgb; alpha: number } | null;
  /** True for a drop shadow the prompt asked for, where the colour alone already reads. */
  decorative: boolean;
  /** WCAG contrast of the text against its local background after the treatment. */
  contrast: number;
  /** What the text now sits on, for checking accent colours against it. */
  effective: BackgroundLuminance;
}

/**
 * The area's luminance spread: measured percentiles when the analyzer gave them, else a
 * conservative guess from the mean widened by the edge share (a busy area spans more).
 */
export function backgroundOf(candidate: TextBoxCandidate): BackgroundLuminance {
  const mean = candidate.meanLuminance;
  if (candidate.luminanceP10 !== undefined && candidate.luminanceP90 !== undefined) {
    return { mean, p10: Math.min(mean, candidate.luminanceP10), p90: Math.max(mean, candidate.luminanceP90) };
  }
  const spread = 0.05 + candidate.edgeDensity * 0.6;
  return { mean, p10: Math.max(0, mean - spread), p90: Math.min(1, mean + spread) };
}

/** Edge share above which only a panel makes text readable: a halo cannot hide texture. */
const BUSY_EDGES = 0.18;
/** Edge share of a visible texture (wood grain, marble veins): a light halo lifts text off it. */
const TEXTURED_EDGES = 0.06;
/** Halos denser than this look like a smudge behind the words, not a glow. */
const MAX_HALO_ALPHA = 0.75;
const PANEL_ALPHAS = [0.55, 0.65, 0.75, 0.85, 0.92, 1];
const HALO_ALPHAS = [0.3, 0.4, 0.5, 0.6, 0.7, MAX_HALO_ALPHA];

/** A dark or light layer colour in the picture's own hue (a deep espresso panel, not grey). */
function layerColor(dark: boolean, hueSource: Rgb | null): Rgb {
  if (!hueSource) return dark ? [14, 14, 16] : [250, 250, 248];
  const { h, s } = rgbToHsl(hueSource);
  return dark ? hslToRgb({ h, s: Math.min(s, 0.35), l: 0.08 }) : hslToRgb({ h, s: Math.min(s, 0.3), l: 0.97 });
}

/** Luminance spread of the area once a layer at `alpha` lies over it. */
function under(layer: Rgb, alpha: number, bg: BackgroundLuminance): BackgroundLuminance {
  const l = (v: number) => relativeLuminance(blendOver(layer, alpha, greyOfLuminance(v)));
  return { mean: l(bg.mean), p10: l(bg.p10), p90: l(bg.p90) };
}

export interface TreatmentInput {
  candidate: TextBoxCandidate;
  palette: Array<{ color: Rgb; share: number }>;
  order: Treatment[];
  requested: Treatment | null;
  textPreference: 'light' | 'dark' | null;
  /** Hue for tinted panels and halos (the picture's vivid colour), or null for neutral. */
  hue: Rgb | null;
  /**
   * A colour the text should keep if any treatment makes it read (gold headline of a bold
   * poster): halos and panels are sized for it before the layout gives up and changes colour.
   */
  desired?: Rgb | null;
  /**
   * Contrast to plan for (default AA_CONTRAST). Raised when the rendered glyphs measured lower
   * than planned: the blend model does not know the rim's real width on thin strokes.
   */
  target?: number;
}

/**
 * Text colour first (WCAG 2.x SC 1.4.3, 4.5:1 against the worst tenth of the area); where no
 * colour reaches it (a mid-tone gradient, a busy texture) the preset's treatments are tried in
 * order: a halo (text-shadow) or outline with a halo for calm-but-mid areas, a rounded backing
 * panel for anything, with the lowest opacity that reaches 4.5:1. Contrast under a layer is taken
 * against the layer blended over the area's p10, mean and p90 (see contrastOverLayer). A busy
 * area whose colours would pass still gets a halo: contrast ratios do not measure clutter, and
 * texture running through the strokes is what makes busy backgrounds hard to read.
 */
export function planTreatment(input: TreatmentInput): TreatmentPlan {
  const bg = backgroundOf(input.candidate);
  const plain = chooseTextColor(bg, input.palette);
  const neutral = input.textPreference === 'light' ? NEAR_WHITE : input.textPreference === 'dark' ? NEAR_BLACK : plain.color;
  const preferred = input.desired ?? neutral;
  const preferredContrast = worstContrast(preferred, bg);
  const target = targetOf(input);
  const wanted = input.requested;
  const busy = input.candidate.edgeDensity > BUSY_EDGES || bg.p90 - bg.p10 > 0.45;
  if (preferredContrast >= target && wanted !== 'panel' && wanted !== 'outline') {
    if (busy || input.candidate.edgeDensity > TEXTURED_EDGES) {
      const halo = haloPlan('shadow', [preferred], input, bg, busy ? 0.5 : 0.3);
      if (halo) return halo;
    }
    if (wanted === 'shadow') return decorativeShadow(preferred, bg, input.hue);
    return { treatment: 'none', text: preferred, layer: null, decorative: false, contrast: preferredContrast, effective: bg };
  }
  const texts = input.desired ? [input.desired] : input.textPreference ? [neutral] : bg.mean < 0.3 ? [NEAR_WHITE, NEAR_BLACK] : [NEAR_BLACK, NEAR_WHITE];
  const order: Treatment[] = wanted ? [wanted, ...input.order.filter((t) => t !== wanted)] : busy ? ['panel'] : input.order;
  for (const treatment of order) {
    const plan = treatment === 'panel' ? panelPlan(texts[0], input, bg, input.desired ? 0.92 : 1) : haloPlan(treatment, texts, input, bg);
    if (plan) return plan;
  }
  // The desired colour could not be made to read: plan for a neutral ink instead.
  if (input.desired) return planTreatment({ ...input, desired: null });
  return panelPlan(texts[0], input, bg, 1) ?? { treatment: 'none', text: plain.color, layer: null, decorative: false, contrast: plain.contrast, effective: bg };
}

const targetOf = (input: TreatmentInput) => input.target ?? AA_CONTRAST;

/** A soft drop shadow the prompt asked for; contrast is already met without it. */
function decorativeShadow(text: Rgb, bg: BackgroundLuminance, hue: Rgb | null): TreatmentPlan {
  const dark = relativeLuminance(text) > 0.4;
  return { treatment: 'shadow', text, layer: { color: layerColor(dark, hue), alpha: 0.45 }, decorative: true, contrast: worstContrast(text, bg), effective: bg };
}

/** A layer darker than the text for light text, lighter for dark text. */
function layerFor(text: Rgb, hue: Rgb | null): Rgb {
  return layerColor(relativeLuminance(text) > 0.18, hue);
}

/** The lightest halo (or outline with halo) that brings `text` to 4.5:1; at least `minAlpha`. */
function haloPlan(treatment: 'shadow' | 'outline', texts: Rgb[], input: TreatmentInput, bg: BackgroundLuminance, minAlpha = 0): TreatmentPlan | null {
  for (const text of texts) {
    const color = layerFor(text, input.hue);
    for (const alpha of HALO_ALPHAS) {
      if (alpha < minAlpha) continue;
      const contrast = contrastOverLayer(text, color, alpha, bg);
      if (contrast >= targetOf(input)) return { treatment, text, layer: { color, alpha }, decorative: false, contrast, effective: under(color, alpha, bg) };
    }
  }
  return null;
}

/**
 * Light text gets a dark panel, dark text a light one (a quiet label on light areas); opacity
 * is the lowest that reaches 4.5:1, so the picture still shows through. At `maxAlpha` 1 the
 * panel is opaque and always passes (its colour sits at ink or paper lightness).
 */
function panelPlan(text: Rgb, input: TreatmentInput, bg: BackgroundLuminance, maxAlpha: number): TreatmentPlan | null {
  const color = layerFor(text, input.hue);
  for (const alpha of PANEL_ALPHAS) {
    if (alpha > maxAlpha) break;
    const contrast = contrastOverLayer(text, color, alpha, bg);
    if (contrast >= targetOf(input) || alpha === 1) return { treatment: 'panel', text, layer: { color, alpha }, decorative: false, contrast, effective: under(color, alpha, bg) };
  }
  return null;
}
