import type { MigrationInterface, QueryRunner } from 'typeorm';

export class InitialSchema1763700000000 implements MigrationInterface {
  name = 'InitialSchema1763700000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE jobs (
        id uuid PRIMARY KEY,
        kind varchar(32) NOT NULL,
        status varchar(16) NOT NULL CHECK (status IN ('pending', 'running', 'completed', 'error', 'stopped')),
        parameters jsonb NOT NULL,
        progress_percent real NOT NULL DEFAULT 0,
        current_step varchar(64),
        sub_step varchar(64),
        message text NOT NULL DEFAULT '',
        error_code varchar(64),
        error_message text,
        timings jsonb NOT NULL DEFAULT '{}'::jsonb,
        result jsonb NOT NULL DEFAULT '{}'::jsonb,
        attempts int NOT NULL DEFAULT 0,
        cancel_requested boolean NOT NULL DEFAULT false,
        lease_owner varchar(64),
        lease_expires_at timestamptz,
        stage_started_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        started_at timestamptz,
        finished_at timestamptz
      )`);
    await q.query(`CREATE INDEX jobs_status_created_idx ON jobs (status, created_at)`);
    await q.query(`CREATE INDEX jobs_running_lease_idx ON jobs (lease_expires_at) WHERE status = 'running'`);
    await q.query(`CREATE INDEX jobs_completed_finished_idx ON jobs (finished_at DESC) WHERE status = 'completed'`);
    await q.query(`
      CREATE TABLE artifacts (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        job_id uuid NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
        name varchar(128) NOT NULL,
        path text NOT NULL,
        mime varchar(64) NOT NULL,
        bytes int NOT NULL,
        sha256 char(64) NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE UNIQUE INDEX artifacts_job_name_uq ON artifacts (job_id, name)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE artifacts`);
    await q.query(`DROP TABLE jobs`);
  }
}
