import sharp from 'sharp';
import { boxFromMask } from '../../src/ad/analysis/product-locator';
import { between, mulberry32, type Rng } from '../../src/ad/background/procedural-noise';
import type { Box } from '../../src/vision/image.types';

/**
 * Round products photographed from a known camera elevation, with their exact silhouettes. Each
 * is built from solids of revolution seen in orthographic projection, so every rim and base is
 * an ellipse exactly sin θ as tall as it is wide, the truth a camera-view estimator must recover.
 * A solid's silhouette is its meridian section (the profile mirrored about the axis) plus one
 * ellipse per horizontal slice; both drawings use the same shapes, the matte in white on black.
 */

/** The seed picks the kind: PRODUCT_KINDS[seed % PRODUCT_KINDS.length]. */
export const PRODUCT_KINDS = ['mug', 'straight-cup', 'cup-on-saucer', 'bowl', 'jar', 'can', 'bottle', 'plate'] as const;
export type ProductKind = (typeof PRODUCT_KINDS)[number];

export interface DrawnProduct {
  png: Buffer;
  /** One byte per pixel, 0 or 255. */
  matte: Uint8Array;
  width: number;
  height: number;
  box: Box;
  kind: ProductKind;
}

interface Tone {
  body: string;
  light: string;
  shade: string;
  /** The inside of an open vessel, or a lid. */
  top: string;
  floor: readonly [string, string];
  shadow: string;
}

/** Product colours, each on a floor of nearly its own colour where that is hard (white, black). */
export const PRODUCT_TONES = {
  white: { body: '#f4f3f0', light: '#ffffff', shade: '#d6d2ca', top: '#cfcac0', floor: ['#f3f2ef', '#e8e6e1'], shadow: '#a9a396' },
  black: { body: '#232326', light: '#47474c', shade: '#0b0b0c', top: '#060607', floor: ['#2c2c2f', '#1c1c1e'], shadow: '#000000' },
  red: { body: '#b8342a', light: '#d9594b', shade: '#7a1f18', top: '#4a120e', floor: ['#f1e9e4', '#e2d6cf'], shadow: '#8a766e' },
  terracotta: { body: '#c0663f', light: '#de906a', shade: '#84402a', top: '#5b2a1b', floor: ['#efe6da', '#e0d2c0'], shadow: '#8c7a66' },
  blue: { body: '#3d6ea8', light: '#6f9acb', shade: '#23456f', top: '#1a3150', floor: ['#e8ecef', '#d3d9de'], shadow: '#7d8790' },
  green: { body: '#2f5a3a', light: '#5f8f6a', shade: '#173321', top: '#c8b27a', floor: ['#efe9df', '#ddd4c5'], shadow: '#857a68' },
  silver: { body: '#c9ccd0', light: '#f2f3f5', shade: '#878c93', top: '#a9aeb5', floor: ['#dcdcda', '#c4c4c1'], shadow: '#6e6e6a' },
} satisfies Record<string, Tone>;
export type ToneName = keyof typeof PRODUCT_TONES;
const TONE_NAMES = Object.keys(PRODUCT_TONES) as ToneName[];
const FOOD = ['#8a4b24', '#5f8d3a', '#c4442c', '#e0b04a', '#6b3a1e'];

/** Height and radius pairs from the base up, in units of the scene's main radius. */
type Profile = Array<[number, number]>;

interface View {
  gx: number;
  gy: number;
  s: number;
  sin: number;
  cos: number;
}

/** A scene part: its markup in a view, painted (photo) or in white (matte). */
type Part = (v: View, paint: boolean) => string;

const n1 = (n: number) => n.toFixed(1);
/** World (x right, y towards the camera, z up) to canvas pixels. */
const at = (v: View, x: number, y: number, z: number): [number, number] => [v.gx + v.s * x, v.gy + v.s * (y * v.sin - z * v.cos)];
const ellipse = (cx: number, cy: number, rx: number, ry: number, fill: string) =>
  `<ellipse cx="${n1(cx)}" cy="${n1(cy)}" rx="${n1(rx)}" ry="${n1(Math.max(ry, 0.01))}" fill="${fill}"/>`;

/** Slices close enough that the union of their ellipses has no scallops a pixel deep. */
function densify(profile: Profile): Profile {
  const out: Profile = [profile[0]];
  for (let i = 1; i < profile.length; i++) {
    const [z0, r0] = profile[i - 1];
    const [z1, r1] = profile[i];
    const steps = Math.max(1, Math.ceil(Math.max(Math.abs(z1 - z0), Math.abs(r1 - r0)) / 0.015));
    for (let k = 1; k <= steps; k++) out.push([z0 + ((z1 - z0) * k) / steps, r0 + ((r1 - r0) * k) / steps]);
  }
  return out;
}

