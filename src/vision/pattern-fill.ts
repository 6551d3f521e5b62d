/** Shifts in any direction up to this far (px) are tried, and along the axes up to AXIS_REACH. */
const REACH = 24;
/**
 * A design exported at a scale has cells of a fractional size (22.6 px): no short shift repeats
 * it exactly, but some multiple of the cell along an axis is nearly whole (5 x 22.6 = 113).
 */
const AXIS_REACH = 256;
/** Pixels sampled to score each shift. */
const SAMPLES = 2000;
/** A page whose typical shifted difference is below this (grey levels) is flat, not a pattern (faint dots on navy are 4). */
const MIN_TEXTURE = 1.5;
/** A shift repeats the pattern when it differs by less than this share of the typical shift. */
const REPEATS = 0.25;

/**
 * The shifts under which a page repeats itself (dots, stripes, a check), most exact first; null
 * when it does not. Scored on known pixels only (`hole` = 1 is unknown): the mean grey difference
 * between a pixel and the pixel one shift away. A pattern is there when some shift of 6 px or
 * more repeats it while half of it does not (a dip, where a photo only grows smoother up close).
 */
export function patternShifts(rgb: Uint8Array, hole: Uint8Array, w: number, h: number): Array<[number, number]> | null {
  if (w < 64 || h < 64) return null;
  const grey = new Float32Array(w * h);
  for (let p = 0; p < w * h; p++) grey[p] = (rgb[p * 3] + rgb[p * 3 + 1] + rgb[p * 3 + 2]) / 3;
  const samples: number[] = [];
  let seed = 0x9e3779b9;
  for (let tries = 0; tries < SAMPLES * 8 && samples.length < SAMPLES; tries++) {
    seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
    const p = seed % (w * h);
    if (!hole[p]) samples.push(p);
  }
  if (samples.length < SAMPLES / 4) return null;
  const score = (dx: number, dy: number) => {
    let [sum, n] = [0, 0];
    for (const p of samples) {
      const [x, y] = [(p % w) + dx, Math.floor(p / w) + dy];
      if (x < 0 || y < 0 || x >= w || y >= h || hole[y * w + x]) continue;
      sum += Math.abs(grey[p] - grey[y * w + x]);
      n++;
    }
    return n > samples.length / 8 ? sum / n : Infinity;
  };
  const scores = new Map<string, number>();
  const scored = (dx: number, dy: number) => {
    const key = `${dx},${dy}`;
    if (!scores.has(key)) scores.set(key, score(dx, dy));
    return scores.get(key)!;
  };
  const candidates: Array<[number, number]> = [];
  for (let dy = -REACH; dy <= REACH; dy++) for (let dx = -REACH; dx <= REACH; dx++) if (dx || dy) candidates.push([dx, dy]);
  for (let s = REACH + 1; s <= AXIS_REACH; s++) candidates.push([s, 0], [-s, 0], [0, s], [0, -s]);
  const near = candidates.filter(([dx, dy]) => Math.abs(dx) <= REACH && Math.abs(dy) <= REACH).map(([dx, dy]) => scored(dx, dy));
  const finite = near.filter(Number.isFinite).sort((a, b) => a - b);
  const typical = finite[finite.length >> 1];
  if (!(typical >= MIN_TEXTURE)) return null;
  const limit = REPEATS * typical;
  const shifts: Array<[number, number]> = [];
  let dips = false;
  for (const [dx, dy] of candidates) {
    const s = scored(dx, dy);
    if (!(s < limit) || Math.hypot(dx, dy) < 3) continue;
    shifts.push([dx, dy]);
    if (Math.hypot(dx, dy) >= 6 && scored(Math.round(dx / 2), Math.round(dy / 2)) > Math.max(MIN_TEXTURE, 4 * s)) dips = true;
  }
  // The fill copies from what it has filled: an inexact shift would drift across stripes hop by
  // hop, so the most exact shifts go first, the nearest among equals.
  const rank = ([dx, dy]: [number, number]) => Math.round(scored(dx, dy) * 4) * 1e4 + Math.hypot(dx, dy);
  return dips ? shifts.sort((a, b) => rank(a) - rank(b)) : null;
}

/**
 * Fills the hole by copying the pattern from one repeat away: in reading order from shifts that
 * look back (up, or left on the same row), whose source is known or already filled; what that
 * leaves (the top rows) in reverse order from shifts that look ahead. In place; returns false
 * (and leaves nothing changed) if some pixel had no source.
 */
export function patternFill(rgb: Uint8Array, hole: Uint8Array, w: number, h: number, shifts: Array<[number, number]>): boolean {
  const out = Uint8Array.from(rgb);
  const left = Uint8Array.from(hole);
  const back = shifts.filter(([dx, dy]) => dy < 0 || (dy === 0 && dx < 0));
  const ahead = back.map(([dx, dy]) => [-dx, -dy] as [number, number]);
  const pass = (order: Array<[number, number]>, reverse: boolean) => {
    for (let k = 0; k < w * h; k++) {
      const p = reverse ? w * h - 1 - k : k;
      if (!left[p]) continue;
      const [x, y] = [p % w, Math.floor(p / w)];
      for (const [dx, dy] of order) {
        const [sx, sy] = [x + dx, y + dy];
        if (sx < 0 || sy < 0 || sx >= w || sy >= h || left[sy * w + sx]) continue;
        const q = sy * w + sx;
        for (let c = 0; c < 3; c++) out[p * 3 + c] = out[q * 3 + c];
        left[p] = 0;
        break;
      }
    }
  };
  pass(back, false);
  pass(ahead, true);
  if (left.some((v) => v)) return false;
  rgb.set(out);
  return true;
}
