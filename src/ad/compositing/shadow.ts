import type { Box } from '../../vision/image.types';

/** The product's alpha after scaling, and where its top-left corner sits on the canvas. */
export interface PlacedMatte {
  alpha: Uint8Array;
  width: number;
  height: number;
  x: number;
  y: number;
}

export interface ShadowInput {
  matte: PlacedMatte;
  /** Product bbox on the canvas. */
  box: Box;
  floorY: number;
  canvas: { width: number; height: number };
  /** Where the key light comes from; default upper left, as in most catalogue shots. */
  keyLight?: { x: number; y: number };
  /** A flat lay: seen from above, the shadow lies under the product, a short soft offset away from the light. */
  flat?: boolean;
}

export interface ShadowLayer {
  /** Canvas-size darkness, 0 (none) .. 255 (black). */
  alpha: Uint8Array;
  /** Bounding box of the non-zero alpha, to keep later loops small. */
  region: Box;
}

/** Cast shadow lies on the floor: its height is foreshortened to this share (camera ~20° down). */
const CAST_SQUASH = 0.3;
const CAST_OPACITY = 0.42;
const CONTACT_OPACITY = 0.85;
const FLAT_OPACITY = 0.4;
const OCCLUSION_OPACITY = 0.42;
/** Resolution divisor for the cast shadow, which is blurred anyway. */
const GRID = 2;

/** exp(-t²) for t in [0, 4), sampled: the contact and occlusion falloffs run per pixel. */
const BELL_STEPS = 256;
const BELL = Float32Array.from({ length: BELL_STEPS * 4 + 1 }, (_, i) => Math.exp(-((i / BELL_STEPS) ** 2)));
function bell(t: number): number {
  const i = Math.abs(t) * BELL_STEPS;
  return i >= BELL.length - 1 ? 0 : BELL[i | 0];
}

function matteAt(m: PlacedMatte, cx: number, cy: number): number {
  const x = cx - m.x;
  const y = cy - m.y;
  if (x < 0 || y < 0 || x >= m.width || y >= m.height) return 0;
  return m.alpha[y * m.width + x];
}

/**
 * Box blur whose radius varies by row (the penumbra widens with distance from the contact).
 * Both passes read a per-row radius, so each costs O(1) per pixel via running sums; outside
 * the grid counts as zero.
 */
function variableBlur(field: Float32Array, w: number, h: number, radius: Int32Array): void {
  const prefix = new Float32Array(Math.max(w, h) + 1);
  for (let y = 0; y < h; y++) {
    const row = y * w;
    for (let x = 0; x < w; x++) prefix[x + 1] = prefix[x] + field[row + x];
    const r = radius[y];
    const norm = 1 / (2 * r + 1);
    for (let x = 0; x < w; x++) field[row + x] = (prefix[Math.min(w, x + r + 1)] - prefix[Math.max(0, x - r)]) * norm;
  }
  const column = new Float32Array(h);
  for (let x = 0; x < w; x++) {
    for (let y = 0; y < h; y++) prefix[y + 1] = prefix[y] + field[y * w + x];
    for (let y = 0; y < h; y++) {
      const r = radius[y];
      column[y] = (prefix[Math.min(h, y + r + 1)] - prefix[Math.max(0, y - r)]) / (2 * r + 1);
    }
    for (let y = 0; y < h; y++) field[y * w + x] = column[y];
  }
}

/** 1-D box blur, zero outside, applied `passes` times (three passes ≈ Gaussian). */
function blur1d(values: Float32Array, radius: number, passes: number): Float32Array {
  let src = values;
  const n = values.length;
  for (let p = 0; p < passes; p++) {
    const out = new Float32Array(n);
    let sum = 0;
    for (let i = -radius; i <= radius; i++) sum += i >= 0 && i < n ? src[i] : 0;
    for (let i = 0; i < n; i++) {
      out[i] = sum / (2 * radius + 1);
      const add = i + radius + 1;
      const drop = i - radius;
      sum += (add < n ? src[add] : 0) - (drop >= 0 ? src[drop] : 0);
    }
    src = out;
  }
  return src;
}

/**
 * Three layers of darkness, all derived from the product's own matte:
 * - contact: the bottom silhouette (columns where the matte touches the floor line) as a thin,
 *   dark, horizontally softened line just behind the base;
 * - occlusion: the same columns, wider and softer (the floor near the base sees less sky);
 * - cast: the whole matte laid down on the floor away from the key light (sheared sideways,
 *   squashed to the floor's foreshortening), fading and blurring with height, like a real
 *   area-light penumbra.
 * They combine like stacked filters: 1 - (1-a)(1-b)(1-c).
 */
