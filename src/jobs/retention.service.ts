import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { AppConfig } from '../config/app-config';
import { ARTIFACT_STORE, type ArtifactStore } from '../storage/artifact-store';
import { JobHandlerRegistry } from './job-handler.registry';
import { RetentionRepository, SWEEP_BATCH } from './retention.repository';

/** Files under jobs/{id}/ with no job row are orphans once this old (a submit writes first). */
const ORPHAN_GRACE_MS = 60 * 60 * 1000;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export interface SweepResult {
  jobs: number;
  orphans: number;
  bytes: number;
  ms: number;
}

/**
 * Deletes finished jobs and their files JOB_RETENTION_HOURS after they finish (a job kind may
 * keep its own hours), then files that no job row refers to. One instance sweeps at a time,
 * under a PostgreSQL advisory lock; each sweep is logged in retention_sweeps for /system.
 */
@Injectable()
export class RetentionService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(RetentionService.name);
  private sweeping?: Promise<SweepResult | null>;

  constructor(
    private readonly config: AppConfig,
    private readonly repo: RetentionRepository,
    private readonly handlers: JobHandlerRegistry,
    private readonly scheduler: SchedulerRegistry,
    @Inject(ARTIFACT_STORE) private readonly store: ArtifactStore,
  ) {}

  onApplicationBootstrap(): void {
    const run = () => void this.sweep().catch((error: unknown) => this.logger.error(`retention sweep failed: ${(error as Error).message}`));
    const timer = setInterval(run, this.config.RETENTION_SWEEP_SECONDS * 1000);
    timer.unref();
    this.scheduler.addInterval('retention-sweep', timer);
    setTimeout(run, 5000).unref(); // soon after boot, once the first jobs are claimed
  }

  onApplicationShutdown(): void {
    if (this.scheduler.doesExist('interval', 'retention-sweep')) this.scheduler.deleteInterval('retention-sweep');
  }

  /** One sweep; null when another instance is sweeping. Concurrent calls share one run. */
  sweep(): Promise<SweepResult | null> {
    this.sweeping ??= this.repo.withSweepLock(() => this.sweepLocked()).finally(() => (this.sweeping = undefined));
    return this.sweeping;
  }

  private async sweepLocked(): Promise<SweepResult> {
    const startedAt = new Date();
    const result: SweepResult = { jobs: 0, orphans: 0, bytes: 0, ms: 0 };
    let failure: Error | null = null;
    try {
      for (const { hours, kinds } of this.policies()) {
        for (;;) {
          const ids = await this.repo.deleteExpired(hours, kinds);
          result.jobs += ids.length;
          for (const id of ids) result.bytes += await this.store.removePrefix(`jobs/${id}/`);
          if (ids.length < SWEEP_BATCH) break;
        }
      }
      await this.sweepOrphans(result);
      await this.repo.deleteExpiredIdempotencyKeys();
    } catch (error) {
      failure = error as Error;
    }
    result.ms = Date.now() - startedAt.getTime();
    await this.repo.record({ instanceId: this.config.instanceId, startedAt, ...result, error: failure?.message ?? null });
    if (failure) throw failure;
    if (result.jobs || result.orphans) {
      this.logger.log(`retention: deleted ${result.jobs} job(s) and ${result.orphans} orphan folder(s), ${result.bytes} bytes in ${result.ms} ms`);
    }
    return result;
  }

  /** Hours per group of kinds: each handler's own hours, and JOB_RETENTION_HOURS for the rest. 0 keeps. */
  private policies(): Array<{ hours: number; kinds: { only?: string[]; except?: string[] } }> {
    const own = this.handlers.kinds().filter((k) => this.handlers.get(k)?.retentionHours !== undefined);
    const policies: Array<{ hours: number; kinds: { only?: string[]; except?: string[] } }> = own.map((k) => ({
      hours: this.handlers.get(k)!.retentionHours!,
      kinds: { only: [k] },
    }));
    policies.push({ hours: this.config.JOB_RETENTION_HOURS, kinds: { except: own } });
    return policies.filter((p) => p.hours > 0);
  }

  /** Folders under jobs/ whose job row is gone (a crash between deleting a row and its files). */
  private async sweepOrphans(result: SweepResult): Promise<void> {
    const newest = new Map<string, number>();
    for await (const object of this.store.list('jobs/')) {
      const id = object.key.split('/')[1];
      if (!UUID.test(id)) continue;
      newest.set(id, Math.max(newest.get(id) ?? 0, object.lastModified.getTime()));
    }
    const old = [...newest].filter(([, at]) => Date.now() - at > ORPHAN_GRACE_MS).map(([id]) => id);
    for (let i = 0; i < old.length; i += 500) {
      const batch = old.slice(i, i + 500);
      const alive = await this.repo.existing(batch);
      for (const id of batch.filter((id) => !alive.has(id))) {
        result.bytes += await this.store.removePrefix(`jobs/${id}/`);
        result.orphans += 1;
      }
    }
  }
}
