import { clamp, fromHsv, srgbToLinear, toHsv } from '../../vision/color-math';

/**
 * The studio's surfaces that are more than paint: metal (gold, silver, rose gold, bronze) as a
 * ramp of reflections, and a plate lying under the product. studio-renderer.ts samples both per
 * pixel in linear light.
 */

/** 8-bit sRGB to linear light, channel by channel. */
export function linear(c: readonly number[]): [number, number, number] {
  return [srgbToLinear(c[0]), srgbToLinear(c[1]), srgbToLinear(c[2])];
}

const RAMP_STEPS = 256;

/**
 * How a metal looks from its darkest to its brightest reflection, as a lookup table (linear
 * RGB, RAMP_STEPS entries): a deep, more saturated shadow, its own colour in the middle, a pale
 * highlight a few degrees toward yellow. Gold then reads as gold beside a saturated red, where a
 * flat mustard turns olive to the eye.
 */
export function metalRamp(color: readonly number[]): Float32Array {
  const hsv = toHsv(color);
  const stops = [
    // Gold's shadow leans toward orange; rose gold and copper are red enough already.
    fromHsv({ h: hsv.h - (hsv.h > 25 && hsv.h < 70 ? 8 : 0), s: Math.min(1, hsv.s + 0.2), v: hsv.v * 0.62 }),
    [color[0], color[1], color[2]],
    fromHsv({ h: hsv.h + 4, s: hsv.s * 0.35, v: 1 }),
  ];
  const lut = new Float32Array(RAMP_STEPS * 3);
  for (let i = 0; i < RAMP_STEPS; i++) {
    const t = (i / (RAMP_STEPS - 1)) * 2;
    const [a, b] = t < 1 ? [stops[0], stops[1]] : [stops[1], stops[2]];
    const f = t < 1 ? t : t - 1;
    for (let c = 0; c < 3; c++) lut[i * 3 + c] = srgbToLinear(a[c] + (b[c] - a[c]) * f);
  }
  return lut;
}

/** The ramp's colour at t in [0, 1], added into `out` weighted by `weight`. */
export function addRamp(lut: Float32Array, t: number, weight: number, out: [number, number, number]): void {
  const i = Math.round(clamp(t, 0, 1) * (RAMP_STEPS - 1)) * 3;
  out[0] += lut[i] * weight;
  out[1] += lut[i + 1] * weight;
  out[2] += lut[i + 2] * weight;
}

export interface PlatePainter {
  x0: number;
  x1: number;
  y0: number;
  y1: number;
  /** The surface colour at (x, y) with the plate over it: its body, bevel and the soft shadow it casts. */
  at(x: number, y: number, r: number, g: number, b: number): [number, number, number];
}

/**
 * A plate lying on the table under the product: an ellipse in its own colour, shaded across
 * toward the key light, a raised rim (bright on the light's side, dark away from it) around a
 * flat well, a tight sheen toward the light when metallic, and contact darkness on the table
 * around it.
 */
export function platePainter(e: { x: number; y: number; rx: number; ry: number }, srgb: readonly number[], metallic: boolean, key: { x: number; y: number }, w: number, h: number): PlatePainter {
  const out: [number, number, number] = [0, 0, 0];
  const lx = Math.sign(key.x - e.x) || 1;
  const ramp = metallic ? metalRamp(srgb) : null;
  const color = linear(srgb);
  const aa = 1.5 / Math.min(e.rx, e.ry);
  return {
    x0: Math.max(0, Math.floor(e.x - e.rx * 1.15)),
    x1: Math.min(w, Math.ceil(e.x + e.rx * 1.15)),
    y0: Math.max(0, Math.floor(e.y - e.ry * 1.15)),
    y1: Math.min(h, Math.ceil(e.y + e.ry * 1.3)),
    at(x, y, r, g, b) {
      const u = (x - e.x) / e.rx;
      const v = (y - e.y) / e.ry;
      const d = Math.sqrt(u * u + v * v);
      if (d > 1 + aa) {
        // The table just outside the plate sees less light, more so in front of it (below on screen).
        const shade = 1 - 0.35 * Math.exp(-(((d - 1) / 0.05) ** 2)) * (0.5 + 0.5 * clamp(v * 2, 0, 1));
        out[0] = r * shade;
        out[1] = g * shade;
        out[2] = b * shade;
        return out;
      }
      const cover = clamp((1 + aa - d) / (2 * aa), 0, 1);
      // -1 facing away from the light, +1 toward it.
      const toward = clamp(u * lx * 0.6 - v * 0.8, -1, 1);
      // The rim (d 0.8..1) is a slope: lit on one side, shaded on the other; the well is flat.
      const rim = d > 0.8 ? Math.sin(((d - 0.8) / 0.2) * Math.PI) : 0;
      const step = Math.exp(-(((d - 0.8) / 0.012) ** 2));
      let sr: number;
      let sg: number;
      let sb: number;
      if (ramp) {
        // Metal: where on its ramp each point reflects, from the slope toward the light and a tight sheen.
        const sx = u - lx * 0.3;
        const sy = v + 0.35;
        const sheen = Math.exp(-(sx * sx + sy * sy) / 0.06);
        const t = 0.42 + 0.16 * toward + rim * toward * 0.4 + sheen * 0.45 - 0.2 * step;
        out[0] = 0;
        out[1] = 0;
        out[2] = 0;
        addRamp(ramp, t, 1, out);
        [sr, sg, sb] = out;
      } else {
        const k = (0.85 + 0.1 * toward) * (1 + rim * toward * 0.25) * (1 - 0.25 * step);
        sr = color[0] * k;
        sg = color[1] * k;
        sb = color[2] * k;
      }
      out[0] = r + (sr - r) * cover;
      out[1] = g + (sg - g) * cover;
      out[2] = b + (sb - b) * cover;
      return out;
    },
  };
}
