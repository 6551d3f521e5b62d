import { dilate, labelComponents } from './masks';
import { patternFill, patternShifts } from './pattern-fill';

/** Holes no thicker than this (px from edge to middle) are strokes: Telea fills them from their rim. */
const THIN_RADIUS = 5;
const OMEGA = 1.85;

interface OpenCv {
  Mat: { new (rows: number, cols: number, type: number): CvMat; new (): CvMat };
  CV_8UC1: number;
  CV_8UC3: number;
  INPAINT_TELEA: number;
  inpaint(src: CvMat, mask: CvMat, dst: CvMat, radius: number, flags: number): void;
}
interface CvMat {
  data: Uint8Array;
  delete(): void;
}

let opencv: Promise<{ cv: OpenCv }> | undefined;

/**
 * OpenCV's WASM build, loaded once on first use (~0.25 s). Wrapped in an object: the Emscripten
 * module has a `then` method, so resolving a promise with the module itself never settles.
 */
function loadOpenCv(): Promise<{ cv: OpenCv }> {
  opencv ??= (async () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const mod = require('@techstark/opencv-js') as OpenCv & { onRuntimeInitialized?: () => void };
    if (!mod.Mat) await new Promise<void>((resolve) => (mod.onRuntimeInitialized = resolve));
    return { cv: mod };
  })();
  return opencv;
}

/**
 * Fills the holes of an RGB image (hole = 1) so the background reads as if nothing had stood on
 * it. Thin holes (text strokes, outlines) go to OpenCV's Telea, which continues the rim's colour
 * and texture over a few pixels; wide ones (a product, a panel) get a harmonic fill, the smooth
 * membrane through their rim, which continues gradients exactly and never smears streaks into
 * the middle. A page that repeats (dots, stripes) is filled with its pattern instead.
 * Returns a new buffer; known pixels are untouched.
 */
export async function inpaint(rgb: Uint8Array, hole: Uint8Array, w: number, h: number): Promise<Uint8Array> {
  const out = Uint8Array.from(rgb);
  // A page of dots or stripes continues as its pattern: a smooth fill would leave flat patches.
  const shifts = patternShifts(rgb, hole, w, h);
  if (shifts && patternFill(out, hole, w, h, shifts)) return out;
  // Thick parts: what survives an erosion by THIN_RADIUS; their whole components are wide holes.
  const notHole = new Uint8Array(w * h);
  for (let i = 0; i < w * h; i++) notHole[i] = hole[i] ? 0 : 1;
  const core = dilate(notHole, w, h, THIN_RADIUS).map((v) => (v ? 0 : 1));
  const { labels, components } = labelComponents(hole, w, h);
  const wide = new Uint8Array(components.length + 1);
  for (let i = 0; i < w * h; i++) if (core[i] && labels[i]) wide[labels[i]] = 1;
  const thin = new Uint8Array(w * h);
  const thick = new Uint8Array(w * h);
  let anyThin = false;
  for (let i = 0; i < w * h; i++) {
    if (!labels[i]) continue;
    if (wide[labels[i]]) thick[i] = 1;
    else {
      thin[i] = 255;
      anyThin = true;
    }
  }
  if (anyThin) await telea(out, thin, w, h);
  harmonicFill(out, thick, w, h);
  return out;
}

async function telea(rgb: Uint8Array, mask: Uint8Array, w: number, h: number): Promise<void> {
  const { cv } = await loadOpenCv();
  const src = new cv.Mat(h, w, cv.CV_8UC3);
  const m = new cv.Mat(h, w, cv.CV_8UC1);
  const dst = new cv.Mat();
  try {
    src.data.set(rgb);
    m.data.set(mask);
    cv.inpaint(src, m, dst, 3, cv.INPAINT_TELEA);
    for (let i = 0; i < w * h; i++) if (mask[i]) for (let c = 0; c < 3; c++) rgb[i * 3 + c] = dst.data[i * 3 + c];
  } finally {
    src.delete();
    m.delete();
    dst.delete();
  }
}

