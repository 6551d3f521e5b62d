import type { FontFaceBundle } from '../fonts/fonts.types';
import type { CutoutCheck } from '../quality/quality-checks';
import type { QualityReport } from '../quality/quality-report';
import type { ImageAnalysis } from './analysis/analysis.types';
import type { CameraView, ViewEstimate } from './analysis/camera-view';
import type { ColorUse } from './background/studio-scheme';
import type { AspectPreset, Box, RawImage, Rgb } from '../vision/image.types';
import type { ScaledProduct } from './compositing/composite';
import type { FrameCuts } from './compositing/frame-cuts';
import type { SubjectLayout, SubjectLayoutChoice } from './compositing/photo-card';
import type { Placement } from './compositing/placement';
import type { OutputFormat } from './stages/encode';
import type { LayoutResult } from './layout/layout.types';
import type { FontUsage, RenderResult } from '../renderer/renderer.types';

export type StepNumber = 1 | 2;

/** One output size of a job. The first canvas's files have plain names (final.png). */
export interface Canvas {
  index: number;
  width: number;
  height: number;
  preset?: AspectPreset;
  /** '' for the first canvas, '_4x5' style for the others. */
  suffix: string;
}

/** What the pipeline needs from a job; image bytes travel separately from the stored parameters. */
export interface PipelineInput {
  jobId: string;
  startStep: StepNumber;
  stopStep: StepNumber;
  productImage?: Buffer;
  step1Image?: Buffer;
  textContent: string;
  bgPrompt: string;
  negativePrompt: string;
  /** Unset: edit where the image server takes masks, generate elsewhere; studio: the embedded backdrop. */
  backgroundMode?: 'edit' | 'generate' | 'studio';
  htmlStylePrompt: string;
  /** use_qwen_analysis: let a configured vision model read the composite. */
  useVision: boolean;
  /** use_llm_html: let a configured LLM design the copy layer (checked, with the template as fallback). */
  useLlmHtml: boolean;
  fontName?: string;
  textPosition: 'auto' | 'top' | 'center' | 'bottom';
  /** The finals' file format besides final.png (default png: that one only). */
  outputFormat?: OutputFormat;
  /** auto (the default): the cutout unless its check is poor, then the photo as a card. */
  subjectLayout?: SubjectLayoutChoice;
  /** glass: the matte is how see-through the product is against the photo's plain backdrop. */
  subjectMaterial?: SubjectMaterial;
  /** The camera's angle, forced; unset or auto: estimated from the cutout (result.view). */
  view?: CameraView | 'auto';
  strength: number;
  guidanceScale: number;
  seed: number;
  canvases: Canvas[];
  /** num_variants: backgrounds per canvas (seed + variant), ranked so the best gets the plain file names. */
  variants: number;
  testMode: boolean;
}

export type SubjectMaterial = 'opaque' | 'glass';

export interface MaterialOutcome {
  requested: SubjectMaterial;
  used: SubjectMaterial;
  why: string;
}

export interface ArtifactRecord {
  name: string;
  mime: string;
  bytes: number;
  sha256: string;
}

export interface LayerEntry {
  name: 'background' | 'shadow' | 'product' | 'text' | 'image';
  file: string;
  box: Box;
  opacity: number;
  blend: 'normal' | 'multiply';
  meta?: Record<string, unknown>;
}

/** Made once per job and shared by every canvas. */
export interface JobState {
  source?: RawImage;
  cutout?: RawImage;
  matte?: RawImage;
  segmentModel?: string;
  productBox?: Box;
  /** Sides of the photo the subject runs off; the placement bleeds it off the same canvas sides. */
  frameCuts?: FrameCuts;
  /** True when a small subject was cut a second time from a crop of the original around it. */
  recut?: boolean;
  /** The stretch of the photo's difference from a plain backdrop the kept mask was made from; null: none. */
  contrastStretch?: number | null;
  /** True when the photo came with its own transparency (a product already cut out): its alpha is kept. */
  cutAlready?: boolean;
  /** Glass or opaque, as asked and as made (result.subject_material). */
  material?: MaterialOutcome;
  /** Stray fragments cleared from the matte (a group of products is kept whole). */
  strayParts?: number;
  /** Cutout or card, and why. */
  subjectLayout?: SubjectLayout;
  palette?: Rgb[];
  /** The cutout check of the job's matte: the same for every canvas, so made once. */
  cutoutCheck?: CutoutCheck;
  /** How the camera saw the product (result.view): estimated once, or forced by the request. */
  view?: ViewOutcome;
  /** The photo's detail sharpness (sharpness.ts), measured once for every canvas. */
  sourceSharpness?: number;
}

