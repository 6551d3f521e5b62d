import { Inject, Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { DomainException } from '../common/errors/domain.exception';
import { ErrorCode } from '../common/errors/error-codes';
import { Mutex } from '../common/mutex';
import { AppConfig } from '../config/app-config';
import type {
  Feeds,
  LoadedModel,
  ModelCounters,
  ModelLease,
  ModelLoader,
  ModelManifest,
  Outputs,
  RegistrySnapshot,
} from './model.types';

export const MODEL_LOADER = Symbol('MODEL_LOADER');

interface Entry {
  manifest: ModelManifest;
  loaded?: LoadedModel;
  loading?: Promise<LoadedModel>;
  inUse: number;
  lastUsedAt: number;
  /** Monotonic use order: timestamps tie within a millisecond, LRU must not. */
  lastUseSeq: number;
  counters: ModelCounters;
}

const zeroCounters = (): ModelCounters => ({
  loads: 0,
  hits: 0,
  evictions: 0,
  unloads: 0,
  loadFailures: 0,
  loadMsTotal: 0,
  lastLoadMs: null,
  runs: 0,
  runMsTotal: 0,
});

/**
 * Keeps models resident under a device-memory budget. Every residency decision (load, evict,
 * unload) happens under one mutex; the loads themselves and inference run outside it, with
 * inference serialized per device so two jobs never fight over one GPU.
 */
@Injectable()
export class ModelRegistry implements OnApplicationShutdown {
  private readonly logger = new Logger(ModelRegistry.name);
  private readonly entries = new Map<string, Entry>();
  private readonly residency = new Mutex();
  private readonly devices = new Map<string, Mutex>();
  private readonly releaseWaiters = new Set<() => void>();
  private useSeq = 0;

  constructor(
    private readonly config: AppConfig,
    @Inject(MODEL_LOADER) private readonly loader: ModelLoader,
  ) {}

  register(manifest: ModelManifest): void {
    const existing = this.entries.get(manifest.id);
    if (existing?.loaded || existing?.loading) throw new Error(`model ${manifest.id} is resident; unload it first`);
    this.entries.set(manifest.id, { manifest, inUse: 0, lastUsedAt: 0, lastUseSeq: 0, counters: existing?.counters ?? zeroCounters() });
  }

  manifests(task?: ModelManifest['task']): ModelManifest[] {
    return [...this.entries.values()]
      .map((e) => e.manifest)
      .filter((m) => !task || m.task === task)
      .sort((a, b) => b.priority - a.priority);
  }

  /**
   * The preferred installed model for a task, or MODEL_NOT_INSTALLED. A draft model (see
   * ModelManifest.draft) only when asked for, and then before any other.
   */
  preferred(task: ModelManifest['task'], opts: { draft?: boolean } = {}): ModelManifest {
    const candidates = this.manifests(task);
    const best = (opts.draft && candidates.find((m) => m.draft)) || candidates.find((m) => !m.draft && !m.firstLookFor);
    if (!best) {
      throw new DomainException(ErrorCode.MODEL_NOT_INSTALLED, `No ${task} model is installed. Run: npm run models:pull`);
    }
    return best;
  }

  /** The installed first look at model `id` (ModelManifest.firstLookFor), if any. */
  firstLook(id: string): ModelManifest | undefined {
    return this.manifests('segmentation').find((m) => m.firstLookFor === id);
  }

  async acquire(id: string, timeoutMs = 120_000): Promise<ModelLease> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const decision = await this.residency.runExclusive(() => this.decide(id));
      if (decision.kind === 'wait') {
        if (Date.now() > deadline) {
          throw new DomainException(
            ErrorCode.GPU_OUT_OF_MEMORY,
            `Model ${id} needs ${decision.needMb} MB but busy models hold the budget of ${this.config.GPU_VRAM_BUDGET_MB} MB`,
          );
        }
        await this.nextRelease(Math.max(1, deadline - Date.now()));
        continue;
      }
      const entry = decision.entry;
      try {
        const loaded = await decision.ready;
        return this.lease(entry, loaded);
      } catch (error) {
        // The failed load is not cached: the entry goes back to "available" for the next caller.
        await this.residency.runExclusive(() => {
          entry.inUse -= 1;
          if (entry.loading === decision.ready) entry.loading = undefined;
        });
        this.notifyRelease();
        throw error;
      }
    }
  }

  async withModel<T>(id: string, fn: (lease: ModelLease) => Promise<T>): Promise<T> {
    const lease = await this.acquire(id);
    try {
      return await fn(lease);
    } finally {
      lease.release();
    }
  }

  snapshot(): RegistrySnapshot {
    const models = [...this.entries.values()].map((e) => ({
      id: e.manifest.id,
      task: e.manifest.task,
      estimatedVramMb: e.manifest.estimatedVramMb,
      state: e.loaded ? ('resident' as const) : e.loading ? ('loading' as const) : ('available' as const),
      inUse: e.inUse,
      lastUsedAt: e.lastUsedAt ? new Date(e.lastUsedAt).toISOString() : null,
      counters: { ...e.counters },
    }));
    const totals = zeroCounters();
    for (const m of models) {
      for (const key of Object.keys(totals) as Array<keyof ModelCounters>) {
        if (key === 'lastLoadMs') continue;
        totals[key] += m.counters[key];
      }
    }
    return {
      budgetMb: this.config.GPU_VRAM_BUDGET_MB,
      residentMb: this.residentMb(),
      residency: this.config.MODEL_RESIDENCY,
      totals,
      models,
    };
  }

  /** Unloads every idle model (admin action, and shutdown). */
  async unloadIdle(): Promise<number> {
    return this.residency.runExclusive(async () => {
      let count = 0;
      for (const entry of this.entries.values()) {
        if (entry.loaded && entry.inUse === 0) {
          await this.unload(entry);
          count += 1;
        }
      }
      return count;
    });
  }

  async onApplicationShutdown(): Promise<void> {
    await this.unloadIdle();
  }

  private decide(
    id: string,
  ): { kind: 'ready'; entry: Entry; ready: Promise<LoadedModel> } | { kind: 'wait'; needMb: number } {
    const entry = this.entries.get(id);
    if (!entry) {
      throw new DomainException(ErrorCode.MODEL_NOT_INSTALLED, `Model ${id} is not installed. Run: npm run models:pull`);
    }
    const need = entry.manifest.estimatedVramMb;
    if (need > this.config.GPU_VRAM_BUDGET_MB) {
      throw new DomainException(
        ErrorCode.GPU_OUT_OF_MEMORY,
        `Model ${id} needs about ${need} MB, more than GPU_VRAM_BUDGET_MB=${this.config.GPU_VRAM_BUDGET_MB}`,
      );
    }
    if (entry.loaded && !entry.loaded.alive()) {
      // Its worker died (a crash in native code): forget it and load it again below.
      this.logger.warn(`${id} stopped working; loading it again`);
      entry.loaded = undefined;
    }
    if (entry.loaded) {
      entry.inUse += 1;
      entry.counters.hits += 1;
      return { kind: 'ready', entry, ready: Promise.resolve(entry.loaded) };
    }
    if (entry.loading) {
      // Concurrent first callers share one load.
      entry.inUse += 1;
      entry.counters.hits += 1;
      return { kind: 'ready', entry, ready: entry.loading };
    }
    const evictable = this.evictionPlan(need, entry);
    if (!evictable) return { kind: 'wait', needMb: need };
    entry.inUse += 1;
    const ready = this.startLoad(entry, evictable);
    entry.loading = ready;
    return { kind: 'ready', entry, ready };
  }

  /** Idle models to evict (least recently used first) so `need` fits; null if busy ones block it. */
  private evictionPlan(need: number, target: Entry): Entry[] | null {
    const budget = this.config.GPU_VRAM_BUDGET_MB;
    let used = this.residentMb();
    if (used + need <= budget) return [];
    const idle = [...this.entries.values()]
      .filter((e) => e !== target && e.loaded && e.inUse === 0)
      .sort((a, b) => a.lastUseSeq - b.lastUseSeq);
    const plan: Entry[] = [];
    for (const e of idle) {
      plan.push(e);
      used -= e.manifest.estimatedVramMb;
      if (used + need <= budget) return plan;
    }
    return null;
  }

  private async startLoad(entry: Entry, evict: Entry[]): Promise<LoadedModel> {
    for (const victim of evict) {
      victim.counters.evictions += 1;
      this.logger.log(`evicting ${victim.manifest.id} to make room for ${entry.manifest.id}`);
      const loaded = victim.loaded;
      victim.loaded = undefined;
      victim.counters.unloads += 1;
      await loaded?.dispose();
    }
    const started = Date.now();
    try {
      const loaded = await this.loader.load(entry.manifest);
      const ms = Date.now() - started;
      await this.residency.runExclusive(() => {
        entry.loaded = loaded;
        entry.loading = undefined;
        entry.counters.loads += 1;
        entry.counters.loadMsTotal += ms;
        entry.counters.lastLoadMs = ms;
      });
      this.logger.log(`loaded ${entry.manifest.id} on ${loaded.device} in ${ms} ms`);
      return loaded;
    } catch (error) {
      entry.counters.loadFailures += 1;
      this.logger.error(`loading ${entry.manifest.id} failed: ${(error as Error).message}`);
      if (error instanceof DomainException) throw error;
      throw new DomainException(ErrorCode.MODEL_LOAD_ERROR, `Loading model ${entry.manifest.id} failed: ${(error as Error).message}`);
    }
  }

  private lease(entry: Entry, loaded: LoadedModel): ModelLease {
    let released = false;
    const device = this.deviceMutex(loaded.device);
    return {
      manifest: entry.manifest,
      inputNames: loaded.inputNames,
      outputNames: loaded.outputNames,
      run: async (feeds: Feeds, fetches?: string[], onWait?: (waiting: boolean) => void): Promise<Outputs> => {
        if (released) throw new Error(`lease on ${entry.manifest.id} was released`);
        const waited = device.isLocked;
        if (waited) onWait?.(true);
        return device.runExclusive(async () => {
          if (waited) onWait?.(false);
          const started = Date.now();
          try {
            return await loaded.run(feeds, fetches);
          } catch (error) {
            throw toInferenceError(entry.manifest.id, error);
          } finally {
            entry.counters.runs += 1;
            entry.counters.runMsTotal += Date.now() - started;
          }
        });
      },
      release: () => {
        if (released) return;
        released = true;
        void this.residency
          .runExclusive(async () => {
            entry.inUse -= 1;
            entry.lastUsedAt = Date.now();
            entry.lastUseSeq = ++this.useSeq;
            if (this.config.MODEL_RESIDENCY === 'jit' && entry.inUse === 0 && entry.loaded) await this.unload(entry);
          })
          .catch((error: unknown) => this.logger.error(`releasing ${entry.manifest.id}: ${String(error)}`))
          .finally(() => this.notifyRelease());
      },
    };
  }

  private async unload(entry: Entry): Promise<void> {
    const loaded = entry.loaded;
    entry.loaded = undefined;
    entry.counters.unloads += 1;
    await loaded?.dispose();
  }

  private residentMb(): number {
    let total = 0;
    for (const e of this.entries.values()) if (e.loaded || e.loading) total += e.manifest.estimatedVramMb;
    return total;
  }

  private deviceMutex(device: string): Mutex {
    let mutex = this.devices.get(device);
    if (!mutex) {
      mutex = new Mutex();
      this.devices.set(device, mutex);
    }
    return mutex;
  }

  private nextRelease(timeoutMs: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.releaseWaiters.delete(done);
        resolve();
      };
      const timer = setTimeout(done, Math.min(timeoutMs, 1000));
      this.releaseWaiters.add(done);
    });
  }

  private notifyRelease(): void {
    for (const waiter of [...this.releaseWaiters]) waiter();
  }
}

function toInferenceError(id: string, error: unknown): Error {
  const message = error instanceof Error ? error.message : String(error);
  if (/out of memory|CUDA_ERROR_OUT_OF_MEMORY|Failed to allocate memory/i.test(message)) {
    return new DomainException(ErrorCode.GPU_OUT_OF_MEMORY, `Inference with ${id} ran out of device memory`, { cause: message });
  }
  return error instanceof Error ? error : new Error(message);
}
