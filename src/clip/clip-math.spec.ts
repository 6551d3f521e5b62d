import { describe, it } from 'node:test';
import { expect } from 'expect';
import { clipScoreOf, CLIP_SCORE_WEIGHT, cosineOfUnit, l2NormalizeRows, scoreMatrix } from './clip-math';

const norm = (v: Float64Array) => Math.sqrt(v.reduce((s, x) => s + x * x, 0));

describe('CLIP score arithmetic', () => {
  it('CLIP-S is 2.5 * max(cos, 0) (Hessel et al., 2021)', () => {
    expect(CLIP_SCORE_WEIGHT).toBe(2.5);
    for (const cos of [-1, -0.3, 0, 0.123, 0.3, 1]) expect(clipScoreOf(cos)).toBeCloseTo(2.5 * Math.max(cos, 0), 12);
  });

  it('scales every row to unit length and leaves an all-zero row at zero instead of NaN', () => {
    const rows = l2NormalizeRows(Float32Array.from([3, 4, 0, 0, 0, 0, -2, 0, 0]), 3, 3);
    expect(norm(rows[0])).toBeCloseTo(1, 12);
    expect([...rows[0]]).toEqual([0.6, 0.8, 0].map((x) => expect.closeTo(x, 6)));
    expect([...rows[1]]).toEqual([0, 0, 0]);
    expect([...rows[2]]).toEqual([-1, 0, 0]);
  });

  it('keeps cosines of unit vectors inside [-1, 1] despite rounding', () => {
    const [a] = l2NormalizeRows(Float32Array.from([0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7]), 1, 7);
    expect(cosineOfUnit(a, a)).toBeLessThanOrEqual(1);
    expect(cosineOfUnit(a, a)).toBeCloseTo(1, 12);
    expect(cosineOfUnit(a, a.map((x) => -x))).toBeCloseTo(-1, 12);
  });

  it('builds scores[image][prompt] with matching CLIP-S', () => {
    const images = l2NormalizeRows(Float32Array.from([1, 0, 0, 1]), 2, 2);
    const texts = l2NormalizeRows(Float32Array.from([1, 1, -1, 0, 0, 1]), 3, 2);
    const scores = scoreMatrix(images, texts);
    expect(scores).toHaveLength(2);
    expect(scores[0]).toHaveLength(3);
    expect(scores[0][0].cosine).toBeCloseTo(Math.SQRT1_2, 12);
    expect(scores[0][1]).toEqual({ cosine: -1, clipScore: 0 });
    expect(scores[1][2]).toEqual({ cosine: 1, clipScore: 2.5 });
  });
});
