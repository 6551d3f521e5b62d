import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { MatteRequest, MatteResponse } from './matte-worker';
import type { SeeThroughOutcome } from './see-through';

type Refined = { matte: Uint8Array; cutout: Uint8Array; outline?: Uint8Array; glass?: SeeThroughOutcome };
type Pending = { resolve: (r: Refined) => void; reject: (e: Error) => void };

/**
 * The main thread's handle on the matte worker (matte-worker.ts): one thread, started on first
 * use, requests answered in order. It holds the process open only while a request is pending,
 * so an idle helper never keeps a CLI or a test alive. A crashed worker fails its requests and
 * is replaced by the next call.
 */
export class MatteWorkerClient {
  private worker?: Worker;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;

  /**
   * Refines the coarse mask and builds the decontaminated RGBA cutout (or, for a glass on a plain
   * backdrop, the see-through one); the inputs are copied, not moved.
   */
  refine(rgb: Uint8Array, coarse: Uint8Array, width: number, height: number, extra: { sourceRgba?: Uint8Array; seeThrough?: boolean } = {}): Promise<Refined> {
    const worker = this.start();
    const id = this.nextId++;
    const msg: MatteRequest = { id, rgb: rgb.slice(), coarse: coarse.slice(), width, height, sourceRgba: extra.sourceRgba?.slice(), seeThrough: extra.seeThrough };
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      worker.ref();
      const transfer = [msg.rgb.buffer, msg.coarse.buffer, ...(msg.sourceRgba ? [msg.sourceRgba.buffer] : [])] as ArrayBuffer[];
      worker.postMessage(msg, transfer);
    });
  }

  async close(): Promise<void> {
    const worker = this.worker;
    this.worker = undefined;
    await worker?.terminate();
  }

  private start(): Worker {
    if (this.worker) return this.worker;
    const worker = new Worker(path.join(__dirname, 'matte-worker.js'));
    worker.on('message', (msg: MatteResponse) => {
      const waiter = this.pending.get(msg.id);
      this.pending.delete(msg.id);
      if (this.pending.size === 0) worker.unref();
      if (!waiter) return;
      if (msg.ok) waiter.resolve({ matte: msg.matte, cutout: msg.cutout, outline: msg.outline, glass: msg.glass });
      else waiter.reject(new Error(`matte refinement failed: ${msg.error}`));
    });
    const die = (error: Error) => {
      if (this.worker === worker) this.worker = undefined;
      for (const waiter of this.pending.values()) waiter.reject(error);
      this.pending.clear();
    };
    worker.on('error', die);
    worker.on('exit', (code) => die(new Error(`matte worker exited (code ${code})`)));
    this.worker = worker;
    return worker;
  }
}