let gradientIds = 0;

/** A solid of revolution standing at (x, y, z): open ones show a rim and a darker inside, closed ones a lid. */
function solid(profile: Profile, x: number, y: number, z: number, tone: Tone, open: boolean, label?: [number, number, string]): Part {
  const slices = densify(profile);
  const id = `g${gradientIds++}`;
  return (v, paint) => {
    const fill = paint ? `url(#${id})` : '#fff';
    const side = (sign: number) => slices.map(([h, r]) => at(v, x + sign * r, y, z + h));
    const outline = [...side(-1), ...side(1).reverse()].map(([px, py]) => `${n1(px)} ${n1(py)}`).join(' L');
    let svg = paint ? `<defs><linearGradient id="${id}" x1="0" y1="0" x2="1" y2="0"><stop offset="0" stop-color="${tone.light}"/><stop offset="0.4" stop-color="${tone.body}"/><stop offset="1" stop-color="${tone.shade}"/></linearGradient></defs>` : '';
    svg += `<path d="M${outline} Z" fill="${fill}"/>`;
    for (const [h, r] of slices) svg += ellipse(...at(v, x, y, z + h), v.s * r, v.s * r * v.sin, fill);
    const [h, r] = slices[slices.length - 1];
    const [cx, cy] = at(v, x, y, z + h);
    if (paint && label) {
      // The front half of a band round the body: two lower half-ellipses joined at the sides.
      const [lo, hi, colour] = label;
      const [, yLo] = at(v, x, y, z + lo);
      const [, yHi] = at(v, x, y, z + hi);
      const widest = Math.max(...slices.map((slice) => slice[1]));
      const rx = v.s * widest;
      const ry = v.s * widest * v.sin;
      svg += `<path d="M${n1(cx - rx)} ${n1(yHi)} A${n1(rx)} ${n1(ry)} 0 0 0 ${n1(cx + rx)} ${n1(yHi)} L${n1(cx + rx)} ${n1(yLo)} A${n1(rx)} ${n1(ry)} 0 0 1 ${n1(cx - rx)} ${n1(yLo)} Z" fill="${colour}" opacity="0.9"/>`;
    }
    if (paint && r > 0.01) {
      svg += ellipse(cx, cy, v.s * r, v.s * r * v.sin, open ? tone.light : tone.top);
      // Below ~5° the inside is hidden behind the near rim.
      if (open && v.sin > 0.09) svg += ellipse(cx, cy + v.s * r * 0.03 * v.sin, v.s * r * 0.92, v.s * r * 0.92 * v.sin, tone.top);
    }
    return svg;
  };
}

/** A loop handle on the side, in the plane facing the camera: squashed by cos θ, thickened by sin θ. */
function handle(x: number, y: number, z: number, side: 1 | -1, reach: number, rise: number, thick: number, tone: Tone): Part {
  return (v, paint) => {
    const [cx, cy] = at(v, x + side * reach * 0.45, y, z);
    const stroke = paint ? tone.body : '#fff';
    return `<ellipse cx="${n1(cx)}" cy="${n1(cy)}" rx="${n1(v.s * reach * 0.55)}" ry="${n1(v.s * (rise * v.cos + thick * v.sin * 0.5))}" fill="none" stroke="${stroke}" stroke-width="${n1(v.s * thick)}"/>`;
  };
}

/** A teaspoon lying on a saucer, its handle past the rim. */
function spoon(from: [number, number, number], to: [number, number, number]): Part {
  return (v, paint) => {
    const [x0, y0] = at(v, ...from);
    const [x1, y1] = at(v, ...to);
    const fill = paint ? '#b8bcc2' : '#fff';
    return `<path d="M${n1(x0)} ${n1(y0)} L${n1(x1)} ${n1(y1)}" stroke="${fill}" stroke-width="${n1(v.s * 0.05)}" stroke-linecap="round"/>` + ellipse(x0, y0, v.s * 0.12, v.s * (0.03 + 0.07 * v.sin), fill);
  };
}

