import type { Box, Rgb } from '../image.types';
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
  treatment: 'none' | 'shadow' | 'outline' | 'panel';
  designer: string;
}

export interface LayoutDesigner {
  readonly id: string;
  design(request: LayoutRequest): Promise<LayoutResult>;
}

export const LAYOUT_DESIGNER = Symbol('LAYOUT_DESIGNER');
