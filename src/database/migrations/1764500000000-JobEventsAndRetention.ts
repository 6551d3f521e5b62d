import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Job changes announce themselves on the `nanococoa_jobs` channel, so idle runners wake and
 * SSE viewers update without polling; lease renewals touch none of the listed columns and stay
 * silent. Adds the retention sweep's index and its log.
 */
export class JobEventsAndRetention1764500000000 implements MigrationInterface {
  name = 'JobEventsAndRetention1764500000000';

  async up(q: QueryRunner): Promise<void> {
    // Leases are held as INSTANCE_ID/process-token, so a restarted instance knows its own.
    await q.query(`ALTER TABLE jobs ALTER COLUMN lease_owner TYPE varchar(128)`);
    await q.query(`
      CREATE FUNCTION nanococoa_job_notify() RETURNS trigger LANGUAGE plpgsql AS $$
      DECLARE r jobs;
      BEGIN
        IF TG_OP = 'DELETE' THEN r := OLD; ELSE r := NEW; END IF;
        PERFORM pg_notify('nanococoa_jobs', json_build_object(
          'id', r.id, 'kind', r.kind,
          'status', CASE WHEN TG_OP = 'DELETE' THEN 'deleted' ELSE r.status END,
          'cancel', r.cancel_requested)::text);
        RETURN NULL;
      END $$`);
    await q.query(`
      CREATE TRIGGER jobs_notify AFTER INSERT OR DELETE
        OR UPDATE OF status, progress_percent, current_step, sub_step, message, cancel_requested, result
        ON jobs FOR EACH ROW EXECUTE FUNCTION nanococoa_job_notify()`);
    await q.query(`
      CREATE FUNCTION nanococoa_artifact_notify() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        PERFORM pg_notify('nanococoa_jobs', json_build_object('id', NEW.job_id, 'artifact', NEW.name)::text);
        RETURN NULL;
      END $$`);
    await q.query(`CREATE TRIGGER artifacts_notify AFTER INSERT OR UPDATE ON artifacts FOR EACH ROW EXECUTE FUNCTION nanococoa_artifact_notify()`);
    // The retention sweep's scan: finished jobs by kind and age.
    await q.query(`CREATE INDEX jobs_finished_kind_idx ON jobs (kind, finished_at) WHERE status IN ('completed', 'error', 'stopped')`);
    await q.query(`CREATE INDEX jobs_pending_kind_idx ON jobs (kind, created_at) WHERE status = 'pending'`);
    await q.query(`
      CREATE TABLE retention_sweeps (
        id bigserial PRIMARY KEY,
        instance_id varchar(64) NOT NULL,
        started_at timestamptz NOT NULL,
        ms int NOT NULL,
        jobs int NOT NULL,
        orphans int NOT NULL,
        bytes bigint NOT NULL,
        error text
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE retention_sweeps`);
    await q.query(`DROP INDEX jobs_pending_kind_idx`);
    await q.query(`DROP INDEX jobs_finished_kind_idx`);
    await q.query(`DROP TRIGGER artifacts_notify ON artifacts`);
    await q.query(`DROP FUNCTION nanococoa_artifact_notify()`);
    await q.query(`DROP TRIGGER jobs_notify ON jobs`);
    await q.query(`DROP FUNCTION nanococoa_job_notify()`);
    await q.query(`ALTER TABLE jobs ALTER COLUMN lease_owner TYPE varchar(64)`);
  }
}
