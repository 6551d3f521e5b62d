import type { Rgb } from '../../vision/image.types';
import { colorName } from './color-words';
import type { FloorMaterial, PromptStyle } from './color-words';
import { clamp, ensureLuminanceGap, fromHsv, hexOf, hslToRgb, hueDelta, mixRgb, relativeLuminance, rgbToHsl, toHsv } from '../../vision/color-math';
import type { CameraView } from '../analysis/camera-view';
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
  /** Metal reads as a highlight gradient: a bright sheen where the light falls, deep tones off it. */
  wallMetallic: boolean;
  floorMetallic: boolean;
  /** A flat lay's second colour: a disc under the product (a charger plate, a paper round). */
  plate: { color: Rgb; metallic: boolean } | null;
  source: 'prompt' | 'palette' | 'default';
  description: string;
  /** Which colours the prompt asked for and what each became: the job's result reports it. */
  colors: ColorUse;
}

export interface ColorUse {
  read: Array<{ word: string; name: string; hex: string; metallic: boolean }>;
  /** One line per colour used: "red: the backdrop (#96181a)", "gold: a metallic floor". */
  used: string[];
  /** How a product that wears the asked colour was kept apart from it, when it does. */
  separation: string | null;
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
  // An asked colour keeps most of its lightness too: "luxury silver" is still silver, not slate.
  hsl.l = clamp(hsl.l + (requested ? 0.2 : 0.4) * mood.brightness, 0.07, 0.93);
  hsl.s = clamp(hsl.s * (1 + 0.6 * mood.saturation), 0, 1);
  return hslToRgb(hsl);
}

function shiftHue(color: Rgb, degrees: number): Rgb {
  const hsl = rgbToHsl(color);
  return hslToRgb({ ...hsl, h: hsl.h + degrees });
}

function floorFor(style: PromptStyle, wall: Rgb): Rgb {
  const { material, mood } = style;
  if (material === 'wood') {
    const tone = MATERIAL_TONE.wood;
    return mood.brightness < -0.2 ? mixRgb(tone, [70, 44, 28], 0.5) : mood.brightness > 0.2 ? mixRgb(tone, [214, 180, 138], 0.5) : tone;
  }
  if (material === 'marble' || material === 'concrete') return mixRgb(MATERIAL_TONE[material], wall, 0.08);
  if (material === 'fabric') return mixRgb(wall, [245, 240, 232], 0.2);
  return wall;
}

/**
 * A product that wears the asked colour is parted from it by value, never by another hue, the
 * colour kept vivid (HSV saturation >= 0.7). Standing against the wall, it gets a deeper shade
 * behind it (darker than its shaded side and its lit side alike); on a plate of the accent
 * colour the plate parts them, and the surface around can be the brighter, festive shade.
 */
function partByValue(asked: Rgb, product: Rgb, onPlate: boolean): { wall: Rgb; how: string } {
  const hsv = toHsv(asked);
  const pv = toHsv(product).v;
  const name = colorName(asked);
  if (onPlate) {
    const wall = fromHsv({ h: hsv.h, s: clamp(hsv.s * 0.92, 0.7, 1), v: clamp(pv + 0.35, 0.85, 1) });
    return { wall, how: `the product wears ${name} too: it stands on the accent plate, on a brighter ${name} than its own` };
  }
  const wall = fromHsv({ h: hsv.h, s: clamp(hsv.s * 1.05, 0.7, 1), v: clamp(pv * 0.55, 0.3, 1) });
  return { wall, how: `the product wears ${name} too: a deeper ${name} behind it, a deeper floor, and a light pool behind it as a rim` };
}

function lightness(color: Rgb): string {
  const { l } = rgbToHsl(color);
  return l < 0.3 ? 'deep ' : l > 0.78 ? 'light ' : '';
}

export function describeScheme(s: StudioScheme, accent: Rgb | undefined, view: CameraView = 'eye-level', wallName = colorName(s.wall)): string {
  const metal = (on: boolean) => (on ? 'metallic ' : '');
  const floor = s.material ? `${s.material} floor` : s.floor !== s.wall && accent && s.floor === accent ? `${metal(s.floorMetallic)}${colorName(s.floor)} floor` : 'seamless floor';
  const light = accent ? `${colorName(accent)}-tinted light pool` : 'soft key-light pool';
  const wall = `${lightness(s.wall)}${metal(s.wallMetallic)}${wallName}`;
  const plate = s.plate ? `, ${metal(s.plate.metallic)}${colorName(s.plate.color)} plate under the product` : '';
  if (view === 'top-down') {
    return `flat lay on a ${wall} ${s.material ?? 'surface'}${plate}, ${light}, soft vignette`;
  }
  return `${wall} ${view === 'three-quarter' ? 'backdrop seen from above' : 'sweep'}, ${floor}${plate}, ${light}, soft vignette`;
}

/**
 * Two vivid colours of nearly one hue: a product that would melt into a backdrop of that colour.
 * Vivid by HSV saturation: beige (0.2) beside a terracotta cup is a quiet tone, not a clash.
 */
