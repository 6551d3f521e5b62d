import { contrastOf } from '../vision/text-color';
import { hexOf, hslToRgb, rgbOf, rgbToHsl } from '../vision/color-math';
import { vividPaletteColor } from '../ad/layout/style-presets';
import type { Rgb } from '../vision/image.types';

/** A site's colours, as #rrggbb. Buttons are white on `accent`; cards are white on `surface`. */
export interface SiteTheme {
  accent: string;
  surface: string;
  ink: string;
  muted: string;
}

/** Design presets; every one passes themeProblems. */
export const PRESETS: Record<string, SiteTheme> = {
  warm: { accent: '#8c3f14', surface: '#fdf8f2', ink: '#2b1d12', muted: '#5e4a3b' },
  fresh: { accent: '#1d6b44', surface: '#f5fbf7', ink: '#14241b', muted: '#45574b' },
  modern: { accent: '#1f3a93', surface: '#f7f8fb', ink: '#14161c', muted: '#4a5060' },
  classic: { accent: '#7a1f2b', surface: '#fbf8f3', ink: '#221a17', muted: '#574c45' },
};

const WHITE: Rgb = [255, 255, 255];

/** The preset a request's words and the business type pick. */
export function themeOf(style: string | undefined, businessType: string): { name: string; theme: SiteTheme } {
  const words = (style ?? '').toLowerCase();
  const named = Object.keys(PRESETS).find((k) => words.includes(k));
  const byWords: Array<[RegExp, string]> = [
    [/따뜻|포근|빈티지|warm|cozy/, 'warm'],
    [/싱그|자연|초록|fresh|green|natural/, 'fresh'],
    [/모던|깔끔|심플|modern|minimal|clean/, 'modern'],
    [/클래식|고급|전통|classic|elegant/, 'classic'],
  ];
  const name = named ?? byWords.find(([re]) => re.test(words))?.[1] ?? ({ Bakery: 'warm', CafeOrCoffeeShop: 'warm', Florist: 'fresh' } as Record<string, string>)[businessType] ?? 'modern';
  return { name, theme: PRESETS[name] };
}

/**
 * What would make a theme unreadable (WCAG AA, 4.5:1, for every pairing the page uses): white
 * button text on the accent, accent prices and links on the surface and on white cards, body
 * text and muted text on both. Empty when it is fine.
 */
export function themeProblems(theme: SiteTheme): string[] {
  const c = { accent: rgbOf(theme.accent), surface: rgbOf(theme.surface), ink: rgbOf(theme.ink), muted: rgbOf(theme.muted) };
  const bad = Object.entries(c).filter(([, v]) => !v).map(([k]) => `${k} must be a colour as #rrggbb`);
  if (bad.length) return bad;
  const pairs: Array<[string, Rgb, Rgb]> = [
    ['white button text on accent', WHITE, c.accent!],
    ['accent on surface', c.accent!, c.surface!],
    ['accent on white cards', c.accent!, WHITE],
    ['ink on surface', c.ink!, c.surface!],
    ['muted on surface', c.muted!, c.surface!],
    ['muted on white cards', c.muted!, WHITE],
  ];
  const problems = pairs.filter(([, fg, bg]) => contrastOf(fg, bg) < 4.5).map(([what, fg, bg]) => `${what} reads at ${contrastOf(fg, bg).toFixed(2)}:1, below 4.5:1`);
  // The page's hairlines and shadows are dark on light: a dark surface would hide them.
  if (contrastOf(c.surface!, WHITE) > 1.15) problems.push('surface must be a light tint (within 1.15:1 of white)');
  return problems;
}

/**
 * The theme of the shop's own ads: the most vivid colour of their palettes as the accent,
 * darkened until white text reads on it, with surface, ink and muted tints of its hue. Null
 * when the ads have no vivid colour (the preset stays).
 */
export function paletteTheme(palette: Array<{ color: Rgb; share: number }>): SiteTheme | null {
  const vivid = vividPaletteColor(palette);
  if (!vivid) return null;
  const { h, s } = rgbToHsl(vivid);
  let l = Math.min(rgbToHsl(vivid).l, 0.45);
  const sat = Math.min(Math.max(s, 0.45), 0.85);
  let accent = hslToRgb({ h, s: sat, l });
  const surface = hslToRgb({ h, s: Math.min(sat, 0.5), l: 0.975 });
  // 5:1 rather than 4.5:1 against white, so the accent also reads on the tinted surface.
  while (contrastOf(WHITE, accent) < 5 && l > 0.05) accent = hslToRgb({ h, s: sat, l: (l -= 0.02) });
  const theme = { accent: hexOf(accent), surface: hexOf(surface), ink: hexOf(hslToRgb({ h, s: 0.3, l: 0.12 })), muted: hexOf(hslToRgb({ h, s: 0.15, l: 0.32 })) };
  return themeProblems(theme).length ? null : theme;
}
