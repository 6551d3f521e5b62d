import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { RUNNER_DATA_SOURCE } from '../database/data-source-options';
import { returningRows } from '../database/returning-rows';
import type { WebhookAttempt, WebhookDelivery } from '../jobs/webhook-delivery.types';

/** The delivery queue's queries, on the runner's pool (background work stays off the HTTP pool). */
@Injectable()
export class WebhookDeliveriesRepository {
  constructor(@InjectDataSource(RUNNER_DATA_SOURCE) private readonly db: DataSource) {}

  /**
   * Takes up to `limit` due deliveries. Pushing next_attempt_at forward is the lease: another
   * instance skips them, and takes them back if this one dies before it records the attempt.
   */
  claimDue(limit: number, leaseSeconds: number): Promise<WebhookDelivery[]> {
    return returningRows<WebhookDelivery>(
      this.db,
      `UPDATE webhook_deliveries SET next_attempt_at = now() + make_interval(secs => $2)
        WHERE id IN (SELECT id FROM webhook_deliveries WHERE state = 'pending' AND next_attempt_at <= now()
                      ORDER BY next_attempt_at LIMIT $1 FOR UPDATE SKIP LOCKED)
        RETURNING *`,
      [limit, leaseSeconds],
    );
  }

  /** Appends an attempt; `next` null ends the delivery in `state`. */
  async record(id: string, attempt: WebhookAttempt, state: WebhookDelivery['state'], next: Date | null): Promise<void> {
    await this.db.query(
      `UPDATE webhook_deliveries SET attempts = attempts || $2::jsonb, state = $3::varchar,
              next_attempt_at = COALESCE($4, next_attempt_at), finished_at = CASE WHEN $3::varchar = 'pending' THEN NULL ELSE now() END
        WHERE id = $1`,
      [id, JSON.stringify([attempt]), state, next],
    );
  }

  /** When the next pending delivery falls due (null: none is pending). */
  async nextDue(): Promise<Date | null> {
    const [row] = (await this.db.query(`SELECT min(next_attempt_at) AS at FROM webhook_deliveries WHERE state = 'pending'`)) as Array<{ at: Date | null }>;
    return row?.at ?? null;
  }
}
