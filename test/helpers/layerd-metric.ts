/**
 * LayerD's layer-decomposition metric (Suzuki et al., ICCV 2025), ported for the bench and the
 * tests: both decompositions are grouped into depth groups (layers that do not overlap share a
 * group), the groups are aligned by dynamic time warping on a cost of RGB L1 and soft alpha IoU,
 * and up to `maxEdits` greedy merges of neighbouring groups (on either side) are applied, the
 * scores being recorded after each. Layers are full-canvas straight-alpha RGBA of one size.
 */

/** One RGBA plane; an object so that scores can be cached per pair of layers. */
export interface MetricLayer {
  rgba: Uint8Array;
}

export interface LevelScores {
  edits: number;
  /** (RGB L1 + (1 - alpha IoU)) / 2 over the aligned pairs: lower is better. */
  cost: number;
  rgbL1: number;
  alphaIou: number;
}

/** Porter-Duff "over" of straight-alpha RGBA, as PIL's alpha_composite: where top is clear, bottom. */
export function over(bottom: MetricLayer, top: MetricLayer): MetricLayer {
  const [b, t] = [bottom.rgba, top.rgba];
  const out = new Uint8Array(b.length);
  for (let i = 0; i < b.length; i += 4) {
    const ta = t[i + 3] / 255;
    if (ta === 0) {
      out.set(b.subarray(i, i + 4), i);
      continue;
    }
    const ba = (b[i + 3] / 255) * (1 - ta);
    const oa = ta + ba;
    for (let c = 0; c < 3; c++) out[i + c] = Math.round((t[i + c] * ta + b[i + c] * ba) / oa);
    out[i + 3] = Math.round(oa * 255);
  }
  return { rgba: out };
}

/** Mean absolute RGB difference (0-1) where the truth's alpha is above zero. */
export function rgbL1(pred: MetricLayer, truth: MetricLayer): number {
  const [p, g] = [pred.rgba, truth.rgba];
  let sum = 0;
  let n = 0;
  for (let i = 0; i < g.length; i += 4) {
    if (g[i + 3] === 0) continue;
    sum += Math.abs(p[i] - g[i]) + Math.abs(p[i + 1] - g[i + 1]) + Math.abs(p[i + 2] - g[i + 2]);
    n++;
  }
  return n === 0 ? 0 : sum / (3 * 255 * n);
}

/** Soft IoU of two alpha planes: sum of minima over sum of maxima (0 when both are empty, as LayerD). */
export function softAlphaIou(a: MetricLayer, b: MetricLayer): number {
  let inter = 0;
  let union = 0;
  for (let i = 3; i < a.rgba.length; i += 4) {
    inter += Math.min(a.rgba[i], b.rgba[i]);
    union += Math.max(a.rgba[i], b.rgba[i]);
  }
  return union === 0 ? 0 : inter / union;
}

/**
 * Depth groups, back to front: repeatedly the layers no later layer overlaps (alpha > 0) are
 * taken off the top as one group.
 */
export function depthGroups(layers: MetricLayer[]): number[][] {
  const groups: number[][] = [];
  let remaining = layers.map((_, i) => i);
  const overlaps = (a: number, b: number) => {
    const [x, y] = [layers[a].rgba, layers[b].rgba];
    for (let i = 3; i < x.length; i += 4) if (x[i] > 0 && y[i] > 0) return true;
    return false;
  };
  while (remaining.length) {
    const top = remaining.filter((target, k) => !remaining.slice(k + 1).some((other) => overlaps(target, other)));
    groups.push(top);
    remaining = remaining.filter((i) => !top.includes(i));
  }
  return groups.reverse();
}

/** The DTW path (pairs of indices, from (0, 0) to the ends) over a cost matrix, ties going diagonal first. */
export function dtwPath(cost: number[][]): Array<[number, number]> {
  const n = cost.length;
  const m = cost[0].length;
  const acc = cost.map((row) => [...row]);
  for (let i = 1; i < n; i++) acc[i][0] += acc[i - 1][0];
  for (let j = 1; j < m; j++) acc[0][j] += acc[0][j - 1];
  for (let i = 1; i < n; i++) for (let j = 1; j < m; j++) acc[i][j] += Math.min(acc[i - 1][j], acc[i][j - 1], acc[i - 1][j - 1]);
  let [i, j] = [n - 1, m - 1];
  const path: Array<[number, number]> = [[i, j]];
  while (i > 0 || j > 0) {
    if (i === 0) j--;
    else if (j === 0) i--;
    else {
      const [diag, up, left] = [acc[i - 1][j - 1], acc[i - 1][j], acc[i][j - 1]];
      if (diag <= up && diag <= left) [i, j] = [i - 1, j - 1];
      else if (up <= diag && up <= left) i--;
      else j--;
    }
    path.push([i, j]);
  }
  return path.reverse();
}

