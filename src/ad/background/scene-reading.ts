import { relativeLuminanceOf } from '../analysis/raster-stats';
import type { RawImage } from '../../vision/image.types';

/** Rows and columns of the thumbnail the scene is read on: cheap, and smooths texture away. */
const SIDE = 96;
/** The brightest share of the upper scene is taken as the light, if it stands out this much. */
const LIGHT_SHARE = 0.03;
const LIGHT_MIN_LIFT = 0.12;
/** A wall/floor boundary: a colour step this large (0..255, RGB distance) across most columns. */
const FLOOR_MIN_STEP = 24;
const FLOOR_MIN_COLUMNS = 0.6;

export interface SceneReading {
  /** Where the light comes from, canvas pixels (the centroid of the brightest upper area). */
  keyLight?: { x: number; y: number };
  /** The back edge of the floor: the row where the wall meets it, canvas pixels. */
  floorLine?: number;
}

interface Thumb {
  rgb: Float32Array;
  w: number;
  h: number;
}

function thumbnail(image: RawImage): Thumb {
  const { width, height, channels, data } = image;
  const w = Math.min(SIDE, width);
  const h = Math.max(1, Math.round((w * height) / width));
  const rgb = new Float32Array(w * h * 3);
  const count = new Float32Array(w * h);
  for (let y = 0; y < height; y++) {
    const ty = Math.min(h - 1, Math.floor((y * h) / height));
    for (let x = 0; x < width; x++) {
      const t = ty * w + Math.min(w - 1, Math.floor((x * w) / width));
      const i = (y * width + x) * channels;
      rgb[t * 3] += data[i];
      rgb[t * 3 + 1] += data[i + 1];
      rgb[t * 3 + 2] += data[i + 2];
      count[t]++;
    }
  }
  for (let t = 0; t < w * h; t++) for (let c = 0; c < 3; c++) rgb[t * 3 + c] /= count[t] || 1;
  return { rgb, w, h };
}

/**
 * Reads what a generated scene offers the composite: where its light comes from (so the cast
 * shadow falls away from the window or lamp the model painted) and where its floor begins (so
 * the product stands on the floor, not against the wall). Either is left out when the picture
 * does not show it clearly: the compositor's defaults are better than a guess.
 */
export function readScene(image: RawImage): SceneReading {
  const thumb = thumbnail(image);
  const sx = image.width / thumb.w;
  const sy = image.height / thumb.h;
  const light = findLight(thumb);
  const floor = findFloorLine(thumb);
  return {
    ...(light ? { keyLight: { x: Math.round((light.x + 0.5) * sx), y: Math.round((light.y + 0.5) * sy) } } : {}),
    ...(floor !== undefined ? { floorLine: Math.round(floor * sy) } : {}),
  };
}

function findLight({ rgb, w, h }: Thumb): { x: number; y: number } | undefined {
  const rows = Math.max(1, Math.round(h * 0.7));
  const lum: Array<{ l: number; x: number; y: number }> = [];
  for (let y = 0; y < rows; y++) {
    for (let x = 0; x < w; x++) {
      const t = (y * w + x) * 3;
      lum.push({ l: relativeLuminanceOf(Math.round(rgb[t]), Math.round(rgb[t + 1]), Math.round(rgb[t + 2])), x, y });
    }
  }
  lum.sort((a, b) => b.l - a.l);
  const top = lum.slice(0, Math.max(1, Math.round(lum.length * LIGHT_SHARE)));
  const median = lum[lum.length >> 1].l;
  const floorOfTop = top[top.length - 1].l;
  if (floorOfTop - median < LIGHT_MIN_LIFT) return undefined; // evenly lit: no direction to read
  const sum = top.reduce((acc, p) => ({ x: acc.x + p.x, y: acc.y + p.y }), { x: 0, y: 0 });
  return { x: sum.x / top.length, y: sum.y / top.length };
}

/**
 * The row between 35% and 95% of the height with the largest colour step between the band
 * above and the band below it, if that step is large and runs across most columns (a boundary,
 * not a lamp or a plant). Returns the row in thumbnail pixels.
 */
function findFloorLine({ rgb, w, h }: Thumb): number | undefined {
  const band = Math.max(2, Math.round(h * 0.04));
  const mean = (x: number, y0: number, y1: number, c: number) => {
    let s = 0;
    for (let y = y0; y < y1; y++) s += rgb[(y * w + x) * 3 + c];
    return s / (y1 - y0);
  };
  let best: { y: number; step: number; share: number } | undefined;
  for (let y = Math.max(band, Math.round(h * 0.35)); y <= Math.min(h - band, Math.round(h * 0.95)); y++) {
    let total = 0;
    let across = 0;
    for (let x = 0; x < w; x++) {
      const d = Math.hypot(...[0, 1, 2].map((c) => mean(x, y - band, y, c) - mean(x, y, y + band, c)));
      total += d;
      if (d >= FLOOR_MIN_STEP) across++;
    }
    const step = total / w;
    if (!best || step > best.step) best = { y, step, share: across / w };
  }
  return best && best.step >= FLOOR_MIN_STEP && best.share >= FLOOR_MIN_COLUMNS ? best.y : undefined;
}
