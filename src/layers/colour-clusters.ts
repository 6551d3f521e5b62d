import { dist } from './ink-separation';

/** Colours a poster's thumbnail is clustered into (shape detection). */
export const CLUSTERS = 8;

/**
 * Each cluster's members (0/1 over the thumbnail), and for a cluster spread wider than a flat
 * shape is, its two halves as well: eight colours for a whole poster can put dark panels and the
 * dark page they stand on in one cluster, which is then neither flat nor a shape. Split only
 * into two colours each spread under 1.5 `flatStd` and `minStep` apart (a photo's halves are not).
 */
export function withSplits(thumb: Float32Array, assignment: Uint8Array, n: number, flatStd: number, minStep: number): Array<{ member: Uint8Array; split: boolean }> {
  const sets: Array<{ member: Uint8Array; split: boolean }> = [];
  for (let k = 0; k < CLUSTERS; k++) {
    const at: number[] = [];
    for (let t = 0; t < n; t++) if (assignment[t] === k) at.push(t);
    sets.push({ member: membersOf(at, n), split: false });
    if (at.length < 0.02 * n) continue;
    const points = new Float32Array(at.length * 3);
    at.forEach((t, i) => points.set(thumb.subarray(t * 3, t * 3 + 3), i * 3));
    if (spreadOf(points).spread <= flatStd) continue;
    // Split only into two flat colours a step apart (a photo's halves are neither).
    const assigned = kmeans(points, at.length, 2);
    const halves = [0, 1].map((half) => at.flatMap((t, i) => (assigned[i] === half ? [i] : [])));
    const stats = halves.map((idx) => spreadOf(Float32Array.from(idx.flatMap((i) => [points[i * 3], points[i * 3 + 1], points[i * 3 + 2]]))));
    if (stats.some((st) => st.spread > 1.5 * flatStd) || dist(stats[0].mean, 0, stats[1].mean, 0) < minStep) continue;
    for (const idx of halves) sets.push({ member: membersOf(idx.map((i) => at[i]), n), split: true });
  }
  return sets;
}

/** The mean colour of RGB points and their spread (RMS distance from it). */
function spreadOf(points: Float32Array): { mean: number[]; spread: number } {
  const n = Math.max(1, points.length / 3);
  const mean = [0, 1, 2].map((c) => {
    let sum = 0;
    for (let i = c; i < points.length; i += 3) sum += points[i];
    return sum / n;
  });
  let sq = 0;
  for (let i = 0; i < points.length; i += 3) sq += dist(points, i, mean, 0) ** 2;
  return { mean, spread: Math.sqrt(sq / n) };
}

function membersOf(at: number[], n: number): Uint8Array {
  const member = new Uint8Array(n);
  for (const t of at) member[t] = 1;
  return member;
}

/** Deterministic k-means on RGB points: farthest-point seeding, 10 rounds. */
export function kmeans(points: Float32Array, n: number, k: number): Uint8Array {
  const centers = new Float64Array(k * 3);
  centers.set(points.subarray(0, 3));
  // Squared distance to the nearest of the first `count` centres; its index in `found`.
  let found = 0;
  const nearest = (i: number, count: number): number => {
    let bestD = Infinity;
    for (let j = 0; j < count; j++) {
      const dr = points[i * 3] - centers[j * 3];
      const dg = points[i * 3 + 1] - centers[j * 3 + 1];
      const db = points[i * 3 + 2] - centers[j * 3 + 2];
      const d = dr * dr + dg * dg + db * db;
      if (d < bestD) {
        bestD = d;
        found = j;
      }
    }
    return bestD;
  };
  for (let count = 1; count < k; count++) {
    let [best, bestD] = [0, -1];
    for (let i = 0; i < n; i++) {
      const d = nearest(i, count);
      if (d > bestD) [best, bestD] = [i, d];
    }
    centers.set(points.subarray(best * 3, best * 3 + 3), count * 3);
  }
  const assignment = new Uint8Array(n);
  for (let round = 0; round < 10; round++) {
    const sums = new Float64Array(k * 4);
    for (let i = 0; i < n; i++) {
      nearest(i, k);
      const best = found;
      assignment[i] = best;
      for (let c = 0; c < 3; c++) sums[best * 4 + c] += points[i * 3 + c];
      sums[best * 4 + 3]++;
    }
    for (let j = 0; j < k; j++) if (sums[j * 4 + 3]) for (let c = 0; c < 3; c++) centers[j * 3 + c] = sums[j * 4 + c] / sums[j * 4 + 3];
  }
  return assignment;
}
