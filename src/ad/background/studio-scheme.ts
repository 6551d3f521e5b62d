import type { Rgb } from '../../vision/image.types';
import { colorName } from './color-words';
import type { FloorMaterial, PromptStyle } from './color-words';
import { clamp, ensureLuminanceGap, hslToRgb, hueDelta, mixRgb, relativeLuminance, rgbToHsl } from '../../vision/color-math';
import { between, type Rng } from './procedural-noise';

/** The colours and lights of one studio set-up, in sRGB. */
export interface StudioScheme {
  /** Wall colour where the key light hits it (the brightest wall tone). */
  wall: Rgb;
  /** Floor colour under the light (material floors: the material's own tone). */
  floor: Rgb;
  /** Colour of the light pool; it tints (multiplies) the wall and floor around the product. */
  light: Rgb;
  /** 0..1: how strongly the light colour filters the surfaces at the pool's centre. */
  lightTint: number;
  material: FloorMaterial | null;
  /** 0..1: how dark the corners get. */
  vignette: number;
  source: 'prompt' | 'palette' | 'default';
  description: string;
}

const NEUTRAL_WARM: Rgb = [224, 216, 206];
const WARM_WHITE: Rgb = [255, 242, 224];
const COOL_WHITE: Rgb = [232, 242, 255];

const MATERIAL_TONE: Record<FloorMaterial, Rgb> = {
  wood: [156, 108, 70],
  marble: [236, 233, 228],
  concrete: [152, 150, 146],
  fabric: [220, 212, 200],
  paper: [232, 228, 222],
};

/** Luminance of the product as seen at a glance: mostly its dominant colour. */
export function productLuminance(palette: readonly Rgb[]): number | null {
  if (palette.length === 0) return null;
  const weights = [0.6, 0.25, 0.15];
  let sum = 0;
  let total = 0;
  palette.slice(0, 3).forEach((c, i) => {
    sum += relativeLuminance(c) * weights[i];
    total += weights[i];
  });
  return sum / total;
}

/**
 * No colour words: a quiet tone that flatters the product. Analogous (hue ±20-35°) most of the
 * time, complementary sometimes, always desaturated, and light unless the product itself is
 * light (the luminance gap is enforced by the caller).
 */
function fromPalette(palette: readonly Rgb[], rng: Rng): Rgb {
  const d = rgbToHsl(palette[0]);
  const complementary = rng() < 0.35;
  if (d.s < 0.12 || d.l < 0.08 || d.l > 0.94) {
    return hslToRgb({ h: between(rng, 24, 44), s: between(rng, 0.1, 0.18), l: 0.8 });
  }
  const offset = complementary ? 180 : (rng() < 0.5 ? -1 : 1) * between(rng, 20, 35);
  return hslToRgb({ h: d.h + offset, s: clamp(d.s * 0.35, 0.1, 0.3), l: 0.8 });
}

/** Mood words nudge hue toward amber (warm) or blue (cool), lightness and saturation. */
function applyMood(color: Rgb, mood: PromptStyle['mood'], requested: boolean): Rgb {
  const hsl = rgbToHsl(color);
  // A colour the prompt names explicitly only leans a little: "warm red" must stay red.
  const lean = requested ? 0.12 : 0.3;
  if (mood.warmth !== 0) {
    const target = mood.warmth > 0 ? 32 : 212;
    if (hsl.s < 0.1) {
      hsl.h = target;
      hsl.s += 0.14 * Math.abs(mood.warmth);
    } else {
      hsl.h += hueDelta(hsl.h, target) * lean * Math.abs(mood.warmth);
    }
  }
  hsl.l = clamp(hsl.l + 0.4 * mood.brightness, 0.07, 0.93);
  hsl.s = clamp(hsl.s * (1 + 0.6 * mood.saturation), 0, 1);
  return hslToRgb(hsl);
}

function shiftHue(color: Rgb, degrees: number): Rgb {
  const hsl = rgbToHsl(color);
  return hslToRgb({ ...hsl, h: hsl.h + degrees });
}

