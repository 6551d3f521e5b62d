import type { FloorMaterial } from './color-words';
import { addValueNoise, between, boxBlurWrap, fbm, mulberry32, smoothstep, type Field, type Rng } from './procedural-noise';

/**
 * Tileable, top-down floor textures as brightness multipliers around 1.0. The renderer maps them
 * onto the floor plane in perspective and multiplies the floor colour by them.
 */
export interface FloorTexture {
  /** Full detail, for the near floor. */
  near: Field;
  /** Pre-blurred copy (a one-level mip map), for the far floor where texels shrink below a pixel. */
  far: Field;
}

/** Power of two so the renderer can wrap coordinates with a bit mask. */
export const TEXTURE_SIZE = 512;

/**
 * Planks running left-right (the usual tabletop in product shots), each with its own tone,
 * ring pattern bent by low-frequency noise, streaky fibres, dark seams and one butt joint.
 */
function wood(rng: Rng, size: number): Field {
  const planks = 6 + Math.floor(rng() * 3);
  const plankHeight = size / planks;
  const warp = fbm(size, size, 2, 4, 3, rng);
  const fibre: Field = { data: new Float32Array(size * size), width: size, height: size };
  addValueNoise(fibre, 4, 96, 0.6, rng);
  addValueNoise(fibre, 8, 256, 0.4, rng);
  const tone = Array.from({ length: planks }, () => between(rng, -0.09, 0.09));
  const phase = Array.from({ length: planks }, () => rng());
  const rings = Array.from({ length: planks }, () => between(rng, 3, 6));
  const joint = Array.from({ length: planks }, () => Math.floor(rng() * size));
  const out = new Float32Array(size * size);
  for (let y = 0; y < size; y++) {
    const p = Math.min(planks - 1, Math.floor(y / plankHeight));
    const local = y / plankHeight - p;
    const seam = 1 - 0.32 * (1 - smoothstep(0, 1.6 / plankHeight, Math.min(local, 1 - local)));
    for (let x = 0; x < size; x++) {
      const i = y * size + x;
      const ring = 0.5 + 0.5 * Math.sin(2 * Math.PI * (local * rings[p] + warp.data[i] * 1.4 + phase[p]));
      const late = ring * ring * ring * ring;
      const jointShade = Math.abs(x - joint[p]) < 1.5 ? 0.72 : 1;
      out[i] = (1 + tone[p] - 0.12 * late + 0.1 * fibre.data[i]) * seam * jointShade;
    }
  }
  return { data: out, width: size, height: size };
}

/**
 * Carrara-style marble: veins run diagonally where a turbulence-bent sine crosses zero (the
 * classic procedural marble), with width and strength wandering along them, a soft grey halo
 * around each vein, fine hairline veins and faint clouding.
 */
function marble(rng: Rng, size: number): Field {
  const turbulence = fbm(size, size, 4, 4, 5, rng);
  const widthNoise = fbm(size, size, 3, 3, 2, rng);
  const strength = fbm(size, size, 2, 2, 3, rng);
  const cloud = fbm(size, size, 5, 5, 4, rng);
  const a = 2;
  const b = rng() < 0.5 ? 1 : -1;
  const phase = rng() * Math.PI * 2;
  const out = new Float32Array(size * size);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const i = y * size + x;
      const t = turbulence.data[i];
      // Integer cycles per tile keep the pattern tileable.
      const main = Math.abs(Math.sin((2 * Math.PI * (a * x + b * y)) / size + 3.2 * t + phase));
      const hairline = Math.abs(Math.sin((2 * Math.PI * (5 * x - 3 * y)) / size + 9 * t));
      const width = 0.02 + 0.07 * (0.5 + 0.5 * widthNoise.data[i]);
      const k = smoothstep(-0.35, 0.45, strength.data[i]);
      const vein = (1 - smoothstep(0, width, main)) * k;
      const halo = (1 - smoothstep(0, 0.55, main)) * (0.4 + 0.6 * k);
      const hair = (1 - smoothstep(0, 0.025, hairline)) * (1 - k);
      out[i] = 1 - 0.22 * vein - 0.07 * halo - 0.05 * hair + 0.04 * cloud.data[i];
    }
  }
  return { data: out, width: size, height: size };
}

/** Multi-scale mottling, fine sand and a sprinkle of pores. */
function concrete(rng: Rng, size: number): Field {
  const field = fbm(size, size, 6, 6, 6, rng);
  const out = field.data;
  for (let i = 0; i < out.length; i++) out[i] = 1 + 0.11 * out[i] + 0.035 * (rng() - 0.5);
  const pores = Math.floor(size * size * 0.0006);
  for (let n = 0; n < pores; n++) {
    const cx = Math.floor(rng() * size);
    const cy = Math.floor(rng() * size);
    const r = rng() < 0.8 ? 1 : 2;
    for (let dy = -r; dy <= r; dy++) {
      for (let dx = -r; dx <= r; dx++) {
        if (dx * dx + dy * dy > r * r) continue;
        const i = ((cy + dy + size) % size) * size + ((cx + dx + size) % size);
        out[i] *= 0.82;
      }
    }
  }
  return field;
}

/** Plain weave: alternating over/under threads plus slub noise along the threads. */
function fabric(rng: Rng, size: number): Field {
  const slub: Field = { data: new Float32Array(size * size), width: size, height: size };
  addValueNoise(slub, 8, 256, 0.5, rng);
  addValueNoise(slub, 256, 8, 0.5, rng);
  const out = new Float32Array(size * size);
  const period = 4;
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const over = (Math.floor(x / period) + Math.floor(y / period)) % 2 === 0;
      const along = over ? Math.sin((Math.PI * (y % period)) / period) : Math.sin((Math.PI * (x % period)) / period);
      out[y * size + x] = 0.94 + 0.07 * along + 0.04 * slub.data[y * size + x];
    }
  }
  return { data: out, width: size, height: size };
}

/** Seamless paper: barely-there fibres. */
function paper(rng: Rng, size: number): Field {
  const field = fbm(size, size, 8, 8, 5, rng);
  for (let i = 0; i < field.data.length; i++) field.data[i] = 1 + 0.035 * field.data[i];
  return field;
}

export function makeFloorTexture(material: FloorMaterial, rng: Rng, size = TEXTURE_SIZE): FloorTexture {
  const build = { wood, marble, concrete, fabric, paper }[material];
  const near = build(rng, size);
  return { near, far: boxBlurWrap(near, 2) };
}

const library = new Map<FloorMaterial, FloorTexture>();

/**
 * One tile per material for the life of the process (about 2 MB each), built from a fixed seed
 * on first use: generating a tile costs 20-30 ms, more than the rest of the backdrop. Seeds vary
 * how the tile is laid (offset, mirroring, scale), so results stay deterministic per seed
 * whether or not the tile was cached.
 */
export function floorTexture(material: FloorMaterial): FloorTexture {
  let texture = library.get(material);
  if (!texture) {
    texture = makeFloorTexture(material, mulberry32(0x7e57 + material.length * 131 + material.charCodeAt(0)));
    library.set(material, texture);
  }
  return texture;
}
