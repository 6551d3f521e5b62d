import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readdir, rename, rm, stat } from 'node:fs/promises';
import { readFileSync, statSync } from 'node:fs';
import { arch, cpus } from 'node:os';
import * as path from 'node:path';
import * as ort from 'onnxruntime-node';
import type { ModelManifest } from './model.types';

/** A file ONNX Runtime is writing; `commit` makes it the cached copy, `discard` drops it. */
export interface PendingCopy {
  path: string;
  commit(): Promise<void>;
  discard(): Promise<void>;
}

/** Temporary files older than this were left by a process that died while writing them. */
const STALE_TMP_MS = 60 * 60 * 1000;

/**
 * Graphs as ONNX Runtime left them after its optimizations, kept on disk between runs (ORT_CACHE).
 * Building a session from the packaged ISNet takes seconds: its chunks read and joined, the graph
 * rewritten to the first look's input size, the fp16 weights folded to fp32, the layout changed
 * for this CPU; from the optimized copy the session is made in a tenth of a second. The copy holds
 * CPU-specific layouts (ONNX Runtime says so when it writes one), so its name carries a hash of
 * the source, the ONNX Runtime version and this CPU: another machine or version makes its own.
 */
export class OptimizedModelCache {
  constructor(private readonly dir: string) {}

  /** The cached copy's path for this manifest on this machine (it may not exist yet). */
  pathFor(manifest: ModelManifest): string {
    const key = createHash('sha256')
      .update(JSON.stringify({ id: manifest.id, source: sourceIdentity(manifest), ort: ort.env.versions.common, cpu: cpuSignature() }))
      .digest('hex')
      .slice(0, 16);
    return path.join(this.dir, `${safeName(manifest.id)}.${key}.onnx`);
  }

  /** The cached copy's path when there is one. */
  async find(manifest: ModelManifest): Promise<string | null> {
    const file = this.pathFor(manifest);
    return (await stat(file).catch(() => null))?.isFile() ? file : null;
  }

  /** A temporary path for ONNX Runtime to write the optimized graph to; renamed into place on commit. */
  async reserve(manifest: ModelManifest): Promise<PendingCopy> {
    await mkdir(this.dir, { recursive: true });
    const final = this.pathFor(manifest);
    const tmp = `${final}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
    return {
      path: tmp,
      // Atomic: a reader sees the whole file or none (processes sharing the folder may race; the copies are the same).
      commit: async () => {
        await rename(tmp, final);
        await this.dropOthers(manifest, final);
      },
      discard: () => rm(tmp, { force: true }),
    };
  }

  /** Drops a copy ONNX Runtime could not load (cut short by a full disk, say). */
  async forget(file: string): Promise<void> {
    await rm(file, { force: true });
  }

  /** Copies of this model for another source, version or CPU, and temporary files left by dead writers. */
  private async dropOthers(manifest: ModelManifest, keep: string): Promise<void> {
    const ours = new RegExp(`^${safeName(manifest.id).replace(/\./g, '\\.')}\\.[0-9a-f]{16}\\.onnx(\\.\\d+\\.[0-9a-f]{8}\\.tmp)?$`);
    for (const name of await readdir(this.dir).catch(() => [] as string[])) {
      const file = path.join(this.dir, name);
      if (!ours.test(name) || file === keep) continue;
      // A temporary file may be another process's copy being written now: only old ones go.
      if (name.endsWith('.tmp') && Date.now() - ((await stat(file).catch(() => null))?.mtimeMs ?? Date.now()) < STALE_TMP_MS) continue;
      await rm(file, { force: true });
    }
  }
}

/** What makes the graph's bytes what they are, without reading them: chunk names are their sha256. */
function sourceIdentity(manifest: ModelManifest): unknown {
  const source = manifest.source;
  if (source.kind === 'chunks') return source;
  // A pulled model replaced in place (models:pull again) has another size or time.
  const info = statSync(source.path, { throwIfNoEntry: false });
  return { path: path.resolve(source.path), size: info?.size, mtimeMs: info?.mtimeMs };
}

let signature: string | undefined;
/** The CPU's model and instruction-set flags: what ONNX Runtime's layout choices depend on. */
function cpuSignature(): string {
  if (signature === undefined) {
    let flags = '';
    try {
      flags = /^flags\s*:(.*)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1]?.trim() ?? '';
    } catch {
      // Not Linux: the model name stands for the CPU.
    }
    signature = `${arch()} ${cpus()[0]?.model ?? ''} ${flags}`;
  }
  return signature;
}

const safeName = (id: string) => id.replace(/[^A-Za-z0-9._-]/g, '_');
