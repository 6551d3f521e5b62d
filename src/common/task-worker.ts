import { parentPort, Worker, workerData } from 'node:worker_threads';
import { lowerThreadPriority } from './thread-priority';

/**
 * CPU-bound pixel work off the main thread. The main thread answers HTTP (a /status poll, an SSE
 * event, a lease renewal): every loop of tens of milliseconds run there is a stall every request
 * behind it waits out. A worker script serves named tasks (serveTasks); the main thread calls them
 * through a TaskWorker. Inputs are structured-cloned (copied) unless their buffers are handed
 * over; results come back by transfer. Buffers arrive as Uint8Array: see asBuffer.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- each script types its own tasks
export type Tasks = Record<string, (input: any) => unknown>;

type Request = { id: number; name: string; input: unknown };
type Response = { id: number; ok: true; value: unknown } | { id: number; ok: false; error: string };

/** In a worker script: answers calls by name as they arrive, at the priority the client asked for. */
export function serveTasks(tasks: Tasks): void {
  lowerThreadPriority((workerData as { nice?: number } | null)?.nice ?? 0);
  parentPort?.on('message', (msg: Request) => {
    void (async (): Promise<Response> => {
      const task = tasks[msg.name];
      if (!task) return { id: msg.id, ok: false, error: `no task named ${msg.name}` };
      return { id: msg.id, ok: true, value: await task(msg.input) };
    })()
      .catch((error: unknown): Response => ({ id: msg.id, ok: false, error: error instanceof Error ? error.message : String(error) }))
      .then((response) => parentPort?.postMessage(response, response.ok ? ownedBuffers(response.value) : []));
  });
}

/**
 * The ArrayBuffers a result owns whole, to move rather than copy. A view over part of a buffer
 * (a small Buffer from Node's shared pool) is copied: moving it would detach its neighbours.
 */
function ownedBuffers(value: unknown, found = new Set<ArrayBuffer>(), depth = 0): ArrayBuffer[] {
  if (ArrayBuffer.isView(value)) {
    if (value.buffer instanceof ArrayBuffer && value.byteOffset === 0 && value.byteLength === value.buffer.byteLength) found.add(value.buffer);
  } else if (value && typeof value === 'object' && depth < 4) {
    for (const item of Object.values(value)) ownedBuffers(item, found, depth + 1);
  }
  return [...found];
}

/** A Uint8Array that crossed a thread boundary, as the Buffer it was (no copy). */
export const asBuffer = (bytes: Uint8Array): Buffer => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);

type Waiter = { resolve: (value: unknown) => void; reject: (error: Error) => void };

/**
 * The main thread's handle on one worker script: started on first use, calls answered in order,
 * the process held open only while a call is pending (an idle worker never keeps a CLI or a test
 * alive). A crashed worker fails its calls and is replaced by the next one.
 */
export class TaskWorker<T extends Tasks> {
  private worker?: Worker;
  private readonly pending = new Map<number, Waiter>();
  private nextId = 1;

  /** `nice`: the worker thread's priority below the main thread's (INFERENCE_NICE). */
  constructor(
    private readonly script: string,
    private readonly what: string,
    private readonly nice = 0,
  ) {}

  /** Runs a task; `transfer` hands buffers of the input over instead of copying them (the caller must not use them after). */
  call<K extends keyof T & string>(name: K, input: Parameters<T[K]>[0], transfer: ArrayBuffer[] = []): Promise<Awaited<ReturnType<T[K]>>> {
    const worker = this.start();
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
      worker.ref();
      worker.postMessage({ id, name, input } satisfies Request, transfer);
    });
  }

  async close(): Promise<void> {
    const worker = this.worker;
    this.worker = undefined;
    await worker?.terminate();
  }

  private start(): Worker {
    if (this.worker) return this.worker;
    const worker = new Worker(this.script, { workerData: { nice: this.nice } });
    worker.on('message', (msg: Response) => {
      const waiter = this.pending.get(msg.id);
      this.pending.delete(msg.id);
      if (this.pending.size === 0) worker.unref();
      if (!waiter) return;
      if (msg.ok) waiter.resolve(msg.value);
      else waiter.reject(new Error(`${this.what} failed: ${msg.error}`));
    });
    const die = (error: Error) => {
      if (this.worker === worker) this.worker = undefined;
      for (const waiter of this.pending.values()) waiter.reject(error);
      this.pending.clear();
    };
    worker.on('error', die);
    worker.on('exit', (code) => die(new Error(`${this.what} worker exited (code ${code})`)));
    this.worker = worker;
    return worker;
  }
}
