/**
 * O(N) building blocks for the matte refinement: a box mean whose cost does not depend on the
 * radius, block-average downsampling, bilinear sampling of a downsampled plane, and the tiles
 * that hold a matte's soft pixels. Planes are single-channel Float32Array, row-major. Hot loops
 * are monomorphic and allocation-free (no per-pixel callbacks, no typed-array map): a 4096x4096
 * photo is 16.7 M pixels per plane.
 */

/**
 * Mean over the (2r+1)x(2r+1) window clipped to the image, i.e. normalised by the number of
 * pixels actually inside it. Clipping instead of padding keeps borders unbiased (a zero pad would
 * pull a matte towards transparent along the frame) and makes a box over a sub-region exact for
 * every pixel whose window lies inside that region, which the tiled code relies on. Separable: a
 * horizontal running sum into `tmp`, then a vertical running sum kept per column in a Float64
 * row, which walks memory in row order and does not drift the way a float32 running sum would.
 * `out` may be `src`; `tmp` must be a third array of at least w*h.
 */
export function boxMean(
  src: Float32Array,
  w: number,
  h: number,
  r: number,
  out: Float32Array = new Float32Array(w * h),
  tmp: Float32Array = new Float32Array(w * h),
): Float32Array {
  if (r < 1) {
    if (out !== src) out.set(src.subarray(0, w * h));
    return out;
  }
  const invFull = 1 / (2 * r + 1);
  for (let y = 0; y < h; y++) {
    const base = y * w;
    let sum = 0;
    for (let x = 0; x <= Math.min(r, w - 1); x++) sum += src[base + x];
    for (let x = 0; x < w; x++) {
      const lo = x - r;
      const hi = x + r;
      tmp[base + x] = lo >= 0 && hi < w ? sum * invFull : sum / (Math.min(hi, w - 1) - Math.max(lo, 0) + 1);
      if (hi + 1 < w) sum += src[base + hi + 1];
      if (lo >= 0) sum -= src[base + lo];
    }
  }
  const acc = new Float64Array(w);
  for (let y = 0; y <= Math.min(r, h - 1); y++) {
    const base = y * w;
    for (let x = 0; x < w; x++) acc[x] += tmp[base + x];
  }
  for (let y = 0; y < h; y++) {
    const inv = 1 / (Math.min(y + r, h - 1) - Math.max(y - r, 0) + 1);
    const base = y * w;
    for (let x = 0; x < w; x++) out[base + x] = acc[x] * inv;
    const add = y + r + 1;
    const sub = y - r;
    if (add < h) {
      const b = add * w;
      for (let x = 0; x < w; x++) acc[x] += tmp[b + x];
    }
    if (sub >= 0) {
      const b = sub * w;
      for (let x = 0; x < w; x++) acc[x] -= tmp[b + x];
    }
  }
  return out;
}

/** Block means of a photo (RGB in 0..1), of a matte (0..1) and optionally of RGB * matte. */
export interface BlockMeans {
  w: number;
  h: number;
  s: number;
  rgb: [Float32Array, Float32Array, Float32Array];
  alpha: Float32Array;
  rgbAlpha?: [Float32Array, Float32Array, Float32Array];
}

/**
 * Block-average downsampling by an integer factor s, all planes in one pass over the photo (the
 * full-resolution pass is what costs on large photos). Partial edge blocks average what they have.
 */
export function blockMeans(
  rgb: Uint8Array,
  channels: number,
  alpha: Uint8Array,
  w: number,
  h: number,
  s: number,
  weighted: boolean,
): BlockMeans {
  const sw = Math.ceil(w / s);
  const sh = Math.ceil(h / s);
  const n = sw * sh;
  const planes = (): [Float32Array, Float32Array, Float32Array] => [new Float32Array(n), new Float32Array(n), new Float32Array(n)];
  const [r, g, b] = planes();
  const a = new Float32Array(n);
  const [ra, ga, ba] = weighted ? planes() : [r, g, b];
  const col = new Int32Array(w);
  for (let x = 0; x < w; x++) col[x] = Math.floor(x / s);
  const k = 1 / 255;
  for (let y = 0; y < h; y++) {
    const rowBase = Math.floor(y / s) * sw;
    for (let x = 0; x < w; x++) {
      const i = y * w + x;
      const o = i * channels;
      const j = rowBase + col[x];
      const av = alpha[i] * k;
      const rv = rgb[o] * k;
      const gv = rgb[o + 1] * k;
      const bv = rgb[o + 2] * k;
      r[j] += rv;
      g[j] += gv;
      b[j] += bv;
      a[j] += av;
      if (weighted) {
        ra[j] += rv * av;
        ga[j] += gv * av;
        ba[j] += bv * av;
      }
    }
  }
  const all = weighted ? [r, g, b, a, ra, ga, ba] : [r, g, b, a];
  for (let by = 0; by < sh; by++) {
    const rows = Math.min(s, h - by * s);
    for (let bx = 0; bx < sw; bx++) {
      const inv = 1 / (rows * Math.min(s, w - bx * s));
      for (const plane of all) plane[by * sw + bx] *= inv;
    }
  }
  return { w: sw, h: sh, s, rgb: [r, g, b], alpha: a, ...(weighted ? { rgbAlpha: [ra, ga, ba] } : {}) };
}

