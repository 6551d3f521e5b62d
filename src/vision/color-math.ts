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
  return { h: hueOf(r, g, b, max, d), s: clamp(d / (1 - Math.abs(2 * l - 1)), 0, 1), l };
}

export function hslToRgb({ h, s, l }: Hsl): Rgb {
  const c = (1 - Math.abs(2 * l - 1)) * s;
  return fromChroma(h, c, l - c / 2);
}

/** Hue in degrees of channels in [0, 1], given their max and (non-zero) spread. */
function hueOf(r: number, g: number, b: number, max: number, d: number): number {
  const h = max === r ? ((g - b) / d + 6) % 6 : max === g ? (b - r) / d + 2 : (r - g) / d + 4;
  return h * 60;
}

/** HSL and HSV share this last step: a hue's chroma `c` over a grey floor `m` (channels in [0, 1]). */
function fromChroma(h: number, c: number, m: number): Rgb {
  const hue = (((h % 360) + 360) % 360) / 60;
  const x = c * (1 - Math.abs((hue % 2) - 1));
  const [r, g, b] = [
    [c, x, 0],
    [x, c, 0],
    [0, c, x],
    [0, x, c],
    [x, 0, c],
    [c, 0, x],
  ][Math.floor(hue) % 6];
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
 * keeping the hue: the way the colour already leans, or the other way when there is no room.
 */
export function ensureLuminanceGap(color: Rgb, against: number, minDelta: number): Rgb {
  const lum = relativeLuminance(color);
  if (Math.abs(lum - against) >= minDelta) return color;
  const hsl = rgbToHsl(color);
  const roomUp = against + minDelta <= 0.9;
  const roomDown = against - minDelta >= 0.04;
  const goUp = roomUp && (lum >= against || !roomDown);
  let best = color;
  for (let step = 1; step <= 45; step++) {
    const l = clamp(hsl.l + (goUp ? 1 : -1) * step * 0.02, 0.04, 0.97);
    best = hslToRgb({ ...hsl, l });
    if (Math.abs(relativeLuminance(best) - against) >= minDelta) break;
  }
  return best;
}

/** Hue in degrees [0, 360); saturation and value in [0, 1], as a designer's colour picker shows them. */
export interface Hsv {
  h: number;
  s: number;
  v: number;
}

/**
 * HSV rather than HSL where a colour must stay vivid: darkening in HSV keeps its saturation (a
 * deep red stays red), and "saturation >= 0.6" is how a colour picker, and the issue, reads vivid.
 */
export function toHsv([r8, g8, b8]: readonly number[]): Hsv {
  const r = r8 / 255;
  const g = g8 / 255;
  const b = b8 / 255;
  const max = Math.max(r, g, b);
  const d = max - Math.min(r, g, b);
  return d === 0 ? { h: 0, s: 0, v: max } : { h: hueOf(r, g, b, max, d), s: d / max, v: max };
}

export function fromHsv({ h, s, v }: Hsv): Rgb {
  return fromChroma(h, v * s, v - v * s);
}

/** CIE L*a*b* (D65) of an 8-bit sRGB colour: distances here are differences the eye sees. */
export function rgbToLab(c: readonly number[]): [number, number, number] {
  const [r, g, b] = [srgbToLinear(c[0]), srgbToLinear(c[1]), srgbToLinear(c[2])];
  const x = (0.4124 * r + 0.3576 * g + 0.1805 * b) / 0.95047;
  const y = 0.2126 * r + 0.7152 * g + 0.0722 * b;
  const z = (0.0193 * r + 0.1192 * g + 0.9505 * b) / 1.08883;
  const f = (t: number) => (t > 216 / 24389 ? Math.cbrt(t) : (24389 / 27 * t + 16) / 116);
  const [fx, fy, fz] = [f(x), f(y), f(z)];
  return [116 * fy - 16, 500 * (fx - fy), 200 * (fy - fz)];
}

/** CIE76 colour difference: about 2.3 is just noticeable, above 10 clearly another colour. */
export function deltaE(a: readonly number[], b: readonly number[]): number {
  const p = rgbToLab(a);
  const q = rgbToLab(b);
  return Math.hypot(p[0] - q[0], p[1] - q[1], p[2] - q[2]);
}
