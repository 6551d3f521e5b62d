import type { AspectPreset, Box, Rgb } from '../../vision/image.types';

export interface TextBoxCandidate {
  box: Box;
  /** Higher is better: calm, large, clear of the product, inside the safe zone. */
  score: number;
  position: 'top' | 'center' | 'bottom' | 'left' | 'right';
  meanColor: Rgb;
  meanLuminance: number;
  /** Share of edge pixels: 0 calm .. 1 busy. */
  edgeDensity: number;
  /**
   * 10th / 90th percentile relative luminance of the area: the darkest and brightest parts text
   * must still read against. Optional: providers that cannot measure them leave them out.
   */
  luminanceP10?: number;
  luminanceP90?: number;
}

/** What analysis of a Stage 1 image yields; a vision-model provider returns the same shape. */
export interface ImageAnalysis {
  width: number;
  height: number;
  palette: Array<{ color: Rgb; share: number }>;
  /** 3x3 grids, row-major, top-left first. */
  luminanceGrid: number[];
  edgeGrid: number[];
  productBox: Box | null;
  safeZone: Box;
  candidates: TextBoxCandidate[];
  /** Suggested text colour for the best candidate and its WCAG contrast there. */
  textColor: Rgb;
  contrast: number;
  description: string;
  provider: string;
  /** What a vision model proposed, what the checks kept, and why the rest was not used. */
  vision?: VisionReading;
}

export interface VisionReading {
  model: string;
  /** false: the call failed (notes say how) and the embedded analysis stands alone. */
  used: boolean;
  scene?: string;
  mood?: string;
  dominantColors?: string[];
  suggestedPosition?: 'top' | 'center' | 'bottom';
  /** Free regions (canvas pixels) that passed: clear of the product, inside the safe zone. */
  accepted?: Box[];
  rejected?: Array<{ box: Box; why: string }>;
  notes: string[];
}

export interface AnalyzeRequest {
  /** 3 channels, canvas size. */
  image: { data: Buffer; width: number; height: number; channels: 3 };
  /** Canvas-size 1-channel product mask when known (Stage 1 ran in this job). */
  productMask?: { data: Buffer; width: number; height: number; channels: 1 };
  productBox?: Box | null;
  preset?: AspectPreset;
  position: 'auto' | 'top' | 'center' | 'bottom';
  /** false: leave a configured vision model out (`use_qwen_analysis: false`). */
  useVision?: boolean;
  signal?: AbortSignal;
}

export interface ImageAnalyzer {
  readonly id: string;
  analyze(request: AnalyzeRequest): Promise<ImageAnalysis>;
}

export const IMAGE_ANALYZER = Symbol('IMAGE_ANALYZER');
