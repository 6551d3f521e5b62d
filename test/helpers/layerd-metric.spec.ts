import { describe, it } from 'node:test';
import { expect } from 'expect';
import { aggregateLevels, depthGroups, dtwPath, layerdScores, type MetricLayer, over, rgbL1, softAlphaIou } from './layerd-metric';

const W = 20;
const H = 20;

/** A layer with one colour inside a rectangle (the whole canvas when no rectangle is given). */
function rect(color: [number, number, number], box?: [number, number, number, number], alpha = 255): MetricLayer {
  const rgba = new Uint8Array(W * H * 4);
  const [x0, y0, x1, y1] = box ?? [0, 0, W, H];
  for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) rgba.set([...color, alpha], (y * W + x) * 4);
  return { rgba };
}

describe('LayerD metric port', () => {
  it('scores identical decompositions as perfect and stops: no merge can help', () => {
    const layers = [rect([200, 200, 200]), rect([255, 0, 0], [2, 2, 10, 10]), rect([0, 0, 255], [6, 6, 16, 16])];
    const levels = layerdScores(layers, layers.map((l) => ({ rgba: l.rgba.slice() })));
    expect(levels).toEqual([{ edits: 0, cost: 0, rgbL1: 0, alphaIou: 1 }]);
  });

  it('forgives a layer the prediction left merged after one merge of the truth, and not before', () => {
    const [bg, a, b] = [rect([200, 200, 200]), rect([255, 0, 0], [2, 2, 10, 10]), rect([0, 0, 255], [6, 6, 16, 16])];
    const levels = layerdScores([bg, over(a, b)], [bg, a, b]);
    expect(levels[0].cost).toBeGreaterThan(0.1);
    expect(levels.at(-1)).toMatchObject({ cost: 0, rgbL1: 0, alphaIou: 1 });
    expect(levels.length).toBe(2);
  });

  it('counts colour only where the truth has alpha, and alpha softly', () => {
    const truth = rect([100, 100, 100], [0, 0, 10, 20]);
    const pred = rect([151, 100, 100], [0, 0, 20, 20], 128);
    expect(rgbL1(pred, truth)).toBeCloseTo(51 / 3 / 255, 6);
    expect(softAlphaIou(pred, truth)).toBeCloseTo((200 * 128) / (200 * 255 + 200 * 128), 6);
    expect(softAlphaIou(rect([0, 0, 0], [0, 0, 0, 0]), rect([0, 0, 0], [0, 0, 0, 0]))).toBe(0);
  });

  it('groups layers that do not overlap into one depth group, back to front', () => {
    const layers = [rect([1, 1, 1]), rect([2, 2, 2], [0, 0, 5, 5]), rect([3, 3, 3], [10, 10, 15, 15]), rect([4, 4, 4], [3, 3, 12, 12])];
    expect(depthGroups(layers)).toEqual([[0], [1, 2], [3]]);
  });

  it('aligns by dynamic time warping, and over() keeps the bottom where the top is clear', () => {
    expect(dtwPath([[0, 1, 1], [1, 0, 1], [1, 1, 0]])).toEqual([[0, 0], [1, 1], [2, 2]]);
    expect(dtwPath([[0, 1], [0, 1], [1, 0]])).toEqual([[0, 0], [1, 0], [2, 1]]);
    const half = over(rect([0, 0, 0]), rect([255, 255, 255], [0, 0, 1, 1], 128));
    expect([...half.rgba.subarray(0, 4)]).toEqual([128, 128, 128, 255]);
    expect([...half.rgba.subarray(4, 8)]).toEqual([0, 0, 0, 255]);
  });

  it('aggregates levels with a stopped sample counting at its last scores', () => {
    const one = [{ edits: 0, cost: 0.2, rgbL1: 0.1, alphaIou: 0.7 }];
    const two = [{ edits: 0, cost: 0.4, rgbL1: 0.3, alphaIou: 0.5 }, { edits: 1, cost: 0, rgbL1: 0.1, alphaIou: 0.9 }];
    const agg = aggregateLevels([one, two]);
    expect(agg.map((l) => l.edits)).toEqual([0, 1]);
    expect(agg[1].cost).toBeCloseTo(0.1, 9);
    expect(agg[1].alphaIou).toBeCloseTo(0.8, 9);
  });
});
