import { Injectable } from '@nestjs/common';
import { InjectDataSource, InjectRepository } from '@nestjs/typeorm';
import { DataSource, In, type Repository } from 'typeorm';
import type { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity';
import { ArtifactEntity } from '../storage/artifact.entity';
import type { NewArtifact } from '../storage/artifacts.repository';
import { JobEntity, type JobStatus } from './job.entity';

export interface ProgressUpdate {
  progressPercent: number;
  currentStep: string | null;
  subStep: string | null;
  message: string;
  stageStartedAt?: Date;
  timings?: Record<string, number>;
}

export interface FinishUpdate {
  status: Extract<JobStatus, 'completed' | 'error' | 'stopped'>;
  message: string;
  errorCode?: string | null;
  errorMessage?: string | null;
  timings?: Record<string, number>;
  result?: Record<string, unknown>;
}

/** The only code that reads or writes the jobs table. */
@Injectable()
export class JobsRepository {
  constructor(
    @InjectRepository(JobEntity) private readonly repo: Repository<JobEntity>,
    @InjectDataSource() private readonly db: DataSource,
  ) {}

  /** Inserts the job and its input artifacts in one transaction. */
  async create(job: Pick<JobEntity, 'id' | 'kind' | 'parameters' | 'message'>, inputs: NewArtifact[]): Promise<void> {
    await this.db.transaction(async (manager) => {
      await manager.insert(JobEntity, { ...job, status: 'pending' } as QueryDeepPartialEntity<JobEntity>);
      if (inputs.length) await manager.insert(ArtifactEntity, inputs);
    });
  }

  findById(id: string): Promise<JobEntity | null> {
    return this.repo.findOneBy({ id });
  }

  async list(opts: { statuses?: JobStatus[]; limit: number; offset: number }): Promise<[JobEntity[], number]> {
    return this.repo.findAndCount({
      where: opts.statuses?.length ? { status: In(opts.statuses) } : {},
      order: { createdAt: 'DESC' },
      take: opts.limit,
      skip: opts.offset,
    });
  }

  async delete(id: string): Promise<boolean> {
    const result = await this.repo.delete({ id });
    return (result.affected ?? 0) > 0;
  }

  /**
   * Takes the oldest pending job. SKIP LOCKED lets several instances poll one table without
   * ever taking the same row; the lease says who holds it and until when.
   */
  async claimNext(owner: string, leaseSeconds: number): Promise<JobEntity | null> {
    const rows = await this.updateReturning<{ id: string }>(
      `UPDATE jobs SET status = 'running', lease_owner = $1, lease_expires_at = now() + make_interval(secs => $2),
              started_at = COALESCE(started_at, now()), attempts = attempts + 1, updated_at = now()
        WHERE id = (SELECT id FROM jobs WHERE status = 'pending' AND NOT cancel_requested
                     ORDER BY created_at FOR UPDATE SKIP LOCKED LIMIT 1)
        RETURNING id`,
      [owner, leaseSeconds],
    );
    return rows.length ? this.findById(rows[0].id) : null;
  }

  /** Extends the lease; returns whether a stop was requested, or null if the lease was lost. */
  async renewLease(id: string, owner: string, leaseSeconds: number): Promise<{ cancelRequested: boolean } | null> {
    const rows = await this.updateReturning<{ cancel_requested: boolean }>(
      `UPDATE jobs SET lease_expires_at = now() + make_interval(secs => $3)
        WHERE id = $1 AND lease_owner = $2 AND status = 'running' RETURNING cancel_requested`,
      [id, owner, leaseSeconds],
    );
    return rows.length ? { cancelRequested: rows[0].cancel_requested } : null;
  }

  async updateProgress(id: string, owner: string, update: ProgressUpdate): Promise<void> {
    await this.repo.update({ id, leaseOwner: owner, status: 'running' }, update as QueryDeepPartialEntity<JobEntity>);
  }

  async finish(id: string, owner: string, update: FinishUpdate): Promise<boolean> {
    const result = await this.repo.update(
      { id, leaseOwner: owner, status: 'running' },
      {
        ...update,
        progressPercent: update.status === 'completed' ? 100 : undefined,
        leaseOwner: null,
        leaseExpiresAt: null,
        finishedAt: new Date(),
      } as QueryDeepPartialEntity<JobEntity>,
    );
    return (result.affected ?? 0) > 0;
  }

  /** A pending job stops at once; a running one is flagged for its runner. */
  async requestStop(id: string, message: string): Promise<JobStatus | null> {
    const pending = await this.repo.update(
      { id, status: 'pending' },
      { status: 'stopped', cancelRequested: true, message, errorCode: 'JOB_STOPPED', finishedAt: new Date() },
    );
    if (pending.affected) return 'stopped';
    const running = await this.repo.update({ id, status: 'running' }, { cancelRequested: true });
    if (running.affected) return 'running';
    return (await this.findById(id))?.status ?? null;
  }

  /** Puts a job this instance was running back in the queue (graceful shutdown). */
  async requeue(id: string, owner: string, message: string): Promise<void> {
    await this.repo.update(
      { id, leaseOwner: owner, status: 'running' },
      { status: 'pending', leaseOwner: null, leaseExpiresAt: null, message, progressPercent: 0, currentStep: null, subStep: null },
    );
  }

  /**
   * Jobs whose holder died (lease expired) go back to the queue while attempts remain, and
   * are failed with a message saying why once they do not. `self` is the caller's owner id:
   * an instance knows its own jobs are alive even if a stall delayed its heartbeat.
   */
  async recoverExpired(maxAttempts: number, self: string): Promise<Array<{ id: string; status: JobStatus }>> {
    return this.updateReturning<{ id: string; status: JobStatus }>(
      `UPDATE jobs SET
          status = CASE WHEN attempts < $1 AND NOT cancel_requested THEN 'pending'
                        WHEN cancel_requested THEN 'stopped' ELSE 'error' END,
          error_code = CASE WHEN attempts < $1 AND NOT cancel_requested THEN NULL
                            WHEN cancel_requested THEN 'JOB_STOPPED' ELSE 'JOB_INTERRUPTED' END,
          error_message = CASE WHEN attempts < $1 AND NOT cancel_requested THEN NULL
                               ELSE 'The server running this job stopped (' || COALESCE(lease_owner, '?') || ') after '
                                    || attempts || ' attempt(s); resubmit it.' END,
          message = CASE WHEN attempts < $1 AND NOT cancel_requested
                         THEN 'Interrupted: the server running it stopped; queued again (attempt ' || (attempts + 1) || ').'
                         ELSE 'Interrupted: the server running this job stopped and it was not retried.' END,
          finished_at = CASE WHEN attempts < $1 AND NOT cancel_requested THEN NULL ELSE now() END,
          progress_percent = CASE WHEN attempts < $1 AND NOT cancel_requested THEN 0 ELSE progress_percent END,
          lease_owner = NULL, lease_expires_at = NULL, updated_at = now()
        WHERE status = 'running' AND lease_expires_at < now() AND lease_owner IS DISTINCT FROM $2
        RETURNING id, status`,
      [maxAttempts, self],
    );
  }

  /** Median milliseconds per stage over the most recent completed jobs. */
  async stageMedians(window = 100): Promise<Record<string, number>> {
    const rows: Array<{ stage: string; median: number }> = await this.db.query(
      `SELECT t.key AS stage, percentile_cont(0.5) WITHIN GROUP (ORDER BY t.value::float) AS median
         FROM (SELECT timings FROM jobs WHERE status = 'completed' ORDER BY finished_at DESC LIMIT $1) j,
              jsonb_each_text(j.timings) t
        GROUP BY t.key`,
      [window],
    );
    return Object.fromEntries(rows.map((r) => [r.stage, Number(r.median)]));
  }

  /** TypeORM's query() answers UPDATE ... RETURNING with [rows, rowCount]; callers want rows. */
  private async updateReturning<T>(sql: string, params: unknown[]): Promise<T[]> {
    const raw: unknown = await this.db.query(sql, params);
    if (Array.isArray(raw) && raw.length === 2 && Array.isArray(raw[0]) && typeof raw[1] === 'number') return raw[0] as T[];
    return raw as T[];
  }
}
