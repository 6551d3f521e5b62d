import type { DataSource } from 'typeorm';

/**
 * Runs an UPDATE or DELETE ... RETURNING. TypeORM's query() answers those with
 * [rows, rowCount] on PostgreSQL (a SELECT gives the rows alone); callers want the rows.
 */
export async function returningRows<T>(db: DataSource, sql: string, params: unknown[]): Promise<T[]> {
  const raw: unknown = await db.query(sql, params);
  if (Array.isArray(raw) && raw.length === 2 && Array.isArray(raw[0]) && typeof raw[1] === 'number') return raw[0] as T[];
  return raw as T[];
}