/** Precomputed bilinear taps along one axis, pixel-centre aligned: x_small = (x + 0.5) / s - 0.5. */
export interface Axis {
  i0: Int32Array;
  i1: Int32Array;
  f: Float32Array;
}

export function bilinearAxis(n: number, nSmall: number, s: number): Axis {
  const i0 = new Int32Array(n);
  const i1 = new Int32Array(n);
  const f = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const pos = Math.min(Math.max((i + 0.5) / s - 0.5, 0), nSmall - 1);
    i0[i] = Math.floor(pos);
    i1[i] = Math.min(i0[i] + 1, nSmall - 1);
    f[i] = pos - i0[i];
  }
  return { i0, i1, f };
}

/** Bilinear sample of a plane shrunk by s, at full-resolution pixel (x, y). */
export function bilerp(plane: Float32Array, sw: number, ax: Axis, ay: Axis, x: number, y: number): number {
  const r0 = ay.i0[y] * sw;
  const r1 = ay.i1[y] * sw;
  const x0 = ax.i0[x];
  const x1 = ax.i1[x];
  const fx = ax.f[x];
  const top = plane[r0 + x0] + (plane[r0 + x1] - plane[r0 + x0]) * fx;
  const bottom = plane[r1 + x0] + (plane[r1 + x1] - plane[r1 + x0]) * fx;
  return top + (bottom - top) * ay.f[y];
}

/*
 * Tiles: where a matte is neither 0 nor 255. Both refinement steps only change pixels near the
 * product's outline: elsewhere the guided filter returns the (constant) mask and the foreground
 * estimate returns the photo. On a product photo that outline band is a few percent of the
 * pixels, so working tile by tile on the band instead of on whole planes is what makes a 4096 px
 * photo take a fraction of a second in plain JavaScript, while staying exact (see boxMean).
 */

export const TILE = 64;

export interface TileGrid {
  size: number;
  cols: number;
  rows: number;
  /** 1 where the tile must be processed. */
  flags: Uint8Array;
}

/** Tiles holding at least one pixel strictly between 0 and 255. */
export function partialTiles(matte: Uint8Array, w: number, h: number, size = TILE): TileGrid {
  const cols = Math.ceil(w / size);
  const rows = Math.ceil(h / size);
  const flags = new Uint8Array(cols * rows);
  for (let y = 0; y < h; y++) {
    const rowBase = Math.floor(y / size) * cols;
    const base = y * w;
    for (let x = 0; x < w; x++) {
      const v = matte[base + x];
      if (v !== 0 && v !== 255) flags[rowBase + Math.floor(x / size)] = 1;
    }
  }
  return { size, cols, rows, flags };
}

/** Grows the flagged area by `margin` pixels (rounded up to whole tiles). */
export function dilateTiles(grid: TileGrid, margin: number): TileGrid {
  const n = Math.ceil(margin / grid.size);
  if (n <= 0) return grid;
  const { cols, rows } = grid;
  const flags = new Uint8Array(cols * rows);
  for (let ty = 0; ty < rows; ty++) {
    for (let tx = 0; tx < cols; tx++) {
      if (!grid.flags[ty * cols + tx]) continue;
      for (let y = Math.max(0, ty - n); y <= Math.min(rows - 1, ty + n); y++) {
        for (let x = Math.max(0, tx - n); x <= Math.min(cols - 1, tx + n); x++) flags[y * cols + x] = 1;
      }
    }
  }
  return { ...grid, flags };
}

export interface Rect {
  x0: number;
  y0: number;
  /** Exclusive. */
  x1: number;
  y1: number;
}

/** The flagged tiles' rectangles, clipped to the image. */
export function flaggedRects(grid: TileGrid, w: number, h: number): Rect[] {
  const rects: Rect[] = [];
  for (let ty = 0; ty < grid.rows; ty++) {
    for (let tx = 0; tx < grid.cols; tx++) {
      if (!grid.flags[ty * grid.cols + tx]) continue;
      const x0 = tx * grid.size;
      const y0 = ty * grid.size;
      rects.push({ x0, y0, x1: Math.min(w, x0 + grid.size), y1: Math.min(h, y0 + grid.size) });
    }
  }
  return rects;
}
