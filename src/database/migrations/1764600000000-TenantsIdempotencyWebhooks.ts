import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Jobs record the key that made them (tenancy, per-key queue limits) and where to announce
 * their end. Idempotency keys remember a submit's response for a day. A job that reaches a
 * final status with a webhook_url enqueues its delivery in the same transaction (a trigger, so
 * every path to a final status does: the runner, a stop, a timeout, recovery), and delivery
 * changes wake /status readers like any change to the job.
 */
export class TenantsIdempotencyWebhooks1764600000000 implements MigrationInterface {
  name = 'TenantsIdempotencyWebhooks1764600000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE jobs ADD COLUMN owner varchar(64), ADD COLUMN webhook_url text`);
    await q.query(`CREATE INDEX jobs_owner_created_idx ON jobs (owner, created_at DESC)`);
    await q.query(`CREATE INDEX jobs_owner_pending_idx ON jobs (owner) WHERE status = 'pending'`);
    await q.query(`
      CREATE TABLE idempotency_keys (
        owner varchar(64) NOT NULL,
        key varchar(255) NOT NULL,
        request_hash char(64) NOT NULL,
        job_id uuid NOT NULL,
        response jsonb NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (owner, key)
      )`);
    await q.query(`CREATE INDEX idempotency_keys_created_idx ON idempotency_keys (created_at)`);
    await q.query(`
      CREATE TABLE webhook_deliveries (
        id varchar(40) PRIMARY KEY,
        job_id uuid NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
        event varchar(32) NOT NULL,
        url text NOT NULL,
        state varchar(16) NOT NULL DEFAULT 'pending',
        attempts jsonb NOT NULL DEFAULT '[]'::jsonb,
        next_attempt_at timestamptz NOT NULL DEFAULT now(),
        created_at timestamptz NOT NULL DEFAULT now(),
        finished_at timestamptz
      )`);
    await q.query(`CREATE INDEX webhook_deliveries_due_idx ON webhook_deliveries (next_attempt_at) WHERE state = 'pending'`);
    await q.query(`CREATE INDEX webhook_deliveries_job_idx ON webhook_deliveries (job_id)`);
    await q.query(`
      CREATE FUNCTION nanococoa_webhook_enqueue() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        INSERT INTO webhook_deliveries (id, job_id, event, url) VALUES (
          'msg_' || replace(gen_random_uuid()::text, '-', ''), NEW.id,
          CASE NEW.status WHEN 'completed' THEN 'job.completed' WHEN 'error' THEN 'job.failed' ELSE 'job.stopped' END,
          NEW.webhook_url);
        RETURN NULL;
      END $$`);
    await q.query(`
      CREATE TRIGGER jobs_webhook_enqueue AFTER UPDATE OF status ON jobs FOR EACH ROW
        WHEN (NEW.webhook_url IS NOT NULL AND NEW.status IN ('completed', 'error', 'stopped') AND OLD.status IS DISTINCT FROM NEW.status)
        EXECUTE FUNCTION nanococoa_webhook_enqueue()`);
    await q.query(`
      CREATE FUNCTION nanococoa_webhook_notify() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        PERFORM pg_notify('nanococoa_jobs', json_build_object('id', NEW.job_id, 'webhook', NEW.state)::text);
        RETURN NULL;
      END $$`);
    await q.query(`
      CREATE TRIGGER webhook_deliveries_notify AFTER INSERT OR UPDATE OF state, attempts ON webhook_deliveries
        FOR EACH ROW EXECUTE FUNCTION nanococoa_webhook_notify()`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TRIGGER webhook_deliveries_notify ON webhook_deliveries`);
    await q.query(`DROP FUNCTION nanococoa_webhook_notify()`);
    await q.query(`DROP TRIGGER jobs_webhook_enqueue ON jobs`);
    await q.query(`DROP FUNCTION nanococoa_webhook_enqueue()`);
    await q.query(`DROP TABLE webhook_deliveries`);
    await q.query(`DROP TABLE idempotency_keys`);
    await q.query(`DROP INDEX jobs_owner_pending_idx`);
    await q.query(`DROP INDEX jobs_owner_created_idx`);
    await q.query(`ALTER TABLE jobs DROP COLUMN webhook_url, DROP COLUMN owner`);
  }
}
