import type { Box } from './image.types';

export interface Component {
  /** 1-based label in `labels`. */
  id: number;
  area: number;
  box: Box;
}

/**
 * 8-connected components of the non-zero pixels of a mask, with their areas and boxes. One pass
 * with a stack (no recursion), so it is fine on 4k masks.
 */
export function labelComponents(mask: Uint8Array, w: number, h: number): { labels: Int32Array; components: Component[] } {
  const labels = new Int32Array(w * h);
  const components: Component[] = [];
  const stack = new Int32Array(w * h);
  for (let start = 0; start < w * h; start++) {
    if (!mask[start] || labels[start]) continue;
    const id = components.length + 1;
    let top = 0;
    stack[top++] = start;
    labels[start] = id;
    let area = 0;
    let x0 = w, y0 = h, x1 = 0, y1 = 0;
    while (top > 0) {
      const p = stack[--top];
      const x = p % w;
      const y = (p - x) / w;
      area++;
      if (x < x0) x0 = x;
      if (x > x1) x1 = x;
      if (y < y0) y0 = y;
      if (y > y1) y1 = y;
      for (let dy = -1; dy <= 1; dy++) {
        const ny = y + dy;
        if (ny < 0 || ny >= h) continue;
        for (let dx = -1; dx <= 1; dx++) {
          const nx = x + dx;
          if (nx < 0 || nx >= w) continue;
          const q = ny * w + nx;
          if (mask[q] && !labels[q]) {
            labels[q] = id;
            stack[top++] = q;
          }
        }
      }
    }
    components.push({ id, area, box: { x: x0, y: y0, width: x1 - x0 + 1, height: y1 - y0 + 1 } });
  }
  return { labels, components };
}

/** The pixels set in any of the masks (n pixels each). */
export function unionOf(masks: Uint8Array[], n: number): Uint8Array {
  const out = new Uint8Array(n);
  for (const m of masks) for (let i = 0; i < n; i++) out[i] |= m[i];
  return out;
}

/** Square dilation by `r` pixels (separable max), 0/1 in and out. */
export function dilate(mask: Uint8Array, w: number, h: number, r: number): Uint8Array {
  if (r <= 0) return mask.slice();
  const tmp = new Uint8Array(w * h);
  const out = new Uint8Array(w * h);
  for (let y = 0; y < h; y++) {
    let last = -Infinity;
    // Distance to the nearest set pixel on the left, then on the right.
    for (let x = 0; x < w; x++) {
      if (mask[y * w + x]) last = x;
      if (x - last <= r) tmp[y * w + x] = 1;
    }
    last = Infinity;
    for (let x = w - 1; x >= 0; x--) {
      if (mask[y * w + x]) last = x;
      if (last - x <= r) tmp[y * w + x] = 1;
    }
  }
  for (let x = 0; x < w; x++) {
    let last = -Infinity;
    for (let y = 0; y < h; y++) {
      if (tmp[y * w + x]) last = y;
      if (y - last <= r) out[y * w + x] = 1;
    }
    last = Infinity;
    for (let y = h - 1; y >= 0; y--) {
      if (tmp[y * w + x]) last = y;
      if (last - y <= r) out[y * w + x] = 1;
    }
  }
  return out;
}

/** The mask with every enclosed hole filled: what the border cannot reach through unset pixels. */
export function fillHoles(mask: Uint8Array, w: number, h: number): Uint8Array {
  const outside = new Uint8Array(w * h);
  const stack: number[] = [];
  const seed = (p: number) => {
    if (!mask[p] && !outside[p]) {
      outside[p] = 1;
      stack.push(p);
    }
  };
  for (let x = 0; x < w; x++) {
    seed(x);
    seed((h - 1) * w + x);
  }
  for (let y = 0; y < h; y++) {
    seed(y * w);
    seed(y * w + w - 1);
  }
  while (stack.length) {
    const p = stack.pop()!;
    const x = p % w;
    if (x > 0) seed(p - 1);
    if (x < w - 1) seed(p + 1);
    if (p >= w) seed(p - w);
    if (p < w * (h - 1)) seed(p + w);
  }
  const out = new Uint8Array(w * h);
  for (let i = 0; i < w * h; i++) out[i] = outside[i] ? 0 : 1;
  return out;
}

/** Bounding box and count of pixels with alpha >= 128. */
export function opaqueBox(matte: Uint8Array, w: number, h: number): { box: Box | null; count: number } {
  let minX = w;
  let minY = h;
  let maxX = -1;
  let maxY = -1;
  let count = 0;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      if (matte[y * w + x] < 128) continue;
      count++;
      if (x < minX) minX = x;
      if (x > maxX) maxX = x;
      if (y < minY) minY = y;
      if (y > maxY) maxY = y;
    }
  }
  const box = maxX < 0 ? null : { x: minX, y: minY, width: maxX - minX + 1, height: maxY - minY + 1 };
  return { box, count };
}

/**
 * Pixels a matte is unsure of (alpha 26-229) per pixel it calls the subject (alpha >= 128). A
 * crisp product outline keeps it to a thin edge, a few hundredths; a model torn between two
 * subjects (or none) leaves wide soft regions and it grows several-fold.
 */
export function unsureShare(matte: Uint8Array | Buffer): number {
  let unsure = 0;
  let subject = 0;
  for (let i = 0; i < matte.length; i++) {
    const v = matte[i];
    if (v >= 128) subject++;
    if (v > 25 && v < 230) unsure++;
  }
  return unsure / Math.max(1, subject);
}

/**
 * Connected parts (8-connected, alpha >= 128) of a matte holding at least `share` of its opaque
 * pixels: specks do not count. A single product is one part; a look that cut a band out of it is
 * two or more.
 */
export function significantParts(matte: Uint8Array | Buffer, w: number, h: number, share = 0.01): number {
  const solid = new Uint8Array(w * h);
  let total = 0;
  for (let i = 0; i < solid.length; i++) {
    if (matte[i] < 128) continue;
    solid[i] = 1;
    total++;
  }
  return labelComponents(solid, w, h).components.filter((c) => c.area >= share * total).length;
}

/** Intersection over union of two masks thresholded at `threshold` (1 when both are empty). */
export function maskIoU(a: Uint8Array | Buffer, b: Uint8Array | Buffer, threshold = 128): number {
  if (a.length !== b.length) throw new Error(`masks differ in size: ${a.length} vs ${b.length}`);
  let inter = 0;
  let union = 0;
  for (let i = 0; i < a.length; i++) {
    const ia = a[i] >= threshold;
    const ib = b[i] >= threshold;
    if (ia && ib) inter++;
    if (ia || ib) union++;
  }
  return union === 0 ? 1 : inter / union;
}
