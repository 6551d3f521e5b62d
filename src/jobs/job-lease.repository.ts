import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import type { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity';
import { RUNNER_DATA_SOURCE } from '../database/data-source-options';
import { returningRows } from '../database/returning-rows';
import { ArtifactEntity, type NewArtifact } from './job.entity';
import { JobEntity, type JobStatus } from './job.entity';
import type { JobProgress } from './job-handler';

export interface FinishUpdate {
  status: Extract<JobStatus, 'completed' | 'error' | 'stopped'>;
  message: string;
  errorCode?: string | null;
  errorMessage?: string | null;
  timings?: Record<string, number>;
  result?: Record<string, unknown>;
}

/** Only the lease holder's writes land: every statement checks owner and status in its WHERE. */
const HELD = `lease_owner = $2 AND status = 'running'`;

/**
 * Puts interrupted jobs back in the queue while attempts remain, and fails them saying why
 * once they do not. `$1` is JOB_MAX_ATTEMPTS; the caller appends which rows.
 */
const REQUEUE_OR_FAIL = `UPDATE jobs SET
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
    lease_owner = NULL, lease_expires_at = NULL, updated_at = now()`;

/**
 * The job runner's side of the jobs and artifacts tables, on the runner's own pool: claims,
 * leases, progress, results and lease-checked artifact rows.
 */
@Injectable()
export class JobLeaseRepository {
  constructor(@InjectDataSource(RUNNER_DATA_SOURCE) private readonly db: DataSource) {}

  /**
   * Takes the oldest pending job of the given kinds. SKIP LOCKED lets several instances poll one
   * table without ever taking the same row; the lease says who holds it and until when.
   */
  async claimNext(owner: string, leaseSeconds: number, kinds: string[]): Promise<JobEntity | null> {
    const rows = await returningRows<{ id: string }>(
      this.db,
      `UPDATE jobs SET status = 'running', lease_owner = $1, lease_expires_at = now() + make_interval(secs => $2),
              started_at = COALESCE(started_at, now()), attempts = attempts + 1, updated_at = now()
        WHERE id = (SELECT id FROM jobs WHERE status = 'pending' AND NOT cancel_requested AND kind = ANY($3)
                     ORDER BY created_at FOR UPDATE SKIP LOCKED LIMIT 1)
        RETURNING id`,
      [owner, leaseSeconds, kinds],
    );
    return rows.length ? this.db.getRepository(JobEntity).findOneBy({ id: rows[0].id }) : null;
  }

  /** Extends the lease; returns whether a stop was requested, or null if the lease was lost. */
  async renewLease(id: string, owner: string, leaseSeconds: number): Promise<{ cancelRequested: boolean } | null> {
    const rows = await returningRows<{ cancel_requested: boolean }>(
      this.db,
      `UPDATE jobs SET lease_expires_at = now() + make_interval(secs => $3) WHERE id = $1 AND ${HELD} RETURNING cancel_requested`,
      [id, owner, leaseSeconds],
    );
    return rows.length ? { cancelRequested: rows[0].cancel_requested } : null;
  }

  async updateProgress(id: string, owner: string, p: JobProgress): Promise<void> {
    const update = {
      progressPercent: Math.round(p.percent * 10) / 10,
      currentStep: p.step,
      subStep: p.subStep,
      message: p.message,
      ...(p.stageStartedAt ? { stageStartedAt: p.stageStartedAt } : {}),
      ...(p.timings ? { timings: p.timings } : {}),
    };
    await this.db.getRepository(JobEntity).update({ id, leaseOwner: owner, status: 'running' }, update as QueryDeepPartialEntity<JobEntity>);
  }

  async finish(id: string, owner: string, update: FinishUpdate): Promise<boolean> {
    const result = await this.db.getRepository(JobEntity).update({ id, leaseOwner: owner, status: 'running' }, {
      ...update,
      progressPercent: update.status === 'completed' ? 100 : undefined,
      leaseOwner: null,
      leaseExpiresAt: null,
      finishedAt: new Date(),
    } as QueryDeepPartialEntity<JobEntity>);
    return (result.affected ?? 0) > 0;
  }

  /** Puts a job this process was running back in the queue (graceful shutdown). */
  async requeue(id: string, owner: string, message: string): Promise<void> {
    await this.db.query(
      `UPDATE jobs SET status = 'pending', lease_owner = NULL, lease_expires_at = NULL, message = $3, progress_percent = 0,
              current_step = NULL, sub_step = NULL, updated_at = now() WHERE id = $1 AND ${HELD}`,
      [id, owner, message],
    );
  }

  /**
   * Jobs whose holder died (lease expired). `instanceId` is the caller's: an instance knows its
   * own jobs are alive even if a stall delayed its heartbeat.
   */
  recoverExpired(maxAttempts: number, instanceId: string): Promise<Array<{ id: string; status: JobStatus }>> {
    return returningRows(
      this.db,
      `${REQUEUE_OR_FAIL} WHERE status = 'running' AND lease_expires_at < now()
          AND split_part(COALESCE(lease_owner, ''), '/', 1) <> $2 RETURNING id, status`,
      [maxAttempts, instanceId],
    );
  }

  /**
   * At boot: jobs an earlier process of this instance held are not running anywhere (that
   * process is gone), so they are taken back at once instead of waiting out the lease.
   */
  reclaimOwn(maxAttempts: number, instanceId: string, self: string): Promise<Array<{ id: string; status: JobStatus }>> {
    return returningRows(
      this.db,
      `${REQUEUE_OR_FAIL} WHERE status = 'running' AND split_part(lease_owner, '/', 1) = $2 AND lease_owner <> $3 RETURNING id, status`,
      [maxAttempts, instanceId, self],
    );
  }

  /**
   * Records an artifact row only if `owner` still holds the job, in one statement, and says
   * which file the row pointed to before (the caller deletes it once nothing refers to it).
   */
  async recordArtifact(owner: string, a: NewArtifact): Promise<{ written: boolean; replacedPath: string | null }> {
    const rows = await this.db.query<Array<{ written: number; old_path: string | null }>>(
      `WITH old AS (SELECT path FROM artifacts WHERE job_id = $1 AND name = $3),
            up AS (
              INSERT INTO artifacts (job_id, name, path, mime, bytes, sha256)
              SELECT $1, $3, $4, $5, $6, $7 WHERE EXISTS (SELECT 1 FROM jobs WHERE id = $1 AND ${HELD})
              ON CONFLICT (job_id, name) DO UPDATE SET path = EXCLUDED.path, mime = EXCLUDED.mime, bytes = EXCLUDED.bytes,
                     sha256 = EXCLUDED.sha256, created_at = now()
              RETURNING 1)
       SELECT (SELECT count(*) FROM up)::int AS written, (SELECT path FROM old) AS old_path`,
      [a.jobId, owner, a.name, a.path, a.mime, a.bytes, a.sha256],
    );
    return { written: rows[0].written > 0, replacedPath: rows[0].old_path };
  }

  async artifactPaths(jobId: string): Promise<string[]> {
    const rows = (await this.db.query('SELECT path FROM artifacts WHERE job_id = $1', [jobId])) as Array<{ path: string }>;
    return rows.map((r) => r.path);
  }

  findArtifact(jobId: string, name: string): Promise<ArtifactEntity | null> {
    return this.db.getRepository(ArtifactEntity).findOneBy({ jobId, name });
  }

  /** Median milliseconds per stage over the most recent completed jobs of a kind. */
  async stageMedians(kind: string, window = 100): Promise<Record<string, number>> {
    const rows: Array<{ stage: string; median: number }> = await this.db.query(
      `SELECT t.key AS stage, percentile_cont(0.5) WITHIN GROUP (ORDER BY t.value::float) AS median
         FROM (SELECT timings FROM jobs WHERE status = 'completed' AND kind = $2 ORDER BY finished_at DESC LIMIT $1) j,
              jsonb_each_text(j.timings) t
        GROUP BY t.key`,
      [window, kind],
    );
    return Object.fromEntries(rows.map((r) => [r.stage, Number(r.median)]));
  }
}
