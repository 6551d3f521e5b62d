import type { Box, Rgb } from '../../vision/image.types';
import type { FitSpec } from '../../renderer/renderer.types';
import type { ImageAnalysis } from '../analysis/analysis.types';

export interface LayoutRequest {
  analysis: ImageAnalysis;
  copy: string;
  stylePrompt: string;
  position: 'auto' | 'top' | 'center' | 'bottom';
  /** From the font catalog: @font-face rules and the CSS family stack to use. */
  fontCss: string;
  fontStack: string;
  width: number;
  height: number;
  /** Contrast the treatment is planned for; above 4.5 only after a render measured short of it. */
  contrastTarget?: number;
}

export interface LayoutResult {
  /** A complete HTML document, transparent background, no scripts. */
  html: string;
  /** Where the copy block sits on the canvas. */
  box: Box;
  fit: FitSpec;
  /** Selectors the renderer measures / probes for fonts (the copy block and its lines). */
  measure: string[];
  preset: string;
  headline: string;
  subline: string;
  textColor: Rgb;
  /** WCAG contrast of the text against the local background after any treatment. */
  contrast: number;
  /** True when `contrast` was measured on the rendered glyphs, false when planned from the background's statistics. */
  contrastMeasured: boolean;
  /** 'designed': an LLM's own CSS, checked on the rendered pixels rather than planned. */
  treatment: 'none' | 'shadow' | 'outline' | 'panel' | 'designed';
  /** Where the copy went, against where it was asked to go, and why (result text.position). */
  position: { requested: LayoutRequest['position']; used: 'top' | 'center' | 'bottom' | 'left' | 'right'; why: string };
  designer: string;
  /** How an LLM design went, when one was asked for: each attempt's failed checks, and why the template took over. */
  design?: DesignRecord;
}

export interface DesignRecord {
  model: string;
  attempts: Array<{ reasons: string[]; removed: string[] }>;
  fallback?: string;
}

export interface LayoutDesigner {
  readonly id: string;
  design(request: LayoutRequest): Promise<LayoutResult>;
}

export const LAYOUT_DESIGNER = Symbol('LAYOUT_DESIGNER');
