/**
 * Worker thread that owns one ONNX Runtime session. onnxruntime-node runs inference
 * synchronously on the calling thread, so sessions live here: the main thread keeps serving
 * HTTP, progress and lease heartbeats while a model computes. Tensors cross by buffer transfer.
 */
import { parentPort } from 'node:worker_threads';
import { lowerThreadPriority } from '../common/thread-priority';
import * as ort from 'onnxruntime-node';
import type { WireTensor, WorkerRequest, WorkerResponse } from './onnx-wire';

let session: ort.InferenceSession | undefined;

function toWire(tensor: ort.Tensor): WireTensor {
  return { type: tensor.type, dims: [...tensor.dims], data: tensor.data as WireTensor['data'] };
}

async function handle(msg: WorkerRequest): Promise<WorkerResponse> {
  switch (msg.kind) {
    case 'load': {
      // Before the session exists: ONNX Runtime's intra-op threads are made with it and inherit
      // this thread's nice value (on Linux it is per thread; the main thread keeps its 0).
      lowerThreadPriority(msg.nice);
      // One call per overload of create: TypeScript picks neither for the union.
      session = typeof msg.model === 'string' ? await ort.InferenceSession.create(msg.model, msg.options) : await ort.InferenceSession.create(msg.model, msg.options);
      return { id: msg.id, ok: true, inputNames: [...session.inputNames], outputNames: [...session.outputNames] };
    }
    case 'run': {
      if (!session) throw new Error('no session loaded in this worker');
      const feeds = Object.fromEntries(
        Object.entries(msg.feeds).map(([name, t]) => [name, new ort.Tensor(t.type as 'float32', t.data as Float32Array, t.dims)]),
      );
      const out = msg.fetches ? await session.run(feeds, msg.fetches) : await session.run(feeds);
      return { id: msg.id, ok: true, outputs: Object.fromEntries(Object.entries(out).map(([k, v]) => [k, toWire(v)])) };
    }
    case 'release': {
      await session?.release();
      session = undefined;
      return { id: msg.id, ok: true };
    }
  }
}

parentPort?.on('message', (msg: WorkerRequest) => {
  handle(msg).then(
    (response) => {
      const transfer = response.outputs ? Object.values(response.outputs).map((t) => (t.data as Float32Array).buffer as ArrayBuffer) : [];
      parentPort?.postMessage(response, transfer);
    },
    (error: unknown) => parentPort?.postMessage({ id: msg.id, ok: false, error: error instanceof Error ? error.message : String(error) }),
  );
});