export function buildShadow(input: ShadowInput): ShadowLayer {
  const { matte, box, floorY, canvas } = input;
  const cw = canvas.width;
  const ch = canvas.height;
  const base = floorY;
  const productCx = box.x + box.width / 2;
  const light = input.keyLight ?? { x: productCx - cw, y: box.y - box.height };
  const dx = productCx - light.x;
  const dy = Math.max(1, base - light.y);
  // Shadow tip moves sideways away from the light by this much per unit of object height.
  const shear = Math.sign(dx || 1) * Math.min(0.8, Math.max(0.25, (Math.abs(dx) / dy) * 0.5));
  const ph = box.height;

  // Bottom silhouette: per column, how close the matte's lowest solid pixel comes to the floor
  // line. Flat bases give a full-strength line; round bottoms taper it into an ellipse-ish shape.
  const band = Math.max(3, Math.round(ph * 0.06));
  const contactPad = Math.max(3, Math.round(box.width * 0.03));
  const aoPad = Math.max(6, Math.round(box.width * 0.12));
  const cols = box.width + aoPad * 2;
  const touch = new Float32Array(cols);
  const touchY = new Float32Array(cols);
  for (let i = 0; i < box.width; i++) {
    for (let k = 1; k <= band; k++) {
      if (matteAt(matte, box.x + i, base - k) >= 128) {
        const t = 1 - (k - 1) / band;
        touch[i + aoPad] = t * t;
        touchY[i + aoPad] = t * t * (base - k + 1);
        break;
      }
    }
  }
  const contactRadius = Math.max(1, Math.round(contactPad / 2));
  const aoRadius = Math.max(2, Math.round(aoPad / 3));
  const contactCols = blur1d(touch, contactRadius, 3);
  const aoCols = blur1d(touch, aoRadius, 3);
  // Where the darkness sits per column: the touching bottom edge, smoothed along the base.
  const edgeY = blur1d(touchY, contactRadius, 3).map((v, i) => (contactCols[i] > 1e-4 ? v / contactCols[i] : base));
  const aoEdgeY = blur1d(touchY, aoRadius, 3).map((v, i) => (aoCols[i] > 1e-4 ? v / aoCols[i] : base));
  const contactH = Math.max(1.5, ph * 0.013);
  const aoH = Math.max(3, ph * 0.04);

  // Cast shadow grid (canvas region / GRID), padded for the widest blur.
  const flat = input.flat === true;
  const reach = flat ? 0 : ph * shear;
  // Flat lay: the whole silhouette, offset a little down and away from the light.
  const drop = { x: Math.round(Math.sign(dx || 1) * ph * 0.02), y: Math.round(ph * 0.035) };
  const maxRadius = Math.ceil((2 + ph * 0.06) / GRID);
  const pad = maxRadius * 2 * GRID + aoPad;
  const rx0 = Math.max(0, Math.floor(Math.min(box.x, box.x + reach) - pad - (flat ? Math.abs(drop.x) : 0)));
  const rx1 = Math.min(cw, Math.ceil(Math.max(box.x + box.width, box.x + box.width + reach) + pad + (flat ? Math.abs(drop.x) : 0)));
  const ry0 = Math.max(0, Math.floor(flat ? box.y - pad : base - ph * CAST_SQUASH - pad));
  const ry1 = Math.min(ch, Math.ceil(flat ? base + drop.y + pad : base + aoH * 3 + 2));
  const region: Box = { x: rx0, y: ry0, width: Math.max(0, rx1 - rx0), height: Math.max(0, ry1 - ry0) };
  const alpha = new Uint8Array(cw * ch);
  if (region.width === 0 || region.height === 0) return { alpha, region };

  const gw = Math.ceil(region.width / GRID) + 1;
  const gh = Math.ceil(region.height / GRID) + 1;
  const grid = new Float32Array(gw * gh);
  const radius = new Int32Array(gh);
  for (let gy = 0; gy < gh; gy++) {
    const y = ry0 + gy * GRID;
    if (flat) {
      radius[gy] = Math.min(maxRadius, Math.round((2 + ph * 0.03) / GRID));
      for (let gx = 0; gx < gw; gx++) grid[gy * gw + gx] = (matteAt(matte, rx0 + gx * GRID - drop.x, y - drop.y) / 255) * FLAT_OPACITY;
      continue;
    }
    const h = Math.max(0, (base - y) / CAST_SQUASH);
    radius[gy] = Math.min(maxRadius, Math.round((1 + h * 0.06) / GRID));
    if (h <= 0 || h > ph) continue;
    const fade = CAST_OPACITY * (1 - 0.6 * (h / ph));
    const sy = Math.round(base - h);
    const shift = Math.round(shear * h);
    for (let gx = 0; gx < gw; gx++) grid[gy * gw + gx] = (matteAt(matte, rx0 + gx * GRID - shift, sy) / 255) * fade;
  }
  variableBlur(grid, gw, gh, radius);
  variableBlur(grid, gw, gh, radius);

  for (let y = ry0; y < ry1; y++) {
    const gyf = (y - ry0) / GRID;
    const gy0 = Math.min(gh - 1, Math.floor(gyf));
    const gy1 = Math.min(gh - 1, gy0 + 1);
    const wy = gyf - gy0;
    const nearBase = y >= base - band - aoH * 3 && y <= base + aoH * 3;
    for (let x = rx0; x < rx1; x++) {
      const gxf = (x - rx0) / GRID;
      const gx0 = Math.min(gw - 1, Math.floor(gxf));
      const gx1 = Math.min(gw - 1, gx0 + 1);
      const wx = gxf - gx0;
      const top = grid[gy0 * gw + gx0] + (grid[gy0 * gw + gx1] - grid[gy0 * gw + gx0]) * wx;
      const bottom = grid[gy1 * gw + gx0] + (grid[gy1 * gw + gx1] - grid[gy1 * gw + gx0]) * wx;
      const cast = top + (bottom - top) * wy;
      let contact = 0;
      let ao = 0;
      const col = x - box.x + aoPad;
      if (nearBase && col >= 0 && col < cols) {
        // Centred a hair behind the visible edge, so most of it hides under the product and
        // only its soft lower half shows.
        const d = y - (edgeY[col] - contactH * 0.5);
        contact = CONTACT_OPACITY * contactCols[col] * bell(d / contactH);
        const e = y - (aoEdgeY[col] - aoH * 0.4);
        ao = OCCLUSION_OPACITY * aoCols[col] * bell(e / aoH);
      }
      const dark = 1 - (1 - cast) * (1 - contact) * (1 - ao);
      alpha[y * cw + x] = Math.round(Math.min(1, dark) * 255);
    }
  }
  return { alpha, region };
}
