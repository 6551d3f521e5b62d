import { describe, it } from 'node:test';
import { expect } from 'expect';
import { relativeLuminance } from '../../vision/color-math';
import type { TextBoxCandidate } from '../analysis/analysis.types';
import type { Rgb } from '../../vision/image.types';
import { backgroundOf, planTreatment, type TreatmentInput } from './contrast-treatment';

function candidate(mean: number, p10: number, p90: number, edgeDensity: number): TextBoxCandidate {
  return { box: { x: 0, y: 0, width: 500, height: 200 }, score: 1, position: 'top', meanColor: [128, 128, 128], meanLuminance: mean, edgeDensity, luminanceP10: p10, luminanceP90: p90 };
}

function input(c: TextBoxCandidate, extra: Partial<TreatmentInput> = {}): TreatmentInput {
  return { candidate: c, palette: [], order: ['shadow', 'panel', 'outline'], requested: null, textPreference: null, hue: null, ...extra };
}

/** Independent check: text against a layer blended over a grey of each extreme luminance. */
function contrastUnder(text: Rgb, layer: Rgb | null, alpha: number, bgLums: number[]): number {
  const lt = relativeLuminance(text);
  let worst = Infinity;
  for (const l of bgLums) {
    const v = Math.round(255 * (l <= 0.0031308 ? l * 12.92 : 1.055 * l ** (1 / 2.4) - 0.055));
    const bg = layer ? layer.map((c) => Math.round(c * alpha + v * (1 - alpha))) : [v, v, v];
    const lb = relativeLuminance(bg as Rgb);
    worst = Math.min(worst, (Math.max(lt, lb) + 0.05) / (Math.min(lt, lb) + 0.05));
  }
  return worst;
}

describe('planTreatment', () => {
  it('needs no treatment on a calm light or dark area', () => {
    const light = planTreatment(input(candidate(0.85, 0.8, 0.9, 0.01)));
    expect(light.treatment).toBe('none');
    expect(relativeLuminance(light.text)).toBeLessThan(0.05);
    expect(contrastUnder(light.text, null, 0, [0.8, 0.9])).toBeGreaterThanOrEqual(4.5);
    const dark = planTreatment(input(candidate(0.03, 0.02, 0.05, 0.01)));
    expect(dark.treatment).toBe('none');
    expect(relativeLuminance(dark.text)).toBeGreaterThan(0.8);
  });

  it('adds a halo on a calm mid-tone gradient where neither ink reaches 4.5', () => {
    const plan = planTreatment(input(candidate(0.2, 0.12, 0.32, 0.02)));
    expect(plan.treatment).toBe('shadow');
    expect(plan.contrast).toBeGreaterThanOrEqual(4.5);
    expect(contrastUnder(plan.text, plan.layer!.color, plan.layer!.alpha, [0.12, 0.2, 0.32])).toBeGreaterThanOrEqual(4.5);
  });

  it('puts busy areas on a panel whose blended colour gives >= 4.5', () => {
    const plan = planTreatment(input(candidate(0.3, 0.02, 0.85, 0.4)));
    expect(plan.treatment).toBe('panel');
    expect(plan.contrast).toBeGreaterThanOrEqual(4.5);
    expect(contrastUnder(plan.text, plan.layer!.color, plan.layer!.alpha, [0.02, 0.3, 0.85])).toBeGreaterThanOrEqual(4.5);
  });

  it('still separates text from texture with a halo when busy colours pass', () => {
    const plan = planTreatment(input(candidate(0.03, 0.01, 0.06, 0.35)));
    expect(plan.treatment).toBe('shadow');
    expect(plan.contrast).toBeGreaterThanOrEqual(4.5);
  });

  it('honours a requested treatment and a white-text wish', () => {
    const panel = planTreatment(input(candidate(0.85, 0.8, 0.9, 0.01), { requested: 'panel' }));
    expect(panel.treatment).toBe('panel');
    expect(panel.contrast).toBeGreaterThanOrEqual(4.5);
    const white = planTreatment(input(candidate(0.85, 0.8, 0.9, 0.01), { textPreference: 'light' }));
    expect(relativeLuminance(white.text)).toBeGreaterThan(0.8);
    expect(white.treatment).not.toBe('none');
    expect(white.contrast).toBeGreaterThanOrEqual(4.5);
  });

  it('keeps a desired gold on red behind a dark halo instead of bleaching it', () => {
    const gold: Rgb = [201, 160, 78];
    const plan = planTreatment(input(candidate(0.1, 0.08, 0.13, 0.01), { desired: gold, order: ['outline', 'shadow', 'panel'] }));
    expect(plan.text).toEqual(gold);
    expect(plan.treatment).toBe('outline');
    expect(contrastUnder(gold, plan.layer!.color, plan.layer!.alpha, [0.08, 0.1, 0.13])).toBeGreaterThanOrEqual(4.5);
  });

  it('guesses a wider spread for busy areas when percentiles are missing', () => {
    const calm = backgroundOf({ ...candidate(0.5, 0, 0, 0), luminanceP10: undefined, luminanceP90: undefined });
    const busy = backgroundOf({ ...candidate(0.5, 0, 0, 0.5), luminanceP10: undefined, luminanceP90: undefined });
    expect(busy.p90 - busy.p10).toBeGreaterThan(calm.p90 - calm.p10);
  });
});
