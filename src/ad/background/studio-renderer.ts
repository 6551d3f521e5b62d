import { throwIfAborted } from '../../common/errors/domain.exception';
import type { Box } from '../../vision/image.types';
import { clamp, srgbToLinear } from '../../vision/color-math';
import type { FloorTexture } from './floor-texture';
import { between, fbm, mulberry32, type Rng } from './procedural-noise';
import type { StudioScheme } from './studio-scheme';

/** Geometry of one studio set: where the sweep turns into floor and where the lights point. */
export interface StudioLayout {
  width: number;
  height: number;
  /** First floor row: the foot of the sweep or the back edge of a table top. */
  horizonY: number;
  /** Rows above horizonY over which the wall blends into the floor (the sweep's curve). */
  blendHeight: number;
  /** Vanishing line of the floor plane, used for perspective texture mapping. */
  vanishY: number;
  pool: Ellipse;
  floorPool: Ellipse;
  /** Direction the key light comes from; the compositor casts shadows away from it. */
  keyLight: { x: number; y: number };
  vignetteCentre: { x: number; y: number };
  /** How the material tile is laid for this seed: offset in texels, mirroring and scale. */
  texturePlacement: { u: number; v: number; mirror: boolean; scale: number };
}

interface Ellipse {
  x: number;
  y: number;
  rx: number;
  ry: number;
}

export interface LayoutInput {
  width: number;
  height: number;
  productBox: Box;
  floorY: number;
}

/**
 * A seamless sweep puts the foot of its curve a little behind the product, i.e. a little above
 * the base in the picture; a table top shows its back edge higher up. Light comes from one side
 * (the seed picks which) and pools on the wall behind the product's upper half.
 */
export function planLayout(input: LayoutInput, hasTable: boolean, rng: Rng): StudioLayout {
  const { width: w, height: h, productBox: box, floorY } = input;
  const cx = box.x + box.width / 2;
  const behind = hasTable ? Math.max(box.height * between(rng, 0.28, 0.4), h * 0.07) : box.height * between(rng, 0.14, 0.24);
  const side = rng() < 0.5 ? -1 : 1;
  const blendHeight = hasTable ? h * 0.018 : h * between(rng, 0.14, 0.2);
  // A subject bleeding off the bottom (a bust, a close-up) stands on nothing: all wall, the sweep below the frame.
  const horizonY = floorY >= h ? h + blendHeight : clamp(floorY - behind, h * 0.3, h * 0.92);
  return {
    width: w,
    height: h,
    horizonY,
    blendHeight,
    vanishY: horizonY - (h - horizonY) * 0.45,
    pool: {
      x: cx + side * w * between(rng, 0.04, 0.16),
      y: box.y + box.height * between(rng, 0.15, 0.45),
      rx: Math.max(box.width * between(rng, 1.0, 1.4), w * 0.32),
      ry: Math.max(box.height * between(rng, 0.9, 1.3), h * 0.3),
    },
    floorPool: { x: cx + side * box.width * 0.1, y: floorY, rx: Math.max(box.width * 1.4, w * 0.28), ry: Math.max((h - horizonY) * 0.75, h * 0.08) },
    keyLight: { x: cx + side * w * 0.9, y: box.y - box.height * 0.6 },
    vignetteCentre: { x: (cx + w / 2) / 2, y: (box.y + box.height * 0.4 + h / 2) / 2 },
    texturePlacement: { u: Math.floor(rng() * 4096) + 4096 * 16, v: Math.floor(rng() * 4096), mirror: rng() < 0.5, scale: between(rng, 0.85, 1.15) },
  };
}

const LUT_SIZE = 16384;
/** Linear light → sRGB byte value (as a float, so grain can dither before rounding). */
const LINEAR_TO_SRGB = (() => {
  const lut = new Float32Array(LUT_SIZE + 1);
  for (let i = 0; i <= LUT_SIZE; i++) {
    const c = i / LUT_SIZE;
    lut[i] = 255 * (c <= 0.0031308 ? c * 12.92 : 1.055 * Math.pow(c, 1 / 2.4) - 0.055);
  }
  return lut;
})();

const ROWS_PER_CHUNK = 64;
/** Film grain amplitude in 8-bit levels; also dithers the smooth gradients so they never band. */
const GRAIN = 2.6;

