import { describe, it } from 'node:test';
import { expect } from 'expect';
import { DomainException } from '../common/errors/domain.exception';
import { ErrorCode } from '../common/errors/error-codes';
import { loadConfig } from '../config/app-config';
import { ModelRegistry } from './model-registry.service';
import type { LoadedModel, ModelLoader, ModelManifest } from './model.types';

/** A typed fake loader: counts loads and disposals, can be told to fail or to hold a load open. */
class FakeLoader implements ModelLoader {
  loads: string[] = [];
  disposed: string[] = [];
  failNext = new Set<string>();
  gate?: Promise<void>;
  active = 0;
  peak = 0;

  async load(manifest: ModelManifest): Promise<LoadedModel> {
    this.loads.push(manifest.id);
    await this.gate;
    if (this.failNext.delete(manifest.id)) throw new Error('corrupt weights');
    const run = async () => {
      this.active += 1;
      this.peak = Math.max(this.peak, this.active);
      await settle();
      this.active -= 1;
      return { out: manifest.id };
    };
    return {
      device: 'cpu',
      inputNames: [],
      outputNames: ['out'],
      run: run as unknown as LoadedModel['run'],
      alive: () => true,
      dispose: async () => void this.disposed.push(manifest.id),
    };
  }
}

const manifest = (id: string, mb: number): ModelManifest => ({
  id,
  task: 'segmentation',
  description: id,
  source: { kind: 'file', path: `/nonexistent/${id}.onnx` },
  estimatedVramMb: mb,
  executionProviders: [],
  priority: mb,
});

function registry(budget: number, residency: 'lru' | 'jit' = 'lru') {
  const loader = new FakeLoader();
  const reg = new ModelRegistry(loadConfig({}, { GPU_VRAM_BUDGET_MB: budget, MODEL_RESIDENCY: residency }), loader);
  for (const [id, mb] of [['a', 400], ['b', 400], ['c', 400], ['huge', 5000]] as const) reg.register(manifest(id, mb));
  return { reg, loader };
}

const settle = () => new Promise((r) => setImmediate(r));

describe('ModelRegistry', () => {
  it('tells a run that waits for a busy device, and when it starts', async () => {
    const { reg } = registry(1000);
    const first = await reg.acquire('a');
    const second = await reg.acquire('a');
    const events: string[] = [];
    const running = first.run({}, undefined, (w) => events.push(`first ${w}`));
    const waiting = second.run({}, undefined, (w) => events.push(`second ${w}`));
    await Promise.all([running, waiting]);
    expect(events).toEqual(['second true', 'second false']);
    first.release();
    second.release();
  });

  it('loads once and counts hits', async () => {
    const { reg, loader } = registry(1000);
    for (let i = 0; i < 3; i++) await reg.withModel('a', async (lease) => expect(await lease.run({})).toEqual({ out: 'a' }));
    expect(loader.loads).toEqual(['a']);
    expect(reg.snapshot().models.find((m) => m.id === 'a')).toMatchObject({ state: 'resident', counters: { loads: 1, hits: 2, runs: 3 } });
  });

  it('shares one load between concurrent first callers', async () => {
    const { reg, loader } = registry(1000);
    let open!: () => void;
    loader.gate = new Promise((r) => (open = r));
    const leases = Promise.all([reg.acquire('a'), reg.acquire('a'), reg.acquire('a')]);
    await settle();
    open();
    (await leases).forEach((l) => l.release());
    expect(loader.loads).toEqual(['a']);
  });

  it('does not cache a failed load', async () => {
    const { reg, loader } = registry(1000);
    loader.failNext.add('a');
    await expect(reg.acquire('a')).rejects.toMatchObject({ code: ErrorCode.MODEL_LOAD_ERROR });
    const lease = await reg.acquire('a');
    lease.release();
    expect(loader.loads).toEqual(['a', 'a']);
    expect(reg.snapshot().models.find((m) => m.id === 'a')?.counters).toMatchObject({ loadFailures: 1, loads: 1 });
  });

  it('evicts the least recently used idle model when the budget would be passed', async () => {
    const { reg, loader } = registry(1000);
    await reg.withModel('a', async () => undefined);
    await new Promise((r) => setTimeout(r, 5));
    await reg.withModel('b', async () => undefined);
    await reg.withModel('a', async () => undefined); // a is now more recent than b
    await settle();
    await reg.withModel('c', async () => undefined);
    await settle();
    expect(loader.disposed).toEqual(['b']);
    expect(reg.snapshot()).toMatchObject({ residentMb: 800, totals: { evictions: 1 } });
  });

  it('waits for a busy model to be released instead of evicting it', async () => {
    const { reg, loader } = registry(800);
    const a = await reg.acquire('a');
    const b = await reg.acquire('b');
    const c = reg.acquire('c');
    await settle();
    expect(loader.loads).toEqual(['a', 'b']);
    a.release();
    (await c).release();
    b.release();
    expect(loader.disposed).toEqual(['a']);
  });

  it('refuses a model larger than the whole budget with GPU_OUT_OF_MEMORY', async () => {
    const { reg } = registry(1000);
    await expect(reg.acquire('huge')).rejects.toMatchObject({ code: ErrorCode.GPU_OUT_OF_MEMORY });
  });

  it('names the pull command for an unknown model', async () => {
    const { reg } = registry(1000);
    const error = (await reg.acquire('nope').catch((e: unknown) => e)) as DomainException;
    expect(error.code).toBe(ErrorCode.MODEL_NOT_INSTALLED);
    expect(error.message).toContain('models:pull');
  });

  it('unloads after every use with MODEL_RESIDENCY=jit', async () => {
    const { reg, loader } = registry(1000, 'jit');
    await reg.withModel('a', async () => undefined);
    await settle();
    await reg.withModel('a', async () => undefined);
    await settle();
    expect(loader.loads).toEqual(['a', 'a']);
    expect(loader.disposed).toEqual(['a', 'a']);
    expect(reg.snapshot().residentMb).toBe(0);
  });

  it('serializes inference per device', async () => {
    const { reg, loader } = registry(1000);
    const [a, b] = [await reg.acquire('a'), await reg.acquire('b')];
    await Promise.all([a.run({}), b.run({}), a.run({}), b.run({})]);
    a.release();
    b.release();
    expect(loader.peak).toBe(1);
  });

  it('prefers the highest-priority model of a task', () => {
    const { reg } = registry(1000);
    expect(reg.preferred('segmentation').id).toBe('huge');
    expect(reg.preferred('segmentation', { draft: true }).id).toBe('huge');
    expect(() => reg.preferred('clip-image')).toThrow(DomainException);
  });

  it('chooses a draft only when asked for one, whatever its priority', () => {
    const { reg } = registry(1000);
    reg.register({ ...manifest('quick', 100), priority: 1000, draft: true });
    expect(reg.preferred('segmentation').id).toBe('huge');
    expect(reg.preferred('segmentation', { draft: true }).id).toBe('quick');
  });

  it('never chooses a first look on its own, and finds it for the model it looks for', () => {
    const { reg } = registry(1000);
    reg.register({ ...manifest('huge-768', 100), priority: 1000, firstLookFor: 'huge' });
    expect(reg.preferred('segmentation').id).toBe('huge');
    expect(reg.preferred('segmentation', { draft: true }).id).toBe('huge');
    expect(reg.firstLook('huge')?.id).toBe('huge-768');
    expect(reg.firstLook('huge-768')).toBeUndefined();
  });
});
