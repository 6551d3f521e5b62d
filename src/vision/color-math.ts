import type { Rgb } from './image.types';

/** Hue in degrees [0, 360), saturation and lightness in [0, 1]. */
export interface Hsl {
  h: number;
  s: number;
  l: number;
}

export function clamp(value: number, lo: number, hi: number): number {
  return value < lo ? lo : value > hi ? hi : value;
}

export function clampRgb(c: readonly number[]): Rgb {
  return [
    Math.round(clamp(c[0], 0, 255)),
    Math.round(clamp(c[1], 0, 255)),
    Math.round(clamp(c[2], 0, 255)),
  ];
}

/** #rrggbb of 8-bit channels. */
export function hexOf(c: readonly number[]): string {
  return `#${c.map((v) => v.toString(16).padStart(2, '0')).join('')}`;
}

/** The channels of #rrggbb, or null when it is not one. */
export function rgbOf(hex: string): Rgb | null {
  const m = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(hex.trim());
  return m ? [parseInt(m[1], 16), parseInt(m[2], 16), parseInt(m[3], 16)] : null;
}

export function mixRgb(a: Rgb, b: Rgb, t: number): Rgb {
  return clampRgb([a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t, a[2] + (b[2] - a[2]) * t]);
}

export function rgbToHsl([r8, g8, b8]: Rgb): Hsl {
  const r = r8 / 255;
  const g = g8 / 255;
  const b = b8 / 255;
  const max = Math.max(r, g, b);
  const min = Math.min(r, g, b);
  const l = (max + min) / 2;
  const d = max - min;
  if (d === 0) return { h: 0, s: 0, l };
  const s = d / (1 - Math.abs(2 * l - 1));
  let h: number;
  if (max === r) h = ((g - b) / d + 6) % 6;
  else if (max === g) h = (b - r) / d + 2;
  else h = (r - g) / d + 4;
  return { h: h * 60, s: clamp(s, 0, 1), l };
}

export function hslToRgb({ h, s, l }: Hsl): Rgb {
  const hue = ((h % 360) + 360) % 360;
  const c = (1 - Math.abs(2 * l - 1)) * s;
  const x = c * (1 - Math.abs(((hue / 60) % 2) - 1));
  const m = l - c / 2;
  const sector = Math.floor(hue / 60);
  const [r, g, b] = [
    [c, x, 0],
    [x, c, 0],
    [0, c, x],
    [0, x, c],
    [x, 0, c],
    [c, 0, x],
  ][sector % 6];
  return clampRgb([(r + m) * 255, (g + m) * 255, (b + m) * 255]);
}

/** sRGB 8-bit → linear light [0, 1] (IEC 61966-2-1 transfer curve). */
export function srgbToLinear(v8: number): number {
  const v = v8 / 255;
  return v <= 0.04045 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4);
}

/** WCAG relative luminance, 0 (black) .. 1 (white). */
export function relativeLuminance(c: Rgb): number {
  return 0.2126 * srgbToLinear(c[0]) + 0.7152 * srgbToLinear(c[1]) + 0.0722 * srgbToLinear(c[2]);
}

/** Shortest signed angle from `from` to `to`, in degrees (-180, 180]. */
export function hueDelta(from: number, to: number): number {
  const d = (((to - from) % 360) + 540) % 360 - 180;
  return d === -180 ? 180 : d;
}

/**
 * Moves `color`'s lightness until its luminance differs from `against` by at least `minDelta`,
 * keeping the hue, so a requested colour stays that colour. 'auto' goes the way the colour
 * already leans; 'lighter' goes up whenever there is room (a saturated colour darkened toward
 * black turns muddy, lightened it stays vivid).
 */
export function ensureLuminanceGap(color: Rgb, against: number, minDelta: number, prefer: 'auto' | 'lighter' = 'auto'): Rgb {
  const lum = relativeLuminance(color);
  if (Math.abs(lum - against) >= minDelta) return color;
  const hsl = rgbToHsl(color);
  const roomUp = against + minDelta <= 0.9;
  const roomDown = against - minDelta >= 0.04;
  const goUp = roomUp && (prefer === 'lighter' || lum >= against || !roomDown);
  let best = color;
  for (let step = 1; step <= 45; step++) {
    const l = clamp(hsl.l + (goUp ? 1 : -1) * step * 0.02, 0.04, 0.97);
    best = hslToRgb({ ...hsl, l });
    if (Math.abs(relativeLuminance(best) - against) >= minDelta) break;
  }
  return best;
}
