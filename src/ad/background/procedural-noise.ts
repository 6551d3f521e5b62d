/**
 * Seeded randomness and tileable noise fields for the procedural backdrop. Everything here is
 * plain arithmetic on typed arrays, so one seed gives the same bytes on every run.
 */

export type Rng = () => number;

/** mulberry32: a tiny, well-mixed 32-bit PRNG (public domain, Tommy Ettinger). Returns [0, 1). */
export function mulberry32(seed: number): Rng {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Uniform in [lo, hi). */
export function between(rng: Rng, lo: number, hi: number): number {
  return lo + (hi - lo) * rng();
}

export interface Field {
  data: Float32Array;
  width: number;
  height: number;
}

function smooth(t: number): number {
  return t * t * (3 - 2 * t);
}

/**
 * Adds `amplitude` × value noise to `out`: random values on a cellsX × cellsY lattice that wraps
 * around, smoothstep-interpolated. Wrapping makes the field tile, so the floor texture can repeat
 * without seams. Anisotropic lattices (cellsX ≠ cellsY) give streaks, e.g. wood fibres.
 */
export function addValueNoise(out: Field, cellsX: number, cellsY: number, amplitude: number, rng: Rng): void {
  const { data, width, height } = out;
  const lattice = new Float32Array(cellsX * cellsY);
  for (let i = 0; i < lattice.length; i++) lattice[i] = rng() * 2 - 1;
  const x0 = new Int32Array(width);
  const x1 = new Int32Array(width);
  const wx = new Float32Array(width);
  for (let x = 0; x < width; x++) {
    const fx = (x * cellsX) / width;
    const ix = Math.floor(fx);
    x0[x] = ix % cellsX;
    x1[x] = (ix + 1) % cellsX;
    wx[x] = smooth(fx - ix);
  }
  for (let y = 0; y < height; y++) {
    const fy = (y * cellsY) / height;
    const iy = Math.floor(fy);
    const wy = smooth(fy - iy);
    const r0 = (iy % cellsY) * cellsX;
    const r1 = ((iy + 1) % cellsY) * cellsX;
    const row = y * width;
    for (let x = 0; x < width; x++) {
      const a = lattice[r0 + x0[x]];
      const b = lattice[r0 + x1[x]];
      const c = lattice[r1 + x0[x]];
      const d = lattice[r1 + x1[x]];
      const top = a + (b - a) * wx[x];
      const bottom = c + (d - c) * wx[x];
      data[row + x] += amplitude * (top + (bottom - top) * wy);
    }
  }
}

/** Fractal (fBm) value noise in roughly [-1, 1]: octaves double the lattice and halve the weight. */
export function fbm(width: number, height: number, cellsX: number, cellsY: number, octaves: number, rng: Rng): Field {
  const field: Field = { data: new Float32Array(width * height), width, height };
  let amplitude = 0.5;
  for (let o = 0; o < octaves; o++) {
    const scale = 1 << o;
    addValueNoise(field, Math.min(width, cellsX * scale), Math.min(height, cellsY * scale), amplitude, rng);
    amplitude *= 0.5;
  }
  return field;
}

/** Separable box blur with wrap-around (keeps a tile tileable). Running sums: O(1) per pixel. */
export function boxBlurWrap(src: Field, radius: number): Field {
  const { width, height } = src;
  if (radius < 1) return { width, height, data: Float32Array.from(src.data) };
  const tmp = new Float32Array(width * height);
  const out = new Float32Array(width * height);
  const norm = 1 / (2 * radius + 1);
  for (let y = 0; y < height; y++) {
    const row = y * width;
    let sum = 0;
    for (let k = -radius; k <= radius; k++) sum += src.data[row + ((k + width) % width)];
    for (let x = 0; x < width; x++) {
      tmp[row + x] = sum * norm;
      sum += src.data[row + ((x + radius + 1) % width)] - src.data[row + ((x - radius + width) % width)];
    }
  }
  for (let x = 0; x < width; x++) {
    let sum = 0;
    for (let k = -radius; k <= radius; k++) sum += tmp[((k + height) % height) * width + x];
    for (let y = 0; y < height; y++) {
      out[y * width + x] = sum * norm;
      sum += tmp[((y + radius + 1) % height) * width + x] - tmp[((y - radius + height) % height) * width + x];
    }
  }
  return { width, height, data: out };
}

/** Hermite step between edges a < b. */
export function smoothstep(a: number, b: number, x: number): number {
  const t = x <= a ? 0 : x >= b ? 1 : (x - a) / (b - a);
  return t * t * (3 - 2 * t);
}