/** The parts of one product, back to front, and how far it reaches round its base's centre. */
function scene(kind: ProductKind, rng: Rng, tone: Tone): { parts: Part[]; corners: Array<[number, number, number]> } {
  const side: 1 | -1 = rng() < 0.5 ? 1 : -1;
  const box = (rx: number, ry: number, top: number): Array<[number, number, number]> => [[-rx, -ry, 0], [rx, ry, 0], [-rx, -ry, top], [rx, ry, top]];
  switch (kind) {
    case 'mug': {
      const h = between(rng, 1.5, 2.2);
      const parts = [handle(side, 0, h * 0.55, side, 0.55, h * 0.28, 0.14, tone), solid([[0, 0.93], [0.05, 1], [h, 1]], 0, 0, 0, tone, true)];
      return { parts, corners: [...box(1, 1, h), [side * 1.62, 0, h * 0.85], [side * 1.62, 0, h * 0.25]] };
    }
    case 'straight-cup': {
      const h = between(rng, 1.2, 2.4);
      return { parts: [solid([[0, 0.86], [0.03, 0.9], [h, 1]], 0, 0, 0, tone, true)], corners: box(1, 1, h) };
    }
    case 'cup-on-saucer': {
      const c = between(rng, 0.5, 0.62);
      const h = c * between(rng, 0.75, 1.1);
      const parts = [
        solid([[0, 0.45], [0.02, 0.48], [0.05, 0.6], [0.1, 0.95], [0.12, 1]], 0, 0, 0, tone, true),
        handle(side * 0.8 * c, 0, 0.06 + h * 0.55, side, 0.7 * c, h * 0.25, 0.07, tone),
        solid([[0, 0.55 * c], [0.04, 0.6 * c], [h, c]], 0, 0, 0.06, tone, true),
      ];
      const corners: Array<[number, number, number]> = [...box(1, 1, 0.12 + h), [side * 1.5 * c, 0, h]];
      if (rng() < 0.5) {
        const toward = between(rng, 0.2, 0.6);
        parts.push(spoon([-side * 0.55, toward, 0.1], [-side * 1.3, toward + 0.25, 0.1]));
        corners.push([-side * 1.35, toward + 0.3, 0.1]);
      }
      return { parts, corners };
    }
    case 'bowl': {
      const h = between(rng, 0.45, 0.7);
      const foot = between(rng, 0.35, 0.5);
      const profile: Profile = [[0, foot], [0.04, foot + 0.02]];
      for (let t = 1; t <= 16; t++) {
        const a = (t / 16) * (Math.PI / 2);
        profile.push([0.04 + (h - 0.04) * (1 - Math.cos(a)), foot + 0.02 + (0.98 - foot) * Math.sin(a)]);
      }
      return { parts: [solid(profile, 0, 0, 0, tone, true)], corners: box(1, 1, h) };
    }
    case 'jar': {
      const h = between(rng, 1.2, 2);
      const parts = [
        solid([[0, 0.95], [0.04, 1], [h, 1], [h + 0.08, 0.9], [h + 0.12, 0.8]], 0, 0, 0, tone, false, [h * 0.25, h * 0.75, '#f2ead8']),
        solid([[0, 0.86], [0.3, 0.86]], 0, 0, h + 0.1, { ...tone, body: tone.top }, false),
      ];
      return { parts, corners: box(1, 1, h + 0.4) };
    }
    case 'can': {
      const h = between(rng, 2.4, 3.6);
      const profile: Profile = [[0, 0.86], [0.05, 0.95], [0.1, 1], [h - 0.12, 1], [h - 0.04, 0.92], [h, 0.9]];
      return { parts: [solid(profile, 0, 0, 0, tone, false, [h * 0.2, h * 0.8, FOOD[Math.floor(rng() * FOOD.length)]])], corners: box(1, 1, h) };
    }
    case 'bottle': {
      // Wine: tall body, short shoulder, long neck. Beer: squat body, long sloping shoulder.
      const wine = rng() < 0.5;
      const body = wine ? between(rng, 2.6, 3.4) : between(rng, 1.8, 2.4);
      const shoulder = wine ? 0.7 : 1.4;
      const neck = wine ? between(rng, 1.2, 1.6) : between(rng, 0.5, 0.8);
      const profile: Profile = [[0, 0.96], [0.04, 1], [body, 1]];
      for (let t = 1; t <= 12; t++) profile.push([body + shoulder * (t / 12), 0.3 + 0.7 * Math.cos((t / 12) * (Math.PI / 2))]);
      const top = body + shoulder + neck;
      profile.push([top - 0.25, 0.3], [top - 0.22, 0.35], [top, 0.35]);
      return { parts: [solid(profile, 0, 0, 0, tone, false, [body * 0.3, body * 0.75, '#f4efe4'])], corners: box(1, 1, top) };
    }
    case 'plate': {
      const parts = [solid([[0, 0.55], [0.02, 0.58], [0.04, 0.75], [0.08, 0.97], [0.09, 1]], 0, 0, 0, tone, true)];
      let tallest = 0.09;
      for (let k = 0, count = 1 + Math.floor(rng() * 3); k < count; k++) {
        const r = between(rng, 0.18, 0.4);
        const h = r * between(rng, 0.5, 1.1);
        const profile: Profile = [];
        for (let t = 0; t <= 12; t++) profile.push([h * Math.sin((t / 12) * (Math.PI / 2)), r * Math.cos((t / 12) * (Math.PI / 2))]);
        const food = FOOD[Math.floor(rng() * FOOD.length)];
        parts.push(solid(profile, between(rng, -0.25, 0.25), between(rng, -0.25, 0.25), 0.05, { ...tone, body: food, light: food, shade: '#3a2a1c' }, false));
        tallest = Math.max(tallest, 0.05 + h);
      }
      return { parts, corners: box(1, 1, tallest) };
    }
  }
}

