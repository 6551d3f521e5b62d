import { clamp, hslToRgb, relativeLuminance, rgbToHsl } from './color-math';
import type { Rgb } from './image.types';

/**
 * WCAG 2.x contrast ratio of two relative luminances: (L1 + 0.05) / (L2 + 0.05), lighter over
 * darker, from 1 to 21. WCAG 2.2 SC 1.4.3 asks 4.5:1 for body text and 3:1 for large text
 * (>= 18pt, or 14pt bold); ad copy is read at a glance on a phone, so we hold all of it to 4.5.
 */
export function wcagContrast(l1: number, l2: number): number {
  const hi = Math.max(l1, l2);
  const lo = Math.min(l1, l2);
  return (hi + 0.05) / (lo + 0.05);
}

export function contrastOf(a: Rgb, b: Rgb): number {
  return wcagContrast(relativeLuminance(a), relativeLuminance(b));
}

export const AA_CONTRAST = 4.5;

/** Where text must read: mean and the darkest / brightest tenth of the area's pixels. */
export interface BackgroundLuminance {
  mean: number;
  p10: number;
  p90: number;
}

/**
 * Contrast against the worst part of the area: light text is hurt by the brightest pixels (p90),
 * dark text by the darkest (p10); text in between is hurt by whichever is closer.
 */
export function worstContrast(text: Rgb, bg: BackgroundLuminance): number {
  const l = relativeLuminance(text);
  return Math.min(wcagContrast(l, bg.p10), wcagContrast(l, bg.p90), wcagContrast(l, bg.mean));
}

/** The neutral grey with relative luminance `l` (the inverse sRGB transfer curve). */
export function greyOfLuminance(l: number): Rgb {
  const v = l <= 0.0031308 ? l * 12.92 : 1.055 * Math.pow(l, 1 / 2.4) - 0.055;
  const g = Math.round(clamp(v, 0, 1) * 255);
  return [g, g, g];
}

/** `top` at opacity `alpha` over `bottom`, blended on the 8-bit sRGB values as browsers do. */
export function blendOver(top: Rgb, alpha: number, bottom: Rgb): Rgb {
  return [0, 1, 2].map((c) => Math.round(top[c] * alpha + bottom[c] * (1 - alpha))) as Rgb;
}

/**
 * Contrast of `text` when a layer `layer` at `alpha` (a panel, or a dense halo) sits between it
 * and every part of the area: the area's p10 and p90 extremes are blended under the layer.
 */
export function contrastOverLayer(text: Rgb, layer: Rgb, alpha: number, bg: BackgroundLuminance): number {
  const l = relativeLuminance(text);
  return Math.min(
    ...[bg.p10, bg.mean, bg.p90].map((bgL) => wcagContrast(l, relativeLuminance(blendOver(layer, alpha, greyOfLuminance(bgL))))),
  );
}

export const NEAR_WHITE: Rgb = [255, 255, 255];
/** Not pure black: #000 on a photograph looks punched out; a soft ink still gives >= 15:1 on white. */
export const NEAR_BLACK: Rgb = [22, 22, 26];

/**
 * Harmonious tints of the image's own colours: the hue of each saturated palette colour at an
 * ink-dark and a paper-light lightness, with saturation kept modest so they read as tinted
 * neutrals (deep espresso brown, navy), not as loud colour.
 */
export function paletteTints(palette: Array<{ color: Rgb; share: number }>): Rgb[] {
  const tints: Rgb[] = [];
  for (const { color, share } of palette.slice(0, 4)) {
    const hsl = rgbToHsl(color);
    if (hsl.s < 0.15 || share < 0.04) continue;
    tints.push(hslToRgb({ h: hsl.h, s: Math.min(hsl.s, 0.5), l: 0.16 }));
    tints.push(hslToRgb({ h: hsl.h, s: Math.min(hsl.s, 0.4), l: 0.95 }));
  }
  return tints;
}

export interface TextColorChoice {
  color: Rgb;
  /** Worst-case WCAG contrast over the area (see worstContrast). */
  contrast: number;
  kind: 'light' | 'dark' | 'tint';
}

/**
 * Text colour for an area: near-white or near-black, whichever reads better against the worst
 * part of the area; a palette tint replaces it when the tint itself passes AA and keeps at least
 * 80% of the neutral's contrast, since a tinted ink ties the copy to the picture.
 */
export function chooseTextColor(bg: BackgroundLuminance, palette: Array<{ color: Rgb; share: number }>): TextColorChoice {
  const light = { color: NEAR_WHITE, contrast: worstContrast(NEAR_WHITE, bg), kind: 'light' as const };
  const dark = { color: NEAR_BLACK, contrast: worstContrast(NEAR_BLACK, bg), kind: 'dark' as const };
  const neutral = light.contrast >= dark.contrast ? light : dark;
  let tint: TextColorChoice | null = null;
  for (const color of paletteTints(palette)) {
    const contrast = worstContrast(color, bg);
    if (!tint || contrast > tint.contrast) tint = { color, contrast, kind: 'tint' };
  }
  if (tint && tint.contrast >= AA_CONTRAST && tint.contrast >= neutral.contrast * 0.8) return tint;
  return neutral;
}

/**
 * Moves a colour's lightness (keeping its hue) until it reaches `min` contrast over the area,
 * toward white or black, whichever gets there; used for accents (price in gold) that must still
 * read. Returns the colour unchanged when it already passes.
 */
export function ensureContrast(color: Rgb, bg: BackgroundLuminance, min: number): Rgb {
  if (worstContrast(color, bg) >= min) return color;
  const hsl = rgbToHsl(color);
  let best = color;
  let bestContrast = worstContrast(color, bg);
  for (const direction of [1, -1]) {
    for (let step = 1; step <= 50; step++) {
      const candidate = hslToRgb({ ...hsl, l: clamp(hsl.l + direction * step * 0.02, 0, 1) });
      const c = worstContrast(candidate, bg);
      if (c >= min) {
        // Prefer the smaller lightness change that passes.
        if (bestContrast < min || Math.abs(rgbToHsl(candidate).l - hsl.l) < Math.abs(rgbToHsl(best).l - hsl.l)) {
          best = candidate;
          bestContrast = c;
        }
        break;
      }
      if (bestContrast < min && c > bestContrast) {
        best = candidate;
        bestContrast = c;
      }
    }
  }
  return best;
}
