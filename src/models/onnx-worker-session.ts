import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import { Tensor, type InferenceSession } from 'onnxruntime-node';
import type { LoadedModel, Outputs, Feeds } from './model.types';
import type { WireTensor, WorkerRequest, WorkerResponse } from './onnx-wire';

interface Pending {
  resolve: (response: WorkerResponse) => void;
  reject: (error: Error) => void;
}

/** The main thread's handle on a session that lives in its own worker thread. */
export class OnnxWorkerSession implements LoadedModel {
  private readonly worker: Worker;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private dead: Error | null = null;
  inputNames: string[] = [];
  outputNames: string[] = [];

  private constructor(readonly device: string) {
    this.worker = new Worker(path.join(__dirname, 'onnx-worker.js'));
    this.worker.on('message', (msg: WorkerResponse) => {
      const waiter = this.pending.get(msg.id);
      this.pending.delete(msg.id);
      if (!waiter) return;
      if (msg.ok) waiter.resolve(msg);
      else waiter.reject(new Error(msg.error ?? 'ONNX worker failed'));
    });
    const die = (error: Error) => {
      this.dead ??= error;
      for (const waiter of this.pending.values()) waiter.reject(error);
      this.pending.clear();
    };
    this.worker.on('error', die);
    this.worker.on('exit', (code) => die(new Error(`ONNX worker exited (code ${code})`)));
  }

  /** Starts a worker and loads the model there: bytes are moved, not copied; a path is read by ONNX Runtime in the worker. */
  static async create(model: Uint8Array | string, options: InferenceSession.SessionOptions, device: string, nice = 0): Promise<OnnxWorkerSession> {
    const session = new OnnxWorkerSession(device);
    try {
      const transfer = typeof model === 'string' ? [] : [model.buffer as ArrayBuffer];
      const loaded = await session.request({ id: 0, kind: 'load', model, options, nice }, transfer);
      session.inputNames = loaded.inputNames ?? [];
      session.outputNames = loaded.outputNames ?? [];
      return session;
    } catch (error) {
      await session.worker.terminate();
      throw error;
    }
  }

  alive(): boolean {
    return this.dead === null;
  }

  async run(feeds: Feeds, fetches?: string[]): Promise<Outputs> {
    const wire: Record<string, WireTensor> = {};
    const transfer: ArrayBuffer[] = [];
    for (const [name, tensor] of Object.entries(feeds)) {
      // Copy so the caller's tensor stays usable after its buffer moves to the worker.
      const data = (tensor.data as Float32Array).slice();
      wire[name] = { type: tensor.type, dims: [...tensor.dims], data };
      transfer.push(data.buffer);
    }
    const response = await this.request({ id: 0, kind: 'run', feeds: wire, fetches }, transfer);
    return Object.fromEntries(
      Object.entries(response.outputs ?? {}).map(([name, t]) => [name, new Tensor(t.type as 'float32', t.data as Float32Array, t.dims)]),
    );
  }

  async dispose(): Promise<void> {
    if (this.alive()) await this.request({ id: 0, kind: 'release' }, []).catch(() => undefined);
    await this.worker.terminate();
  }

  private request(msg: WorkerRequest, transfer: ArrayBuffer[]): Promise<WorkerResponse> {
    if (this.dead) return Promise.reject(this.dead);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ ...msg, id }, transfer);
    });
  }
}
