import type { CutoutCheck, FidelityCheck, TextCheck } from './quality-checks';
import type { ColorCheck } from './backdrop-colors';

/** The product's detail sharpness in the final over the photo's, each in its own pixels. */
export interface SharpnessCheck {
  source: number;
  final: number;
  ratio: number;
  /** The product's scale on the canvas (above 1: enlarged). */
  scale: number;
  /** The enlargement was held back to stay sharp (the placement left more room instead). */
  capped: boolean;
  ok: boolean;
}

/** How the camera saw the product, and the set it was given for it. */
export interface ViewLine {
  estimated: string;
  confidence: number;
  forced: boolean;
  set: string;
}

export type ClipCheck =
  | { skipped: false; model: string; prompt: string; cosine: number; clipScore: number; interpretation: string; testModel: boolean }
  | { skipped: true; reason: string };

/** What a user can act on about one finished ad: each line says whether to trust it and why. */
export interface QualityReport {
  verdict: 'good' | 'check';
  /** Plain sentences for what needs a look; empty when all is well. */
  issues: string[];
  cutout: CutoutCheck | null;
  productFidelity: FidelityCheck | null;
  text: TextCheck | null;
  clip: ClipCheck;
  /** Null when the product was not enlarged from a photo (a supplied product shot, no detail to measure). */
  sharpness: SharpnessCheck | null;
  /** Null when the prompt named no colour. */
  colors: ColorCheck | null;
  view: ViewLine | null;
}

export function summarize(parts: Omit<QualityReport, 'verdict' | 'issues'>): QualityReport {
  const issues: string[] = [];
  if (parts.cutout && parts.cutout.verdict !== 'good') {
    issues.push(`The cutout's edge is uncertain (confidence ${parts.cutout.confidence}): check it around hair, glass or a background of the product's colour.`);
  }
  if (parts.productFidelity && !parts.productFidelity.unchanged) {
    issues.push(`Product pixels changed (max difference ${parts.productFidelity.maxDelta}): the product should reach the ad untouched.`);
  }
  if (parts.text && !parts.text.contrastOk) issues.push(`The copy's contrast is ${parts.text.contrast}:1, under the 4.5:1 WCAG minimum.`);
  if (parts.text && !parts.text.insideSafeZone) issues.push('The copy reaches outside the placement\'s safe zone, where platform buttons may cover it.');
  if (parts.text?.overlapsProduct) issues.push(`The copy covers ${Math.round(parts.text.productOverlap * 100)}% of its box over the product.`);
  if (parts.sharpness && !parts.sharpness.ok) {
    issues.push(`The product is enlarged ${parts.sharpness.scale.toFixed(2)}x and keeps ${Math.round(parts.sharpness.ratio * 100)}% of the photo's sharpness: a larger photo would look crisper.`);
  }
  if (parts.colors && !parts.colors.ok) {
    const accent = parts.colors.accent ? `, ${parts.colors.accent} on ${Math.round((parts.colors.accentShare ?? 0) * 100)}%` : '';
    issues.push(`The backdrop shows the asked ${parts.colors.first} on ${Math.round(parts.colors.firstShare * 100)}% of its area${accent}: not the colours asked for.`);
  }
  return { verdict: issues.length ? 'check' : 'good', issues, ...parts };
}

/**
 * Orders two variants' reports, better first (negative when `a` is better): fewer issues, then
 * the higher CLIP agreement with the brief where a model scored both, then the copy's higher
 * contrast (capped at 7:1, WCAG AAA, past which more does not read better). A missing report
 * (the stage did not run) ranks last.
 */
export function compareReports(a: QualityReport | undefined, b: QualityReport | undefined): number {
  if (!a || !b) return (a ? 0 : 1) - (b ? 0 : 1);
  if (a.issues.length !== b.issues.length) return a.issues.length - b.issues.length;
  if (!a.clip.skipped && !b.clip.skipped && a.clip.cosine !== b.clip.cosine) return b.clip.cosine - a.clip.cosine;
  const contrast = (r: QualityReport) => Math.min(7, r.text?.contrast ?? 0);
  return contrast(b) - contrast(a);
}