export function sameColour(a: Rgb, b: Rgb): boolean {
  const x = toHsv(a);
  const y = toHsv(b);
  return x.s > 0.3 && y.s > 0.3 && Math.abs(hueDelta(x.h, y.h)) < 25;
}

/**
 * Picks the set: prompt colours win (first = wall; second = the floor, a flat lay's plate, or
 * with a material floor the light), else the product palette, else warm neutral grey. A wall
 * the product would melt into is parted from it by value (partByValue), keeping the hue asked.
 */
export function chooseScheme(style: PromptStyle, palette: readonly Rgb[], rng: Rng, view: CameraView = 'eye-level'): StudioScheme {
  const productLum = productLuminance(palette);
  const [first, second] = style.named;
  const source: StudioScheme['source'] = first ? 'prompt' : palette.length ? 'palette' : 'default';
  let wall = first?.rgb ?? (palette.length ? fromPalette(palette, rng) : NEUTRAL_WARM);
  // Seeds vary the set a little, like re-gelling a light: a few degrees of hue (fewer for a
  // colour the prompt asked for, so red never drifts into crimson).
  const drift = first ? 2.5 : 6;
  wall = applyMood(shiftHue(wall, between(rng, -drift, drift)), style.mood, first !== undefined);
  // "빨간 배경" for a red product: the asked hue stays, but its shade must part from the product's.
  const clash = first !== undefined && palette.length > 0 && sameColour(first.rgb, palette[0]);
  const accentColor = second ?? style.accents[0];
  // Seen from above, the floor is most of the frame: an accent floor would outweigh the colour asked first.
  const plate = view !== 'eye-level' && accentColor && !style.material ? { color: accentColor.rgb, metallic: accentColor.metallic } : null;
  let separation: string | null = null;
  if (clash) {
    const parted = partByValue(wall, palette[0], plate !== null);
    wall = parted.wall;
    separation = parted.how;
  } else if (productLum !== null) {
    wall = first ? keepVividGap(wall, productLum) : ensureLuminanceGap(wall, productLum, 0.25);
  }
  let floor = floorFor(style, wall);
  const accentFloor = accentColor && !style.material && !plate;
  if (accentFloor) floor = accentColor.rgb;
  else if (!style.material && first) floor = fromHsv({ ...toHsv(wall), v: toHsv(wall).v * (clash ? 0.72 : 0.88) });
  if (productLum !== null && !style.material && !accentFloor && !first) floor = ensureLuminanceGap(floor, productLum, 0.2);
  // The accent still tints the light pool, so the set reads as one lighting, not two papers.
  // Without an accent the light is white tinted by the asked colour itself: a warm gel would turn a pale blue grey.
  const light = accentColor ? mixRgb(accentColor.rgb, [255, 250, 240], 0.3) : first ? mixRgb(first.rgb, [255, 255, 255], 0.85) : style.mood.warmth < 0 ? COOL_WHITE : WARM_WHITE;
  const scheme: StudioScheme = {
    wall,
    floor,
    light,
    lightTint: accentColor ? between(rng, 0.35, 0.5) : between(rng, 0.15, 0.3),
    material: style.material,
    vignette: between(rng, 0.28, 0.42),
    wallMetallic: first?.metallic ?? false,
    floorMetallic: accentFloor ? accentColor.metallic : false,
    plate,
    source,
    description: '',
    colors: { read: [], used: [], separation },
  };
  // A wall made from an asked colour is named as asked: a deeper shade of red is still "red".
  scheme.description = describeScheme(scheme, accentColor?.rgb, view, first?.name);
  scheme.colors = colorUse(style, scheme, separation);
  return scheme;
}

/** An asked colour only moves in value (HSV), so it stays as vivid as asked while standing off the product. */
function keepVividGap(color: Rgb, productLum: number): Rgb {
  if (Math.abs(relativeLuminance(color) - productLum) >= 0.08) return color;
  const hsv = toHsv(color);
  const up = fromHsv({ ...hsv, v: clamp(hsv.v + 0.3, 0, 1) });
  const down = fromHsv({ ...hsv, v: hsv.v * 0.6 });
  return Math.abs(relativeLuminance(up) - productLum) >= Math.abs(relativeLuminance(down) - productLum) ? up : down;
}

function colorUse(style: PromptStyle, scheme: StudioScheme, separation: string | null): ColorUse {
  const [first, second] = style.named;
  const accent = second ?? style.accents[0];
  const used: string[] = [];
  if (first) used.push(`${first.name}: the backdrop (${hexOf(scheme.wall)})`);
  if (accent) {
    const where = scheme.plate ? 'a plate under the product' : scheme.floorMetallic || (!scheme.material && scheme.floor === accent.rgb) ? 'the floor' : 'the light pool';
    used.push(`${accent.name}${accent.metallic ? ' (metallic)' : ''}: ${where} and the light pool's tint`);
  }
  for (const extra of style.named.slice(2)) used.push(`${extra.name}: not used (a set takes two colours; the first two named)`);
  return {
    read: [...style.named, ...(second ? [] : style.accents)].map((c) => ({ word: c.word, name: c.name, hex: hexOf(c.rgb), metallic: c.metallic })),
    used,
    separation,
  };
}