export interface ViewOutcome extends ViewEstimate {
  forced: boolean;
}

/** Made per canvas and variant. */
export interface ShotState {
  canvas: Canvas;
  /** 0-based; the background's seed is the job's seed plus this. */
  variant: number;
  /** Its place among the canvas's variants after ranking, 1 = best (the one under the plain file names). */
  rank?: number;
  placement?: Placement;
  /** The enlargement the product was held to so it stays sharp; unset when nothing held it back. */
  sharpnessCap?: number | null;
  /**
   * The cutout scaled onto placement.box: started by the background stage as soon as the
   * placement is known (libvips' threads scale it while the backdrop is painted), placed by the
   * composite stage. Already caught: a job that fails before compositing leaves no unhandled rejection.
   */
  scaledProduct?: Promise<ScaledProduct>;
  background?: RawImage;
  /** What drew the backdrop; `description` is the prompt a generative provider was sent. */
  backgroundInfo?: {
    provider: string;
    description: string;
    mode?: string;
    promptWriter?: string;
    promptFallback?: string;
    fallback?: string;
    /** Which colours the prompt asked for and how the set used them (the embedded studio). */
    colors?: ColorUse;
    /** What was read off a generated scene: its light, its floor's back edge, how far the product moved to stand on it. */
    scene?: { keyLight?: { x: number; y: number }; floorLine?: number; productMovedPx?: number };
  };
  /** Where the backdrop's key light is, so shadows fall away from it. */
  keyLight?: { x: number; y: number };
  step1?: RawImage;
  /** Canvas-size product alpha (1 channel), for analysis. */
  productMask?: RawImage;
  /** The placed product (4 channels, canvas size), to check its pixels reach the final unchanged. */
  productLayer?: RawImage;
  productBox?: Box;
  analysis?: ImageAnalysis;
  layout?: LayoutResult;
  /** The layout's render when the designer already drew it to check it (an LLM design). */
  rendered?: RenderResult;
  fonts?: { bundle: FontFaceBundle; family: string; missing: string[] };
  text?: {
    layer: RawImage;
    box: Box | null;
    fittedPx: number | null;
    overflow: boolean;
    font: string;
    fontsUsed: FontUsage[];
    missing: string[];
  };
  final?: RawImage;
  quality?: QualityReport;
  layers: LayerEntry[];
}

/** The orchestrator's window onto the outside world: progress and artifact storage. */
export interface StageContext {
  readonly input: PipelineInput;
  readonly signal: AbortSignal;
  readonly job: JobState;
  /** The current canvas's state (canvas-scoped stages only). */
  readonly shot: ShotState;
  /** fraction: 0..1 within the current stage. */
  report(fraction: number, subStep: string, message?: string): void;
  /**
   * Encodes and stores in the background: libvips encodes off the main thread, so later
   * stages run meanwhile. The job completes only after every persisted file is written.
   */
  persist(name: string, data: Promise<Buffer>, mime: string): void;
  /** An artifact name for the current canvas: ('final', 'png') -> final.png or final_4x5.png. */
  fileName(base: string, ext: string): string;
}

export interface Stage {
  readonly name: string;
  /** 'any': runs whatever steps the job asked for (the quality report). */
  readonly step: StepNumber | 'any';
  /** 'job': runs once; 'canvas': runs for every canvas, after all job stages. */
  readonly scope: 'job' | 'canvas';
  /** Human label shown as current_step. */
  readonly label: string;
  /** Seconds per run, used for progress weights and the ETA until real timings exist. */
  readonly defaultSeconds: number;
  /** Whether this stage has work for this input (e.g. text stages skip empty copy). */
  applies?(input: PipelineInput): boolean;
  run(ctx: StageContext): Promise<void>;
}

export const STAGE = Symbol('PIPELINE_STAGE');

/** Text stages have work only when there is copy; without it the product shot is the final. */
export function hasCopy(input: PipelineInput): boolean {
  return input.textContent.trim().length > 0;
}
