import type { InferenceSession } from 'onnxruntime-node';

/** A tensor as it crosses the thread boundary: its typed array's buffer is transferred. */
export interface WireTensor {
  type: string;
  dims: number[];
  data: Float32Array | Int32Array | BigInt64Array | Uint8Array | Int8Array | Float64Array;
}

export type WorkerRequest =
  /** `model`: the graph's bytes (transferred), or the path of a file ONNX Runtime reads itself. */
  | { id: number; kind: 'load'; model: Uint8Array | string; options: InferenceSession.SessionOptions; nice: number }
  | { id: number; kind: 'run'; feeds: Record<string, WireTensor>; fetches?: string[] }
  | { id: number; kind: 'release' };

export interface WorkerResponse {
  id: number;
  ok: boolean;
  error?: string;
  inputNames?: string[];
  outputNames?: string[];
  outputs?: Record<string, WireTensor>;
}