function floorFor(style: PromptStyle, wall: Rgb, second: Rgb | undefined): Rgb {
  const { material, mood } = style;
  if (material === 'wood') {
    const tone = MATERIAL_TONE.wood;
    return mood.brightness < -0.2 ? mixRgb(tone, [70, 44, 28], 0.5) : mood.brightness > 0.2 ? mixRgb(tone, [214, 180, 138], 0.5) : tone;
  }
  if (material === 'marble' || material === 'concrete') return mixRgb(MATERIAL_TONE[material], wall, 0.08);
  if (material === 'fabric') return mixRgb(wall, [245, 240, 232], 0.2);
  // A second colour mostly tints the light (see chooseScheme); the floor only leans toward it.
  if (second) return mixRgb(wall, second, 0.12);
  return wall;
}

function lightness(color: Rgb): string {
  const { l } = rgbToHsl(color);
  return l < 0.3 ? 'deep ' : l > 0.78 ? 'light ' : '';
}

export function describeScheme(s: StudioScheme, accent: Rgb | undefined): string {
  const floor = s.material ? `${s.material} floor` : 'seamless floor';
  const light = accent ? `${colorName(accent)}-tinted light pool` : 'soft key-light pool';
  return `${lightness(s.wall)}${colorName(s.wall)} sweep, ${floor}, ${light}, soft vignette`;
}

/** Two saturated colours of nearly one hue: a product that would melt into a backdrop of that colour. */
export function sameColour(a: Rgb, b: Rgb): boolean {
  const x = rgbToHsl(a);
  const y = rgbToHsl(b);
  return x.s > 0.25 && y.s > 0.25 && Math.abs(hueDelta(x.h, y.h)) < 25;
}

/**
 * Picks the set: prompt colours win (first = wall, second tints floor and light), else the
 * product palette, else warm neutral grey. The wall is then moved in lightness, keeping its
 * hue, until its luminance stands apart from the product's.
 */
export function chooseScheme(style: PromptStyle, palette: readonly Rgb[], rng: Rng): StudioScheme {
  const productLum = productLuminance(palette);
  const [first, second] = style.colors;
  const source: StudioScheme['source'] = first ? 'prompt' : palette.length ? 'palette' : 'default';
  let wall = first ?? (palette.length ? fromPalette(palette, rng) : NEUTRAL_WARM);
  // Seeds vary the set a little, like re-gelling a light: a few degrees of hue (fewer for a
  // colour the prompt asked for, so red never drifts into crimson).
  const drift = first ? 2.5 : 6;
  wall = applyMood(shiftHue(wall, between(rng, -drift, drift)), style.mood, first !== undefined);
  let floor = floorFor(style, wall, second);
  // "빨간 배경" for a red product: the asked hue stays, but its shade must part from the product's.
  const clash = first !== undefined && palette.length > 0 && sameColour(first, palette[0]);
  if (productLum !== null) {
    // Requested colours keep more of their lightness; derived ones, and a requested colour the
    // product wears itself, must clearly separate.
    const asked = first !== undefined && !clash;
    const prefer = asked ? 'lighter' : 'auto';
    wall = ensureLuminanceGap(wall, productLum, asked ? 0.08 : clash ? 0.32 : 0.25, prefer);
    if (!style.material) floor = ensureLuminanceGap(floor, productLum, asked ? 0.06 : 0.2, prefer);
  }
  const accent = style.accents[0] ?? second;
  const light = accent ? mixRgb(accent, [255, 250, 240], 0.3) : style.mood.warmth < 0 ? COOL_WHITE : WARM_WHITE;
  const scheme: StudioScheme = {
    wall,
    floor,
    light,
    lightTint: accent ? between(rng, 0.35, 0.5) : between(rng, 0.15, 0.3),
    material: style.material,
    vignette: between(rng, 0.28, 0.42),
    source,
    description: '',
  };
  scheme.description = describeScheme(scheme, accent);
  return scheme;
}
