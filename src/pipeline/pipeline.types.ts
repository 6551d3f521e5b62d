import type { AspectPreset, Box, RawImage, Rgb } from './image.types';

export type StepNumber = 1 | 2;

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
  textPosition: 'auto' | 'top' | 'center' | 'bottom';
  strength: number;
  guidanceScale: number;
  seed: number;
  width: number;
  height: number;
  aspectRatio?: AspectPreset;
  testMode: boolean;
}

export interface ArtifactRecord {
  name: string;
  mime: string;
  bytes: number;
  sha256: string;
}

/** The orchestrator's window onto the outside world: progress and artifact storage. */
export interface StageContext {
  readonly input: PipelineInput;
  readonly signal: AbortSignal;
  /** fraction: 0..1 within the current stage. */
  report(fraction: number, subStep: string, message?: string): void;
  /**
   * Encodes and stores in the background: libvips encodes off the main thread, so later
   * stages run meanwhile. The job completes only after every persisted file is written.
   */
  persist(name: string, data: Promise<Buffer>, mime: string): void;
  /** Values stages hand to later stages (cutout, matte, placement...). */
  readonly state: PipelineState;
}

export interface LayerEntry {
  name: 'background' | 'shadow' | 'product' | 'text';
  file: string;
  box: Box;
  opacity: number;
  blend: 'normal' | 'multiply';
  meta?: Record<string, unknown>;
}

export interface PipelineState {
  source?: RawImage;
  cutout?: RawImage;
  matte?: RawImage;
  segmentModel?: string;
  productBox?: Box;
  palette?: Rgb[];
  placement?: { box: Box; floorY: number; scale: number };
  background?: RawImage;
  backgroundInfo?: { provider: string; description: string };
  /** Where the backdrop's key light is, so shadows fall away from it. */
  keyLight?: { x: number; y: number };
  step1?: RawImage;
  layers: LayerEntry[];
}

export interface Stage {
  readonly name: string;
  readonly step: StepNumber;
  /** Human label shown as current_step. */
  readonly label: string;
  /** Used for progress weights and the ETA until real timings exist. */
  readonly defaultSeconds: number;
  run(ctx: StageContext): Promise<void>;
}

export const STAGE = Symbol('PIPELINE_STAGE');
