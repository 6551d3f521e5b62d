import { BeforeApplicationShutdown, Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { DomainException, isDomainException, JobAbortedError } from '../common/errors/domain.exception';
import { ErrorCode } from '../common/errors/error-codes';
import { imageDecodeFailure } from '../common/images/image-input';
import { AppConfig } from '../config/app-config';
import { ARTIFACT_STORE, type ArtifactStore } from '../storage/artifact-store';
import type { JobEntity } from './job.entity';
import type { JobContext, WrittenArtifact } from './job-handler';
import { JobHandlerRegistry } from './job-handler.registry';
import { JobLeaseRepository } from './job-lease.repository';
import { JobNotificationsRepository, type JobNotification } from './job-notifications.repository';
import { ProgressWriter } from './progress-writer';

type AbortReason = 'stop' | 'deleted' | 'shutdown' | 'lease-lost' | 'timeout';

interface Running {
  job: JobEntity;
  controller: AbortController;
  reason?: AbortReason;
  done: Promise<void>;
}

/**
 * Claims queued jobs and runs each through the handler its kind registered. Several instances
 * share one database: claims use SKIP LOCKED, every running job holds a lease renewed at a
 * third of its length, and NOTIFY wakes idle runners and delivers stops at once.
 */
@Injectable()
export class JobRunnerService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(JobRunnerService.name);
  /** INSTANCE_ID/process: the instance part survives restarts, the rest tells processes apart. */
  readonly owner: string;
  private readonly running = new Map<string, Running>();
  private readonly unsubscribe: Array<() => void> = [];
  private kinds: string[] = [];
  private timer?: NodeJS.Timeout;
  private claiming = false;
  private claimAgain = false;
  private stopped = true;
  private medians = new Map<string, { at: number; value: Record<string, number> }>();

  constructor(
    private readonly config: AppConfig,
    private readonly leases: JobLeaseRepository,
    private readonly handlers: JobHandlerRegistry,
    private readonly notifications: JobNotificationsRepository,
    @Inject(ARTIFACT_STORE) private readonly store: ArtifactStore,
  ) {
    this.owner = `${config.instanceId}/${process.pid.toString(36)}.${randomBytes(3).toString('hex')}`;
  }

  async onApplicationBootstrap(): Promise<void> {
    if (!this.config.RUNNER_ENABLED) return;
    this.kinds = this.handlers.kinds();
    this.stopped = false;
    for (const job of await this.leases.reclaimOwn(this.config.JOB_MAX_ATTEMPTS, this.config.instanceId, this.owner)) {
      this.logger.warn(`job ${job.id} was held by this instance before a restart; now ${job.status}`);
    }
    await this.recover();
    this.unsubscribe.push(
      this.notifications.onAny((n) => this.onNotification(n)),
      this.notifications.onReconnect(() => this.wake()),
    );
    this.timer = setInterval(() => this.tick(), this.config.JOB_POLL_MS);
    this.timer.unref();
    this.wake();
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    for (const off of this.unsubscribe.splice(0)) off();
    for (const run of this.running.values()) this.abort(run, 'shutdown');
    await Promise.race([Promise.all([...this.running.values()].map((r) => r.done)), delay(10_000)]);
  }

  /** Looks for work now instead of at the next poll. */
  wake(): void {
    if (!this.stopped) setImmediate(() => void this.claim());
  }

  abortLocal(jobId: string, reason: 'stop' | 'deleted' = 'stop'): void {
    const run = this.running.get(jobId);
    if (run) this.abort(run, reason);
  }

  /** Median seconds per stage of recent completed jobs of a kind, cached for half a minute. */
  async stageSeconds(kind: string): Promise<Record<string, number>> {
    const cached = this.medians.get(kind);
    if (cached && Date.now() - cached.at < 30_000) return cached.value;
    const ms = await this.leases.stageMedians(kind);
    const value = Object.fromEntries(Object.entries(ms).map(([k, v]) => [k, v / 1000]));
    this.medians.set(kind, { at: Date.now(), value });
    return value;
  }

  private onNotification(n: JobNotification): void {
    if (n.status === 'pending' && n.kind && this.kinds.includes(n.kind)) this.wake();
    const run = this.running.get(n.id);
    if (!run) return;
    if (n.status === 'deleted') this.abort(run, 'deleted');
    else if (n.cancel) this.abort(run, 'stop');
  }

  private abort(run: Running, reason: AbortReason): void {
    run.reason ??= reason;
    run.controller.abort(new JobAbortedError(reason));
  }

  private tick(): void {
    void this.recover().then(() => this.claim());
  }

  private async recover(): Promise<void> {
    try {
      for (const job of await this.leases.recoverExpired(this.config.JOB_MAX_ATTEMPTS, this.config.instanceId)) {
        this.logger.warn(`job ${job.id} lost its runner; now ${job.status}`);
      }
    } catch (error) {
      this.logger.error(`recovering expired jobs failed: ${(error as Error).message}`);
    }
  }

  private async claim(): Promise<void> {
    if (this.stopped) return;
    if (this.claiming) {
      this.claimAgain = true; // a wake-up during a claim must not be lost
      return;
    }
    this.claiming = true;
    try {
      do {
        this.claimAgain = false;
        while (!this.stopped && this.running.size < this.config.JOB_CONCURRENCY) {
          const job = await this.leases.claimNext(this.owner, this.config.JOB_LEASE_SECONDS, this.kinds);
          if (!job) break;
          const entry: Running = { job, controller: new AbortController(), done: Promise.resolve() };
          this.running.set(job.id, entry);
          entry.done = this.execute(entry).finally(() => {
            this.running.delete(job.id);
            this.wake();
          });
        }
      } while (this.claimAgain && !this.stopped);
    } catch (error) {
      this.logger.error(`claiming jobs failed: ${(error as Error).message}`);
    } finally {
      this.claiming = false;
    }
  }

  private async execute(run: Running): Promise<void> {
    const { job } = run;
    const heartbeat = this.heartbeat(run);
    const deadline = setTimeout(() => this.abort(run, 'timeout'), this.config.JOB_MAX_RUNTIME_SEC * 1000);
    deadline.unref();
    const progress = new ProgressWriter((p) => this.leases.updateProgress(job.id, this.owner, p), this.logger);
    try {
      const handler = this.handlers.get(job.kind);
      if (!handler) throw new Error(`no handler for job kind "${job.kind}" on this instance`);
      const work = handler.run(this.context(run, progress, await this.stageSeconds(job.kind)));
      const outcome = await Promise.race([work, this.giveUpAfterAbort(run, work)]);
      await progress.flush();
      const retried = job.attempts > 1 ? ` (resumed after an interruption, attempt ${job.attempts})` : '';
      await this.leases.finish(job.id, this.owner, {
        status: 'completed',
        message: `${outcome.message}${retried}`,
        timings: outcome.timings,
        result: outcome.result,
      });
      this.medians.delete(job.kind);
      if (job.attempts > 1) await this.removeEarlierAttempts(job);
    } catch (error) {
      await progress.flush();
      await this.fail(run, error).catch((e: unknown) => this.logger.error(`recording the end of job ${job.id} failed: ${(e as Error).message}`));
    } finally {
      clearInterval(heartbeat);
      clearTimeout(deadline);
    }
  }

  private context(run: Running, progress: ProgressWriter, stageSeconds: Record<string, number>): JobContext {
    const { job, controller } = run;
    return {
      job,
      signal: controller.signal,
      stageSeconds,
      progress: (p) => progress.push(p),
      writeArtifact: (name, data, mime) => this.writeArtifact(run, name, data, mime),
      readArtifact: async (name) => {
        const row = await this.leases.findArtifact(job.id, name);
        return row ? this.store.read(row.path).catch((error: unknown) => Promise.reject(this.explainMissing(error))) : undefined;
      },
    };
  }

  /**
   * On local disk, a file this job recorded but this instance cannot see almost always means
   * the job was submitted through another instance with its own DATA_DIR.
   */
  private explainMissing(error: unknown): unknown {
    if (this.store.driver !== 'fs' || !isDomainException(error) || error.code !== ErrorCode.ARTIFACT_MISSING) return error;
    return new DomainException(
      ErrorCode.ARTIFACT_MISSING,
      `${error.message}. Instances that share a database must share their files too: set STORAGE_DRIVER=s3 on every instance (docs/scaling.md).`,
      error.details,
    );
  }

  /**
   * Each attempt writes under its own prefix and the row is recorded only while this process
   * holds the lease, so a runner that lost the job can never replace the new attempt's files.
   */
  private async writeArtifact(run: Running, name: string, data: Buffer, mime: string): Promise<WrittenArtifact> {
    const { job } = run;
    const key = `jobs/${job.id}/${job.attempts}/${name}`;
    const stored = await this.store.write(key, data, mime);
    const { written, replacedPath } = await this.leases.recordArtifact(this.owner, { jobId: job.id, name, path: key, mime, bytes: stored.bytes, sha256: stored.sha256 });
    if (!written) {
      await this.store.remove([key]).catch(() => undefined);
      this.abort(run, 'lease-lost');
      throw new JobAbortedError('this runner no longer holds the job');
    }
    if (replacedPath && replacedPath !== key) {
      await this.store.remove([replacedPath]).catch((e: unknown) => this.logger.warn(`removing replaced ${replacedPath} failed: ${(e as Error).message}`));
    }
    return { name, mime, bytes: stored.bytes, sha256: stored.sha256 };
  }

  /**
   * A handler that ignores its abort signal must not hold the job (and renew its lease) forever:
   * ABANDON_MS after an abort the runner stops waiting, ends the job for the abort's reason and
   * frees the slot; the stray work is logged and its later writes fail the lease check.
   */
  private giveUpAfterAbort(run: Running, work: Promise<unknown>): Promise<never> {
    return new Promise((_, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const onAbort = () => {
        timer = setTimeout(() => {
          this.logger.error(`job ${run.job.id}: its ${run.job.kind} handler ignored an abort (${run.reason}) for ${ABANDON_MS} ms; abandoned`);
          reject(new JobAbortedError(run.reason));
        }, ABANDON_MS);
        timer.unref();
      };
      run.controller.signal.addEventListener('abort', onAbort, { once: true });
      void work.finally(() => {
        run.controller.signal.removeEventListener('abort', onAbort);
        clearTimeout(timer);
      }).catch(() => undefined);
    });
  }

  /**
   * Files an interrupted attempt wrote but never recorded (it died between the two) would
   * outlive the job's retention; once a later attempt finished, nothing can refer to them.
   */
  private async removeEarlierAttempts(job: JobEntity): Promise<void> {
    try {
      const referenced = new Set(await this.leases.artifactPaths(job.id));
      const stale: string[] = [];
      for await (const object of this.store.list(`jobs/${job.id}/`)) {
        const attempt = Number(object.key.split('/')[2]);
        if (Number.isInteger(attempt) && attempt < job.attempts && !referenced.has(object.key)) stale.push(object.key);
      }
      if (stale.length) await this.store.remove(stale);
    } catch (error) {
      this.logger.warn(`removing earlier attempts' files of ${job.id} failed: ${(error as Error).message}`);
    }
  }

  private async fail(run: Running, error: unknown): Promise<void> {
    const { job } = run;
    if (error instanceof JobAbortedError || run.controller.signal.aborted) {
      switch (run.reason) {
        case 'shutdown':
          return this.leases.requeue(job.id, this.owner, 'Queued again: the server restarted while this job was running.');
        case 'timeout':
          await this.leases.finish(job.id, this.owner, {
            status: 'error',
            message: 'Timed out.',
            errorCode: ErrorCode.JOB_TIMEOUT,
            errorMessage: `The job ran longer than JOB_MAX_RUNTIME_SEC (${this.config.JOB_MAX_RUNTIME_SEC} s) and was stopped.`,
          });
          return;
        case 'lease-lost':
        case 'deleted':
          return; // another instance owns it now, or it is gone
        default:
          await this.leases.finish(job.id, this.owner, { status: 'stopped', message: 'Stopped by request.', errorCode: ErrorCode.JOB_STOPPED });
          return;
      }
    }
    // A file the decoder gives up on part-way is the user's image, not our failure.
    const known = isDomainException(error) ? error : imageDecodeFailure(error);
    if (!known) this.logger.error(`job ${job.id} failed`, (error as Error)?.stack ?? String(error));
    await this.leases.finish(job.id, this.owner, {
      status: 'error',
      message: 'Failed.',
      errorCode: known ? known.code : ErrorCode.INTERNAL,
      errorMessage: known ? known.message : `An internal error stopped this job; the server log has the details (job ${job.id}).`,
    });
  }

  /**
   * Renews the lease at a third of its length. Stops arrive by NOTIFY; while notifications are
   * down the renewal (which also reads the stop flag) runs every second instead.
   */
  private heartbeat(run: Running): NodeJS.Timeout {
    const third = (this.config.JOB_LEASE_SECONDS * 1000) / 3;
    let last = Date.now();
    const timer = setInterval(() => {
      if (this.notifications.connected && Date.now() - last < third - 250) return;
      last = Date.now();
      this.leases
        .renewLease(run.job.id, this.owner, this.config.JOB_LEASE_SECONDS)
        .then((state) => {
          if (!state) this.abort(run, 'lease-lost');
          else if (state.cancelRequested) this.abort(run, 'stop');
        })
        .catch((error: unknown) => this.logger.warn(`lease renewal for ${run.job.id} failed: ${(error as Error).message}`));
    }, Math.min(1000, third));
    timer.unref();
    return timer;
  }
}

/** How long a handler may take to honour an abort before the runner stops waiting for it. */
const ABANDON_MS = 10_000;

const delay = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms).unref());
