import { describe, it } from 'node:test';
import { expect } from 'expect';
import type { AnalyzeRequest, ImageAnalysis, TextBoxCandidate } from './analysis.types';
import { reconcile } from './vision-analyzer';

const W = 1000;
const H = 1000;
const candidate = (position: TextBoxCandidate['position'], y: number, luminance: number): TextBoxCandidate => ({
  box: { x: 100, y, width: 800, height: 120 },
  score: 1,
  position,
  meanColor: [200, 200, 200],
  meanLuminance: luminance,
  edgeDensity: 0.05,
  luminanceP10: luminance,
  luminanceP90: luminance,
});

const base: ImageAnalysis = {
  width: W,
  height: H,
  palette: [],
  luminanceGrid: [],
  edgeGrid: [],
  productBox: { x: 300, y: 350, width: 400, height: 450 },
  safeZone: { x: 50, y: 50, width: 900, height: 900 },
  candidates: [candidate('bottom', 820, 0.8), candidate('top', 80, 0.8)],
  textColor: [20, 20, 20],
  contrast: 12,
  description: 'embedded',
  provider: 'embedded',
};
const request: AnalyzeRequest = { image: { data: Buffer.alloc(W * H * 3), width: W, height: H, channels: 3 }, position: 'auto' };
const answer = (regions: Array<[number, number, number, number]>, color = '#101010', position: 'top' | 'center' | 'bottom' = 'top') => ({
  scene: 'a table',
  mood: 'calm',
  dominant_colors: ['#ffffff', 'nope'],
  free_regions: regions.map(([x, y, width, height]) => ({ x, y, width, height })),
  text_position: position,
  text_color: color,
});

describe('reconcile (vision answer vs measured analysis)', () => {
  it('puts first the candidate the kept region overlaps, and takes a colour that reaches AA', () => {
    const out = reconcile(base, answer([[0.1, 0.08, 0.8, 0.12]]), request, 'qwen');
    expect(out.candidates[0].position).toBe('top');
    expect(out.textColor).toEqual([16, 16, 16]);
    expect(out.vision).toMatchObject({ used: true, accepted: [{ x: 100, y: 80, width: 800, height: 120 }], rejected: [], dominantColors: ['#ffffff'] });
    expect(out.provider).toBe('vision:qwen');
  });

  it('rejects regions on the product or outside the safe zone, then follows the suggested position', () => {
    const out = reconcile(base, answer([[0.3, 0.4, 0.3, 0.3], [0, 0, 1, 0.04]], '#101010', 'top'), request, 'qwen');
    expect(out.vision?.rejected?.map((r) => r.why)).toEqual([expect.stringMatching(/covers the product/), expect.stringMatching(/inside the text-safe zone/)]);
    expect(out.candidates[0].position).toBe('top');
    expect(out.vision?.notes.join(' ')).toMatch(/no free region passed the checks/);
  });

  it('keeps the measured colour when the suggested one is unreadable there, and says so', () => {
    const out = reconcile(base, answer([[0.1, 0.8, 0.8, 0.14]], '#eeeeee'), request, 'qwen');
    expect(out.textColor).toEqual(base.textColor);
    expect(out.vision?.notes.join(' ')).toMatch(/#eeeeee reaches 1\.\d+:1 there, under 4\.5/);
  });
});