/**
 * A product seen from `elevationDeg` above its base plane on a seamless floor, with a soft
 * shadow under it. The seed picks the kind, the proportions, the colour unless `toneName` is
 * given (white on white and black on black among them), the canvas (600-1400 px a side) and the
 * product's size and place in it; naming a colour leaves the rest of the seed's drawing as it was.
 */
export async function drawnProduct(seed: number, elevationDeg: number, toneName?: ToneName): Promise<DrawnProduct> {
  const rng = mulberry32(seed * 7919 + 17);
  const kind = PRODUCT_KINDS[seed % PRODUCT_KINDS.length];
  const seedTone = TONE_NAMES[Math.floor(rng() * TONE_NAMES.length)];
  const tone: Tone = PRODUCT_TONES[toneName ?? seedTone];
  const { parts, corners } = scene(kind, rng, tone);
  const width = Math.round(between(rng, 600, 1400));
  const height = Math.round(Math.min(1400, Math.max(600, width * between(rng, 0.7, 1.45))));
  const theta = (elevationDeg * Math.PI) / 180;
  const unit: View = { gx: 0, gy: 0, s: 1, sin: Math.sin(theta), cos: Math.cos(theta) };
  // Every corner of the product's bounding cylinder, with the rim ellipses' reach in y.
  const points = corners.flatMap(([x, y, z]) => [at(unit, x, y + 1, z), at(unit, x, y - 1, z)]);
  const [minX, maxX] = [Math.min(...points.map((p) => p[0])), Math.max(...points.map((p) => p[0]))];
  const [minY, maxY] = [Math.min(...points.map((p) => p[1])), Math.max(...points.map((p) => p[1]))];
  const s = between(rng, 0.35, 0.8) * Math.min((width * 0.9) / (maxX - minX), (height * 0.9) / (maxY - minY));
  const gx = width * 0.05 - s * minX + rng() * (width * 0.9 - s * (maxX - minX));
  const gy = height * 0.05 - s * minY + rng() * (height * 0.9 - s * (maxY - minY));
  const view: View = { ...unit, gx, gy, s };
  const shadow = `<defs><radialGradient id="shadow"><stop offset="0" stop-color="${tone.shadow}" stop-opacity="0.55"/><stop offset="1" stop-color="${tone.shadow}" stop-opacity="0"/></radialGradient>` +
    `<linearGradient id="floor" x1="0" y1="0" x2="0" y2="1"><stop offset="0" stop-color="${tone.floor[0]}"/><stop offset="1" stop-color="${tone.floor[1]}"/></linearGradient></defs>`;
  const [sx, sy] = at(view, 0.25, 0.2, 0);
  const photo = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">${shadow}<rect width="${width}" height="${height}" fill="url(#floor)"/>` +
    ellipse(sx, sy, s * 1.5, s * Math.max(0.2, 1.3 * view.sin), 'url(#shadow)') + parts.map((p) => p(view, true)).join('') + '</svg>';
  const silhouette = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}"><rect width="${width}" height="${height}"/>${parts.map((p) => p(view, false)).join('')}</svg>`;
  const [png, grey] = await Promise.all([
    sharp(Buffer.from(photo)).png().toBuffer(),
    sharp(Buffer.from(silhouette)).removeAlpha().greyscale().raw().toBuffer(),
  ]);
  const matte = new Uint8Array(width * height);
  for (let i = 0; i < matte.length; i++) matte[i] = grey[i] >= 128 ? 255 : 0;
  const box = boxFromMask(Buffer.from(matte.buffer), width, height);
  if (!box) throw new Error(`drawn ${kind} (seed ${seed}) left the canvas`);
  return { png, matte, width, height, box, kind };
}
