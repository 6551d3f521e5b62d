import { throwIfAborted } from '../../common/errors/domain.exception';
import type { Box } from '../../vision/image.types';
import { clamp } from '../../vision/color-math';
import type { FloorTexture } from './floor-texture';
import { between, fbm, mulberry32, type Rng } from './procedural-noise';
import type { StudioScheme } from './studio-scheme';
import type { CameraView } from '../analysis/camera-view';
import { addRamp, linear, metalRamp, platePainter } from './studio-surfaces';

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
  /** A flat lay: the surface fills the frame, seen square on (no horizon, no foreshortening). */
  flat: boolean;
  /** A flat lay's plate under the product, as the camera sees it (an ellipse). */
  plate: Ellipse | null;
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
  view?: CameraView;
  /** Camera elevation, degrees: how round a plate under the product looks. */
  elevationDeg?: number | null;
}

/**
 * A seamless sweep puts the foot of its curve a little behind the product, i.e. a little above
 * the base in the picture; a table top shows its back edge higher up. Light comes from one side
 * (the seed picks which) and pools on the wall behind the product's upper half.
 */
export function planLayout(input: LayoutInput, hasTable: boolean, rng: Rng, withPlate = false): StudioLayout {
  const { width: w, height: h, productBox: box, floorY } = input;
  const view = input.view ?? 'eye-level';
  const cx = box.x + box.width / 2;
  const behind = hasTable ? Math.max(box.height * between(rng, 0.28, 0.4), h * 0.07) : box.height * between(rng, 0.14, 0.24);
  const side = rng() < 0.5 ? -1 : 1;
  let blendHeight = hasTable ? h * 0.018 : h * between(rng, 0.14, 0.2);
  // A subject bleeding off the bottom (a bust, a close-up) stands on nothing: all wall, the sweep below the frame.
  let horizonY = floorY >= h ? h + blendHeight : clamp(floorY - behind, h * 0.3, h * 0.92);
  let vanishY = horizonY - (h - horizonY) * 0.45;
  const flat = view === 'top-down' && floorY < h;
  if (flat) {
    // Seen from above, a tight frame holds nothing but the table: no horizon, no foreshortening.
    blendHeight = 1;
    horizonY = -2;
    vanishY = -50 * h;
  } else if (view === 'three-quarter' && floorY < h) {
    // From a little above, the table's back edge rises to about the product's shoulder, and the
    // table fills at least the lower half of the frame however small the product stands in it.
    blendHeight = hasTable ? h * 0.018 : h * 0.07;
    horizonY = clamp(box.y + box.height * between(rng, 0.05, 0.2), h * 0.06, Math.max(h * 0.06, Math.min(h * 0.45, floorY - box.height * 0.3)));
    vanishY = horizonY - (h - horizonY) * 1.4;
  }
  const elevation = clamp(input.elevationDeg ?? (flat ? 60 : 25), flat ? 30 : 12, 90);
  const ratio = Math.sin((elevation * Math.PI) / 180);
  // Half again the product's width, more where the plate is seen flatter, and never a coaster
  // under a narrow bottle: a rim of the accent shows all round the product.
  const plateRx = Math.max(box.width * (flat ? 0.75 : 0.9), w * 0.22);
  const plate = withPlate && floorY < h ? { x: cx, y: floorY - plateRx * ratio * 0.8, rx: plateRx, ry: plateRx * ratio } : null;
  return {
    width: w,
    height: h,
    horizonY,
    blendHeight,
    vanishY,
    flat,
    plate,
    pool: {
      x: cx + side * w * between(rng, 0.04, 0.16),
      y: box.y + box.height * between(rng, 0.15, 0.45),
      rx: Math.max(box.width * between(rng, 1.0, 1.4), w * 0.32),
      ry: Math.max(box.height * between(rng, 0.9, 1.3), h * 0.3),
    },
    floorPool: flat
      ? { x: cx + side * box.width * 0.15, y: box.y + box.height * 0.5, rx: Math.max(box.width * 1.5, w * 0.45), ry: Math.max(box.height * 1.4, h * 0.4) }
      : { x: cx + side * box.width * 0.1, y: floorY, rx: Math.max(box.width * 1.4, w * 0.28), ry: Math.max((h - horizonY) * 0.75, h * 0.08) },
    // Seen from above, the light is overhead too: the shadow falls short, almost straight below.
    keyLight: flat ? { x: cx + side * w * 0.25, y: box.y - h * 2 } : { x: cx + side * w * 0.9, y: box.y - box.height * 0.6 },
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

const nextTick = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Everything the per-pixel loop reads, computed once per backdrop. */
interface StudioFrame {
  w: number;
  h: number;
  px: Uint8ClampedArray;
  layout: StudioLayout;
  wall: [number, number, number];
  floor: [number, number, number];
  light: number[];
  tint: number;
  vig: number;
  wallMetal: ReturnType<typeof metalRamp> | null;
  floorMetal: ReturnType<typeof metalRamp> | null;
  plate: ReturnType<typeof platePainter> | null;
  gx: Float32Array;
  gy: Float32Array;
  fx: Float32Array;
  fy: Float32Array;
  ax: Float32Array;
  ay: Float32Array;
  mottle: Float32Array;
  mw: number;
  mh: number;
  mx0: Int32Array;
  mwx: Float32Array;
  texture: FloorTexture | null;
}

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
  const { width: w, height: h } = layout;
  const out = Buffer.allocUnsafe(w * h * 3);
  // Coloured light filters the surface colour (multiplies), so a gold gel on red stays a warm
  // red instead of mixing toward brown; normalised so the light's strongest channel is 1.
  const lightLin = linear(scheme.light);
  const lightMax = Math.max(...lightLin, 1e-6);
  // Vignette: squared distance from a centre pulled toward the product, elliptical to the frame.
  const ax = new Float32Array(w);
  const ay = new Float32Array(h);
  for (let x = 0; x < w; x++) ax[x] = ((x - layout.vignetteCentre.x) / (w * 0.78)) ** 2;
  for (let y = 0; y < h; y++) ay[y] = ((y - layout.vignetteCentre.y) / (h * 0.78)) ** 2;
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
  const frame: StudioFrame = {
    w,
    h,
    // Clamped view: stores clamp to 0..255 and round, which the grain needs at the extremes.
    px: new Uint8ClampedArray(out.buffer, out.byteOffset, out.length),
    layout,
    wall: linear(scheme.wall),
    floor: linear(scheme.floor),
    light: lightLin.map((v) => v / lightMax),
    tint: scheme.lightTint,
    vig: scheme.vignette,
    // Metal: darker off the light, and a highlight of its own colour, paler (gold's sheen is a warm
    // near-white, not more mustard). Flat paint has no highlight term at all.
    wallMetal: scheme.wallMetallic ? metalRamp(scheme.wall) : null,
    floorMetal: scheme.floorMetallic ? metalRamp(scheme.floor) : null,
    plate: layout.plate && scheme.plate ? platePainter(layout.plate, scheme.plate.color, scheme.plate.metallic, layout.keyLight, w, h) : null,
    gx: gaussianRow(w, layout.pool.x, layout.pool.rx),
    gy: gaussianRow(h, layout.pool.y, layout.pool.ry),
    fx: gaussianRow(w, layout.floorPool.x, layout.floorPool.rx),
    fy: gaussianRow(h, layout.floorPool.y, layout.floorPool.ry),
    ax,
    ay,
    mottle: mottle.data,
    mw,
    mh,
    mx0,
    mwx,
    texture,
  };
  let state = (seed ^ 0x5bd1e995) >>> 0 || 1;
  for (let y0 = 0; y0 < h; y0 += ROWS_PER_CHUNK) {
    throwIfAborted(signal);
    state = drawRows(frame, y0, Math.min(h, y0 + ROWS_PER_CHUNK), state);
    await nextTick();
  }
  throwIfAborted(signal);
  return out;
}

/**
 * Rows y0..y1 of the frame; returns the grain generator's state for the next rows. A plain
 * function, not part of the async one around it: there V8 kept the loop's numbers boxed, about
 * 50 MB of garbage per 1024 px backdrop.
 */
function drawRows(f: StudioFrame, y0: number, y1: number, seedState: number): number {
  const { w, h, px, layout, wall, floor, light, tint, vig, wallMetal, floorMetal, plate, gx, gy, fx, fy, ax, ay, mottle, mw, mh, mx0, mwx, texture } = f;
  const { horizonY, blendHeight, vanishY } = layout;
  const metal: [number, number, number] = [0, 0, 0];
  const size = texture?.near.width ?? 1;
  const mask = size - 1;
  // Texels per canvas pixel at the near edge, and the foreshortening of a floor seen at ~25°.
  const tp = layout.texturePlacement;
  const s0 = (size / (w * 1.15)) * tp.scale;
  const uStep = tp.mirror ? -1 : 1;
  const kv = layout.flat ? 1 : 2.3;
  const depthNear = h - vanishY;
  const zFar = depthNear / Math.max(1, horizonY - vanishY);
  const cx = w / 2;
  let state = seedState;
  for (let y = y0; y < y1; y++) {
    // Wall: darker toward the top, where the key light does not reach.
    const up = clamp(y / Math.max(1, horizonY), 0, 1);
    const wallK = 0.66 + 0.34 * up * up * (3 - 2 * up);
    let s = clamp((y - (horizonY - blendHeight)) / Math.max(1, blendHeight), 0, 1);
    s = s * s * (3 - 2 * s);
    // Floor: faces the overhead light, falling off toward the camera.
    const depthT = clamp((y - horizonY) / Math.max(1, h - horizonY), 0, 1);
    const floorK = layout.flat ? 0.95 - 0.1 * depthT : 0.95 - 0.28 * depthT;
    // A metal surface takes its colour per pixel from its ramp (below), so it is left out here.
    const wk = wallMetal ? 0 : wallK * (1 - s);
    const fk = floorMetal ? 0 : floorK * s;
    const br = wall[0] * wk + floor[0] * fk;
    const bg = wall[1] * wk + floor[1] * fk;
    const bb = wall[2] * wk + floor[2] * fk;
    // Where the metal reflects the light: the wall under the pool, the floor in a band just behind the product.
    const wSheen = gy[y];
    const fSheen = Math.exp(-(((depthT - 0.25) / 0.3) ** 2));
    const plateRow = plate !== null && y >= plate.y0 && y < plate.y1;
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
      const m0 = mottle[mRow0 + mi] + (mottle[mRow0 + mi + 1] - mottle[mRow0 + mi]) * wx;
      const m1 = mottle[mRow1 + mi] + (mottle[mRow1 + mi + 1] - mottle[mRow1 + mi]) * wx;
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
      let sr = br;
      let sg = bg;
      let sb = bb;
      if (wallMetal !== null || floorMetal !== null) {
        metal[0] = sr;
        metal[1] = sg;
        metal[2] = sb;
        if (wallMetal) addRamp(wallMetal, 0.3 + 0.6 * wSheen * gx[x], wallK * (1 - s), metal);
        if (floorMetal) addRamp(floorMetal, 0.25 + 0.7 * fSheen * (0.3 + 0.7 * fx[x]), s, metal);
        [sr, sg, sb] = metal;
      }
      if (plateRow && x >= plate.x0 && x < plate.x1) {
        const p = plate.at(x, y, sr, sg, sb);
        sr = p[0];
        sg = p[1];
        sb = p[2];
      }
      let lr = sr * (1 - mix + light[0] * mix) * m * LUT_SIZE;
      let lg = sg * (1 - mix + light[1] * mix) * m * LUT_SIZE;
      let lb = sb * (1 - mix + light[2] * mix) * m * LUT_SIZE;
      if (lr > LUT_SIZE) lr = LUT_SIZE;
      if (lg > LUT_SIZE) lg = LUT_SIZE;
      if (lb > LUT_SIZE) lb = LUT_SIZE;
      px[o++] = LINEAR_TO_SRGB[lr | 0] + grain;
      px[o++] = LINEAR_TO_SRGB[lg | 0] + grain;
      px[o++] = LINEAR_TO_SRGB[lb | 0] + grain;
    }
  }
  return state;
}
