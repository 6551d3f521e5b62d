import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { RUNNER_DATA_SOURCE } from '../database/data-source-options';
import { returningRows } from '../database/returning-rows';
import { IDEMPOTENCY_HOURS } from './jobs.repository';

/** Any 64-bit constant shared by every instance: it names the sweep's advisory lock. */
const SWEEP_LOCK = 7_346_172_019;
/** Jobs deleted per statement: short transactions, and the sweep loops until a batch comes back short. */
export const SWEEP_BATCH = 200;

export interface SweepRecord {
  instanceId: string;
  startedAt: Date;
  ms: number;
  jobs: number;
  orphans: number;
  bytes: number;
  error: string | null;
}

/** The retention sweep's queries, on the runner's pool. */
@Injectable()
export class RetentionRepository {
  constructor(@InjectDataSource(RUNNER_DATA_SOURCE) private readonly db: DataSource) {}

  /**
   * Runs `work` while holding the sweep's advisory lock on one connection of its own; returns
   * null at once when another instance holds it. A dead holder's lock goes with its connection.
   */
  async withSweepLock<T>(work: () => Promise<T>): Promise<T | null> {
    const runner = this.db.createQueryRunner();
    await runner.connect();
    try {
      const [{ locked }] = (await runner.query('SELECT pg_try_advisory_lock($1) AS locked', [SWEEP_LOCK])) as Array<{ locked: boolean }>;
      if (!locked) return null;
      try {
        return await work();
      } finally {
        await runner.query('SELECT pg_advisory_unlock($1)', [SWEEP_LOCK]);
      }
    } finally {
      await runner.release();
    }
  }

  /**
   * Deletes up to one batch of finished jobs older than `hours`, of the given kinds (or of every
   * kind not in `exceptKinds`); their artifact rows go by cascade. Returns the deleted ids.
   */
  async deleteExpired(hours: number, kinds: { only?: string[]; except?: string[] }): Promise<string[]> {
    const filter = kinds.only ? 'kind = ANY($2)' : 'NOT (kind = ANY($2))';
    const rows = await returningRows<{ id: string }>(
      this.db,
      `DELETE FROM jobs WHERE id IN (
         SELECT id FROM jobs WHERE status IN ('completed', 'error', 'stopped') AND ${filter}
            AND finished_at < now() - make_interval(hours => $1)
          ORDER BY finished_at LIMIT ${SWEEP_BATCH} FOR UPDATE SKIP LOCKED)
       RETURNING id`,
      [hours, kinds.only ?? kinds.except ?? []],
    );
    return rows.map((r) => r.id);
  }

  /** Idempotency keys answer for 24 hours; after that they are only rows. */
  async deleteExpiredIdempotencyKeys(): Promise<void> {
    await this.db.query(`DELETE FROM idempotency_keys WHERE created_at < now() - make_interval(hours => ${IDEMPOTENCY_HOURS})`);
  }

  /** Of these ids, the ones that still have a job row. */
  async existing(ids: string[]): Promise<Set<string>> {
    if (ids.length === 0) return new Set();
    const rows = (await this.db.query('SELECT id FROM jobs WHERE id = ANY($1::uuid[])', [ids])) as Array<{ id: string }>;
    return new Set(rows.map((r) => r.id));
  }

  async record(s: SweepRecord): Promise<void> {
    await this.db.query(
      `INSERT INTO retention_sweeps (instance_id, started_at, ms, jobs, orphans, bytes, error) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
      [s.instanceId, s.startedAt, s.ms, s.jobs, s.orphans, s.bytes, s.error],
    );
    await this.db.query(`DELETE FROM retention_sweeps WHERE id < (SELECT max(id) - 100 FROM retention_sweeps)`);
  }
}

