import { Injectable, Logger } from '@nestjs/common';
import { readFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import * as ort from 'onnxruntime-node';
import { DomainException } from '../common/errors/domain.exception';
import { ErrorCode } from '../common/errors/error-codes';
import { AppConfig } from '../config/app-config';
import type { LoadedModel, ModelLoader, ModelManifest } from './model.types';
import { atInputSize } from './onnx-input-size';
import { OnnxWorkerSession } from './onnx-worker-session';
import { OptimizedModelCache } from './optimized-model-cache';

/** Creates ONNX Runtime sessions (each in its own worker thread) from a manifest's bytes, or from the optimized copy kept of them. */
@Injectable()
export class OnnxModelLoader implements ModelLoader {
  private readonly logger = new Logger(OnnxModelLoader.name);
  private readonly cache: OptimizedModelCache | null;

  constructor(private readonly config: AppConfig) {
    this.cache = config.ORT_CACHE ? new OptimizedModelCache(config.ortCacheDir) : null;
  }

  async load(manifest: ModelManifest): Promise<LoadedModel> {
    const wanted = manifest.executionProviders.length ? manifest.executionProviders : this.config.ORT_EXECUTION_PROVIDERS;
    const available = new Set(ort.listSupportedBackends().map((b) => b.name));
    const providers = wanted.filter((p) => p === 'cpu' || available.has(p));
    if (providers.length < wanted.length) {
      this.logger.warn(
        `${manifest.id}: execution providers ${wanted.filter((p) => !providers.includes(p)).join(',')} are not in this ` +
          `onnxruntime-node build; using ${providers.join(',') || 'cpu'}`,
      );
    }
    if (!providers.includes('cpu')) providers.push('cpu');
    const options: ort.InferenceSession.SessionOptions = {
      executionProviders: providers,
      graphOptimizationLevel: 'all',
      // Always said, never left to ONNX Runtime: its own default ran ISNet on one core of a two-core
      // VM (2x the time of two threads), leaving the other idle while the job waited on the model.
      // Every core: the registry runs one inference at a time per device, whatever JOB_CONCURRENCY is.
      intraOpNumThreads: this.config.ORT_INTRA_OP_THREADS || availableParallelism(),
      extra: { session: { intra_op: { allow_spinning: this.config.ORT_ALLOW_SPINNING ? '1' : '0' } } },
    };
    const device = providers[0] === 'cpu' ? 'cpu' : `${providers[0]}:0`;
    // A GPU provider's optimized graph may hold that provider's own kernels: only CPU graphs are kept.
    const cache = device === 'cpu' ? this.cache : null;
    const cached = await cache?.find(manifest);
    if (cache && cached) {
      try {
        return await OnnxWorkerSession.create(cached, options, device, this.config.INFERENCE_NICE);
      } catch (error) {
        this.logger.warn(`${manifest.id}: the optimized copy ${cached} did not load (${(error as Error).message}); building it again`);
        await cache.forget(cached);
      }
    }
    const bytes = await this.readBytes(manifest);
    let pending = await cache?.reserve(manifest).catch((error: Error) => {
      this.logger.warn(`${manifest.id}: no optimized copy will be kept (${error.message})`);
      return undefined;
    });
    try {
      // ONNX Runtime warns that the copy fits this CPU only (logged as errors only while writing it):
      // the copy's name carries this CPU's signature for that reason.
      const keeping = pending ? { ...options, optimizedModelFilePath: pending.path, logSeverityLevel: 3 as const } : options;
      const session = await OnnxWorkerSession.create(bytes, keeping, device, this.config.INFERENCE_NICE).catch(async (error: Error) => {
        if (!pending) throw error;
        // Writing the copy may be what failed (a full disk): the model itself may still load.
        // The bytes went to the dead worker, so they are read again.
        await pending.discard();
        pending = undefined;
        this.logger.warn(`${manifest.id}: loading while keeping an optimized copy failed (${error.message}); loading without`);
        return OnnxWorkerSession.create(await this.readBytes(manifest), options, device, this.config.INFERENCE_NICE);
      });
      await pending?.commit().catch((error: Error) => this.logger.warn(`${manifest.id}: the optimized copy was not kept (${error.message})`));
      return session;
    } catch (error) {
      await pending?.discard();
      const message = (error as Error).message;
      const code = /out of memory|Failed to allocate/i.test(message) ? ErrorCode.GPU_OUT_OF_MEMORY : ErrorCode.MODEL_LOAD_ERROR;
      throw new DomainException(code, `ONNX Runtime could not load ${manifest.id}: ${message}`);
    }
  }

  private async readBytes(manifest: ModelManifest): Promise<Uint8Array> {
    const source = manifest.source;
    try {
      if (source.kind === 'file') return new Uint8Array(await readFile(source.path));
      const out = new Uint8Array(source.bytes);
      let offset = 0;
      for (const chunk of source.paths) {
        const part = await readFile(chunk);
        out.set(part, offset);
        offset += part.length;
      }
      if (offset !== source.bytes) throw new Error(`chunks add up to ${offset} bytes, expected ${source.bytes}`);
      return source.inputSize ? atInputSize(out, source.inputSize.from, source.inputSize.to) : out;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
        throw new DomainException(
          ErrorCode.MODEL_NOT_INSTALLED,
          `Model ${manifest.id} is missing a file (${(error as NodeJS.ErrnoException).path}). Run: npm run models:pull`,
        );
      }
      throw new DomainException(ErrorCode.MODEL_LOAD_ERROR, `Reading model ${manifest.id} failed: ${(error as Error).message}`);
    }
  }
}
