import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';

@Injectable()
export class HealthRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /** Round-trip time to the database in ms, or null when it does not answer. */
  async ping(): Promise<number | null> {
    const started = performance.now();
    try {
      await this.db.query('SELECT 1');
      return Math.round((performance.now() - started) * 10) / 10;
    } catch {
      return null;
    }
  }

  async queue(): Promise<Record<string, number>> {
    const rows: Array<{ status: string; count: number }> = await this.db.query(
      'SELECT status, count(*)::int AS count FROM jobs GROUP BY status',
    );
    return Object.fromEntries(rows.map((r) => [r.status, r.count]));
  }

  /** The newest retention sweep of any instance (they share one log). */
  async lastSweep(): Promise<Record<string, unknown> | null> {
    const rows: Array<Record<string, unknown>> = await this.db.query(
      `SELECT instance_id, started_at, ms, jobs, orphans, bytes::float AS bytes, error FROM retention_sweeps ORDER BY id DESC LIMIT 1`,
    );
    return rows[0] ?? null;
  }

  get driver(): string {
    return this.db.options.type;
  }
}