function gaussianRow(n: number, centre: number, radius: number): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = Math.exp(-(((i - centre) / radius) ** 2));
  return out;
}

function linear(c: readonly number[]): [number, number, number] {
  return [srgbToLinear(c[0]), srgbToLinear(c[1]), srgbToLinear(c[2])];
}

const nextTick = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * Draws the set in linear light: wall gradient (darker up high), sweep blend, floor with depth
 * falloff and perspective texture, light pools filtered by the light's colour, vignette, then
 * sRGB through a lookup table with triangular grain. Low-frequency terms are separable
 * (per-row × per-column tables), so the inner loop is a few multiply-adds per pixel.
 */
export async function renderStudio(
  scheme: StudioScheme,
  layout: StudioLayout,
  texture: FloorTexture | null,
  seed: number,
  signal?: AbortSignal,
): Promise<Buffer> {
  const { width: w, height: h, horizonY, blendHeight, vanishY } = layout;
  const out = Buffer.allocUnsafe(w * h * 3);
  // Clamped view: stores clamp to 0..255 and round, which the grain needs at the extremes.
  const px = new Uint8ClampedArray(out.buffer, out.byteOffset, out.length);
  const wall = linear(scheme.wall);
  const floor = linear(scheme.floor);
  // Coloured light filters the surface colour (multiplies), so a gold gel on red stays a warm
  // red instead of mixing toward brown; normalised so the light's strongest channel is 1.
  const lightLin = linear(scheme.light);
  const lightMax = Math.max(...lightLin, 1e-6);
  const light = lightLin.map((v) => v / lightMax);
  const tint = scheme.lightTint;
  const gx = gaussianRow(w, layout.pool.x, layout.pool.rx);
  const gy = gaussianRow(h, layout.pool.y, layout.pool.ry);
  const fx = gaussianRow(w, layout.floorPool.x, layout.floorPool.rx);
  const fy = gaussianRow(h, layout.floorPool.y, layout.floorPool.ry);
  // Vignette: squared distance from a centre pulled toward the product, elliptical to the frame.
  const ax = new Float32Array(w);
  const ay = new Float32Array(h);
  for (let x = 0; x < w; x++) ax[x] = ((x - layout.vignetteCentre.x) / (w * 0.78)) ** 2;
  for (let y = 0; y < h; y++) ay[y] = ((y - layout.vignetteCentre.y) / (h * 0.78)) ** 2;
  const vig = scheme.vignette;
  // Mottling: painted canvas and paper backdrops are never perfectly even. A coarse fBm field,
  // bilinearly stretched over the frame, varies the light by a few percent.
  const mw = 40;
  const mh = Math.max(2, Math.round((mw * h) / w));
  const mottle = fbm(mw, mh, 3, Math.max(1, Math.round((3 * h) / w)), 3, mulberry32(seed ^ 0x2f6b));
  const mx0 = new Int32Array(w);
  const mwx = new Float32Array(w);
  for (let x = 0; x < w; x++) {
    const f = (x / w) * (mw - 1);
    mx0[x] = Math.min(mw - 2, Math.floor(f));
    mwx[x] = f - mx0[x];
  }

  const size = texture?.near.width ?? 1;
  const mask = size - 1;
  // Texels per canvas pixel at the near edge, and the foreshortening of a floor seen at ~25°.
  const tp = layout.texturePlacement;
  const s0 = (size / (w * 1.15)) * tp.scale;
  const uStep = tp.mirror ? -1 : 1;
  const kv = 2.3;
  const depthNear = h - vanishY;
  const zFar = depthNear / Math.max(1, horizonY - vanishY);
  const cx = w / 2;
  let state = (seed ^ 0x5bd1e995) >>> 0 || 1;

  for (let y0 = 0; y0 < h; y0 += ROWS_PER_CHUNK) {
    throwIfAborted(signal);
    const y1 = Math.min(h, y0 + ROWS_PER_CHUNK);
    for (let y = y0; y < y1; y++) {
      // Wall: darker toward the top, where the key light does not reach.
      const up = clamp(y / Math.max(1, horizonY), 0, 1);
      const wallK = 0.66 + 0.34 * up * up * (3 - 2 * up);
      let s = clamp((y - (horizonY - blendHeight)) / Math.max(1, blendHeight), 0, 1);
      s = s * s * (3 - 2 * s);
      // Floor: faces the overhead light, falling off toward the camera.
      const depthT = clamp((y - horizonY) / Math.max(1, h - horizonY), 0, 1);
      const floorK = 0.95 - 0.28 * depthT;
      const br = wall[0] * wallK * (1 - s) + floor[0] * floorK * s;
      const bg = wall[1] * wallK * (1 - s) + floor[1] * floorK * s;
      const bb = wall[2] * wallK * (1 - s) + floor[2] * floorK * s;
      const wallPool = gy[y] * (1 - s);
      const floorPool = fy[y] * s;
      const ambient = 0.5 + 0.18 * s;
      // Perspective texture row: depth z is 1 at the bottom edge and grows toward the horizon.
      let texRow0 = -1;
      let texRow1 = 0;
      let fv = 0;
      let zs = 0;
      let amp = 0;
      let tex: Float32Array | null = null;
      if (texture && y >= horizonY - 1) {
        const z = depthNear / Math.max(1e-3, y - vanishY);
        zs = z * s0;
        const v = kv * s0 * depthNear * z + tp.v;
        const vi = Math.floor(v);
        fv = v - vi;
        texRow0 = (vi & mask) * size;
        texRow1 = ((vi + 1) & mask) * size;
        // Fade texture toward the back: depth of field, and no moiré where texels shrink.
        const farT = clamp((z - 1) / Math.max(0.5, zFar - 1), 0, 1);
        amp = (1 - 0.75 * farT) * s;
        tex = zs * kv * z > 2 ? texture.far.data : texture.near.data;
      }
      const ayy = ay[y];
      const mfy = (y / h) * (mh - 1);
      const my = Math.min(mh - 2, Math.floor(mfy));
      const mwy = mfy - my;
      const mRow0 = my * mw;
      const mRow1 = mRow0 + mw;
      const mottleAmp = 0.07 * (1 - s) + 0.035 * s;
      let o = y * w * 3;
      for (let x = 0; x < w; x++) {
        const g = gx[x] * wallPool + fx[x] * floorPool;
        let r2 = ax[x] + ayy;
        if (r2 > 1) r2 = 1;
        const mi = mx0[x];
        const wx = mwx[x];
        const m0 = mottle.data[mRow0 + mi] + (mottle.data[mRow0 + mi + 1] - mottle.data[mRow0 + mi]) * wx;
        const m1 = mottle.data[mRow1 + mi] + (mottle.data[mRow1 + mi + 1] - mottle.data[mRow1 + mi]) * wx;
        const ill = (ambient + (1 - ambient) * g) * (1 - vig * r2 * r2 * (3 - 2 * r2)) * (1 + mottleAmp * (m0 + (m1 - m0) * mwy));
        const mix = tint * g;
        let m = ill;
        if (tex !== null && texRow0 >= 0) {
          const u = uStep * (x - cx) * zs + tp.u;
          const ui = Math.floor(u);
          const fu = u - ui;
          const i0 = ui & mask;
          const i1 = (ui + 1) & mask;
          const t0 = tex[texRow0 + i0] + (tex[texRow0 + i1] - tex[texRow0 + i0]) * fu;
          const t1 = tex[texRow1 + i0] + (tex[texRow1 + i1] - tex[texRow1 + i0]) * fu;
          const t = 1 + amp * (t0 + (t1 - t0) * fv - 1);
          m *= t * t;
        }
        state ^= state << 13;
        state ^= state >>> 17;
        state ^= state << 5;
        const grain = (((state & 255) + ((state >>> 8) & 255)) / 255 - 1) * GRAIN;
        let lr = br * (1 - mix + light[0] * mix) * m * LUT_SIZE;
        let lg = bg * (1 - mix + light[1] * mix) * m * LUT_SIZE;
        let lb = bb * (1 - mix + light[2] * mix) * m * LUT_SIZE;
        if (lr > LUT_SIZE) lr = LUT_SIZE;
        if (lg > LUT_SIZE) lg = LUT_SIZE;
        if (lb > LUT_SIZE) lb = LUT_SIZE;
        px[o++] = LINEAR_TO_SRGB[lr | 0] + grain;
        px[o++] = LINEAR_TO_SRGB[lg | 0] + grain;
        px[o++] = LINEAR_TO_SRGB[lb | 0] + grain;
      }
    }
    await nextTick();
  }
  throwIfAborted(signal);
  return out;
}