/** The scorer: caches each pair's RGB L1 and alpha IoU, since merges re-score the same layers. */
class PairScores {
  private readonly cache = new WeakMap<MetricLayer, WeakMap<MetricLayer, { l1: number; iou: number }>>();

  of(pred: MetricLayer, truth: MetricLayer): { l1: number; iou: number } {
    let row = this.cache.get(pred);
    if (!row) this.cache.set(pred, (row = new WeakMap()));
    let hit = row.get(truth);
    if (!hit) row.set(truth, (hit = { l1: rgbL1(pred, truth), iou: softAlphaIou(pred, truth) }));
    return hit;
  }

  cost(pred: MetricLayer, truth: MetricLayer): number {
    const { l1, iou } = this.of(pred, truth);
    return (l1 + (1 - iou)) / 2;
  }
}

/**
 * The best merge of neighbours i, i+1 of `ls` against what each is aligned with in `gts`, scored
 * as LayerD does: the similarity (1 - cost) the merged layer (and the layer after it) would reach
 * against the two groups of matched truths, less what the pair reaches now.
 */
function bestMerge(ls: MetricLayer[], gts: MetricLayer[], pairs: Array<[number, number]>, s: PairScores): { at: number; gain: number } | null {
  if (ls.length <= 2) return null;
  const sim = (a: MetricLayer, group: MetricLayer[]) => group.reduce((sum, g) => sum + 1 - s.cost(a, g), 0);
  let best: { at: number; gain: number } | null = null;
  for (let i = 0; i < ls.length - 1; i++) {
    const merged = over(ls[i], ls[i + 1]);
    const groups = [pairs.filter((p) => p[0] === i).map((p) => gts[p[1]]), pairs.filter((p) => p[0] === i + 1).map((p) => gts[p[1]])];
    const now = sim(ls[i], groups[0]) + sim(ls[i + 1], groups[1]);
    const candidates = [merged, ...(i + 2 < ls.length ? [ls[i + 2]] : [])].flatMap((c) => groups.map((g) => sim(c, g)));
    const after = candidates.length > 1 ? Math.max(...candidates.slice(1).map((d) => d + candidates[0])) : candidates[0];
    if (after > now && (!best || after - now > best.gain)) best = { at: i, gain: after - now };
  }
  return best;
}

function align(pred: MetricLayer[], truth: MetricLayer[], s: PairScores): { pairs: Array<[number, number]>; scores: Omit<LevelScores, 'edits'> } {
  const pairs = dtwPath(pred.map((p) => truth.map((g) => s.cost(p, g))));
  const mean = (f: (p: MetricLayer, g: MetricLayer) => number) => pairs.reduce((sum, [i, j]) => sum + f(pred[i], truth[j]), 0) / pairs.length;
  return {
    pairs,
    scores: { cost: mean((p, g) => s.cost(p, g)), rgbL1: mean((p, g) => s.of(p, g).l1), alphaIou: mean((p, g) => s.of(p, g).iou) },
  };
}

/** Scores after 0, 1, ... up to `maxEdits` merges (fewer when no merge helps any more). */
export function layerdScores(pred: MetricLayer[], truth: MetricLayer[], maxEdits = 5): LevelScores[] {
  const grouped = (layers: MetricLayer[]) => depthGroups(layers).map((g) => g.map((i) => layers[i]).reduce((a, b) => over(a, b)));
  let [ls, gts] = [grouped(pred), grouped(truth)];
  const s = new PairScores();
  let { pairs, scores } = align(ls, gts, s);
  const results: LevelScores[] = [{ edits: 0, ...scores }];
  for (let edits = 1; edits <= maxEdits; edits++) {
    const onPred = bestMerge(ls, gts, pairs, s);
    const onTruth = bestMerge(gts, ls, pairs.map(([i, j]) => [j, i]), s);
    if (!onPred && !onTruth) break;
    const mergeAt = (layers: MetricLayer[], at: number) => [...layers.slice(0, at), over(layers[at], layers[at + 1]), ...layers.slice(at + 2)];
    if (onPred && (!onTruth || onPred.gain > onTruth.gain)) ls = mergeAt(ls, onPred.at);
    else gts = mergeAt(gts, onTruth!.at);
    ({ pairs, scores } = align(ls, gts, s));
    results.push({ edits, ...scores });
  }
  return results;
}

/** LayerD's aggregation: at each edit level, a sample that stopped earlier counts with its last scores. */
export function aggregateLevels(samples: LevelScores[][]): LevelScores[] {
  const levels = Math.max(0, ...samples.map((r) => r.length));
  return Array.from({ length: levels }, (_, k) => {
    const at = samples.map((r) => r[Math.min(k, r.length - 1)]);
    const mean = (key: keyof Omit<LevelScores, 'edits'>) => at.reduce((sum, r) => sum + r[key], 0) / at.length;
    return { edits: k, cost: mean('cost'), rgbL1: mean('rgbL1'), alphaIou: mean('alphaIou') };
  });
}