/**
 * Laplace's equation over the hole with the known pixels as the boundary, coarse to fine: each
 * level starts from the coarser level's answer and relaxes it (SOR), so a 500 px hole needs tens
 * of sweeps per level instead of thousands at full resolution.
 */
export function harmonicFill(rgb: Uint8Array, hole: Uint8Array, w: number, h: number): void {
  let holes = 0;
  for (let i = 0; i < w * h; i++) holes += hole[i];
  if (holes === 0) return;
  const img = Float32Array.from(rgb);
  solveLevel(img, hole, w, h, 0);
  for (let i = 0; i < w * h; i++) if (hole[i]) for (let c = 0; c < 3; c++) rgb[i * 3 + c] = Math.max(0, Math.min(255, Math.round(img[i * 3 + c])));
}

function solveLevel(img: Float32Array, hole: Uint8Array, w: number, h: number, depth: number): void {
  const small = Math.max(w, h) <= 24 || depth > 10;
  if (!small) {
    // Mask-aware 2x downsample: a coarse pixel is known if any of its children is.
    const cw = Math.ceil(w / 2);
    const ch = Math.ceil(h / 2);
    const cImg = new Float32Array(cw * ch * 3);
    const cHole = new Uint8Array(cw * ch);
    for (let y = 0; y < ch; y++) {
      for (let x = 0; x < cw; x++) {
        let n = 0;
        const sum = [0, 0, 0];
        for (let dy = 0; dy < 2; dy++) {
          for (let dx = 0; dx < 2; dx++) {
            const sx = 2 * x + dx;
            const sy = 2 * y + dy;
            if (sx >= w || sy >= h || hole[sy * w + sx]) continue;
            n++;
            for (let c = 0; c < 3; c++) sum[c] += img[(sy * w + sx) * 3 + c];
          }
        }
        const p = y * cw + x;
        if (n === 0) cHole[p] = 1;
        else for (let c = 0; c < 3; c++) cImg[p * 3 + c] = sum[c] / n;
      }
    }
    solveLevel(cImg, cHole, cw, ch, depth + 1);
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const p = y * w + x;
        if (!hole[p]) continue;
        const q = Math.min(ch - 1, y >> 1) * cw + Math.min(cw - 1, x >> 1);
        for (let c = 0; c < 3; c++) img[p * 3 + c] = cImg[q * 3 + c];
      }
    }
  } else {
    let n = 0;
    const mean = [0, 0, 0];
    for (let i = 0; i < w * h; i++) {
      if (hole[i]) continue;
      n++;
      for (let c = 0; c < 3; c++) mean[c] += img[i * 3 + c];
    }
    for (let i = 0; i < w * h; i++) if (hole[i]) for (let c = 0; c < 3; c++) img[i * 3 + c] = n ? mean[c] / n : 0;
  }
  // The coarsest level solves from scratch; each finer one only smooths the upsampled answer.
  relax(img, hole, w, h, small ? 400 : [8, 16, 32][depth] ?? 60);
}

function relax(img: Float32Array, hole: Uint8Array, w: number, h: number, sweeps: number): void {
  const idx: number[] = [];
  for (let i = 0; i < w * h; i++) if (hole[i]) idx.push(i);
  // Each hole pixel's in-image 4-neighbours, found once (-1 past the edge).
  const nb = new Int32Array(idx.length * 4);
  idx.forEach((p, k) => {
    const x = p % w;
    nb[k * 4] = x > 0 ? p - 1 : -1;
    nb[k * 4 + 1] = x < w - 1 ? p + 1 : -1;
    nb[k * 4 + 2] = p >= w ? p - w : -1;
    nb[k * 4 + 3] = p < w * (h - 1) ? p + w : -1;
  });
  for (let s = 0; s < sweeps; s++) {
    for (let k = 0; k < idx.length; k++) {
      const v = idx[k] * 3;
      for (let c = 0; c < 3; c++) {
        let sum = 0;
        let n = 0;
        for (let j = 0; j < 4; j++) {
          const q = nb[k * 4 + j];
          if (q < 0) continue;
          sum += img[q * 3 + c];
          n++;
        }
        img[v + c] += OMEGA * (sum / n - img[v + c]);
      }
    }
  }
}
