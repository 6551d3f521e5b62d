import type { Box, Rgb } from '../../vision/image.types';
import type { FitSpec } from '../renderer/renderer.types';
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
  /** 'designed': an LLM's own CSS, checked on the rendered pixels rather than planned. */
  treatment: 'none' | 'shadow' | 'outline' | 'panel' | 'designed';
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
