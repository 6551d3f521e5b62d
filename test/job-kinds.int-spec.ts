import { describe, it, before, after } from 'node:test';
import { expect } from 'expect';
import { Injectable, Module } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { utimesSync } from 'node:fs';
import * as path from 'node:path';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { JobHandler, type JobContext, type JobKindHandler, type JobOutcome } from '../src/jobs/job-handler';
import { JobsRepository } from '../src/jobs/jobs.repository';
import { RetentionService } from '../src/jobs/retention.service';
import { ARTIFACT_STORE, type ArtifactStore } from '../src/storage/artifact-store';
import { startTestApp, type TestApp, waitForJob, FS_ONLY } from './helpers/test-app';

/** A job kind of the test's own: reads its input, reports progress, writes a file. */
@JobHandler('echo')
@Injectable()
class EchoJobHandler implements JobKindHandler {
  readonly retentionHours = 1;

  async run(ctx: JobContext): Promise<JobOutcome> {
    const input = (await ctx.readArtifact('input.txt'))?.toString() ?? '';
    ctx.progress({ percent: 50, step: 'echo', subStep: 'shouting', message: 'Echoing' });
    await ctx.writeArtifact('echo.txt', Buffer.from(input.toUpperCase()), 'text/plain');
    return { message: 'Echoed.', timings: { echo: 1 }, result: { length: input.length } };
  }
}

/** Runs until aborted, like a hung stage. */
@JobHandler('hang')
@Injectable()
class HangJobHandler implements JobKindHandler {
  run(ctx: JobContext): Promise<JobOutcome> {
    ctx.progress({ percent: 10, step: 'hang', subStep: 'waiting', message: 'Hanging' });
    return new Promise((_, reject) => ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason as Error), { once: true }));
  }
}

/** Never honours its signal: the runner must give up on it rather than hold the job forever. */
@JobHandler('stuck')
@Injectable()
class StuckJobHandler implements JobKindHandler {
  run(ctx: JobContext): Promise<JobOutcome> {
    ctx.progress({ percent: 10, step: 'stuck', subStep: 'waiting', message: 'Stuck' });
    return new Promise(() => undefined);
  }
}

@Module({ providers: [EchoJobHandler, HangJobHandler, StuckJobHandler] })
class TestKindsModule {}

describe('job kinds, notifications and retention', () => {
  let t: TestApp;
  let jobs: JobsRepository;
  let db: DataSource;

  before(async () => {
    // Polling every minute: anything that happens sooner came by NOTIFY.
    t = await startTestApp({ JOB_POLL_MS: 60_000, JOB_MAX_RUNTIME_SEC: 2, RENDER_PREWARM: false }, [TestKindsModule]);
    jobs = t.app.get(JobsRepository);
    db = t.app.get(DataSource);
  });
  after(() => t?.close());

  const store = () => t.app.get<ArtifactStore>(ARTIFACT_STORE);

  /** A job of any kind, with an input file written through the app's own store. */
  const submit = async (kind: string, text = 'hello') => {
    const id = randomUUID();
    const written = await store().write(`jobs/${id}/input.txt`, Buffer.from(text), 'text/plain');
    await jobs.create({ id, kind, parameters: {}, message: 'Queued.' }, [
      { jobId: id, name: 'input.txt', path: written.key, mime: 'text/plain', bytes: written.bytes, sha256: written.sha256 },
    ]);
    return id;
  };

  it('dispatches by kind: the handler gets its input, reports progress and writes files; /status serves the kind', async () => {
    const id = await submit('echo', 'hello');
    const done = await waitForJob(t.http, id, 10_000); // the poll is a minute away: NOTIFY woke the runner
    expect(done).toMatchObject({ status: 'completed', kind: 'echo', message: 'Echoed.', result: { length: 5 }, timings: { echo: 1 }, eta_seconds: 0 });
    const file = (done.artifacts as Array<{ name: string; url: string }>).find((a) => a.name === 'echo.txt')!;
    const res = await t.http.get(file.url).expect(200);
    expect(res.text).toBe('HELLO');
    expect(res.headers.etag).toMatch(/^"[0-9a-f]{64}"$/);
    expect(res.headers['accept-ranges']).toBe('bytes');
    await t.http.get(file.url).set('If-None-Match', res.headers.etag).expect(304);
    const part = await t.http.get(file.url).set('Range', 'bytes=1-3').expect(206);
    expect(part.text).toBe('ELL');
    expect(part.headers['content-range']).toBe('bytes 1-3/5');
    const bad = await t.http.get(file.url).set('Range', 'bytes=9-').expect(416);
    expect(bad.body.error.code).toBe('RANGE_NOT_SATISFIABLE');
  });

  it('answers 404 ARTIFACT_MISSING when a row survives its file', async () => {
    const id = await submit('echo', 'gone');
    await waitForJob(t.http, id, 10_000);
    const [row] = (await db.query(`SELECT path FROM artifacts WHERE job_id = $1 AND name = 'echo.txt'`, [id])) as Array<{ path: string }>;
    await store().remove([row.path]);
    const res = await t.http.get(`/jobs/${id}/artifacts/echo.txt`).expect(404);
    expect(res.body.error.code).toBe('ARTIFACT_MISSING');
  });

  it('fails a job whose input another instance wrote where this one cannot see it, saying what to set', async () => {
    const id = randomUUID();
    const path = `jobs/${id}/input.txt`; // a row without its file: what another DATA_DIR leaves behind
    await jobs.create({ id, kind: 'echo', parameters: {}, message: 'Queued.' }, [
      { jobId: id, name: 'input.txt', path, mime: 'text/plain', bytes: 5, sha256: 'a'.repeat(64) },
    ]);
    const failed = await waitForJob(t.http, id, 10_000);
    expect(failed).toMatchObject({ status: 'error', error: { code: 'ARTIFACT_MISSING' } });
    if (store().driver === 'fs') expect(String(failed.error_message)).toContain('set STORAGE_DRIVER=s3 on every instance');
  });

  it('stops a running job by NOTIFY, and fails a hung one with JOB_TIMEOUT after JOB_MAX_RUNTIME_SEC', { skip: FS_ONLY }, async () => {
    const stopped = await submit('hang');
    await waitForRunning(stopped);
    await t.http.post(`/stop/${stopped}`).expect(200);
    expect(await waitForJob(t.http, stopped, 5000)).toMatchObject({ status: 'stopped', error: { code: 'JOB_STOPPED' } });

    const hung = await submit('hang');
    const failed = await waitForJob(t.http, hung, 15_000);
    expect(failed).toMatchObject({ status: 'error', error: { code: 'JOB_TIMEOUT' } });
    expect(String(failed.error_message)).toContain('JOB_MAX_RUNTIME_SEC (2 s)');
  });

  it('gives up on a handler that ignores the abort: the job fails with JOB_TIMEOUT and the runner takes the next job', { skip: FS_ONLY }, async () => {
    const stuck = await submit('stuck');
    const next = await submit('echo', 'after');
    const failed = await waitForJob(t.http, stuck, 30_000);
    expect(failed).toMatchObject({ status: 'error', error: { code: 'JOB_TIMEOUT' }, worker: null });
    expect(await waitForJob(t.http, next, 10_000)).toMatchObject({ status: 'completed', result: { length: 5 } });
  });

  it('deleting a running job stops it, ends its event stream and leaves no files behind', async () => {
    const id = await submit('hang');
    await waitForRunning(id);
    const stream = await fetch(`${t.url}/jobs/${id}/events`);
    const text = stream.text();
    await t.http.delete(`/jobs/${id}`).expect(204);
    expect(await text).toMatch(/event: status[\s\S]*event: deleted\ndata: \{"job_id":"[0-9a-f-]{36}"\}\n\n$/);
    await t.http.get(`/status/${id}`).expect(404);
    const left: string[] = [];
    for await (const o of store().list(`jobs/${id}/`)) left.push(o.key);
    expect(left).toEqual([]);
  });

  it('sweeps expired jobs by their kind’s hours, and orphan files, under an advisory lock; /system shows the sweep', async () => {
    const echoOld = await submit('echo');
    const echoNew = await submit('echo');
    const adOld = await submit('ad-none'); // a kind no handler claims: JOB_RETENTION_HOURS (168) applies
    const adAncient = await submit('ad-none');
    const age = (id: string, hours: number) =>
      db.query(`UPDATE jobs SET status = 'completed', finished_at = now() - make_interval(hours => $2) WHERE id = $1`, [id, hours]);
    await waitForJob(t.http, echoOld, 10_000);
    await waitForJob(t.http, echoNew, 10_000);
    await age(echoOld, 2);
    await age(adOld, 2);
    await age(adAncient, 200);
    const orphanOld = randomUUID();
    const orphanNew = randomUUID();
    await store().write(`jobs/${orphanOld}/x.png`, Buffer.from('old'), 'image/png');
    await store().write(`jobs/${orphanNew}/x.png`, Buffer.from('new'), 'image/png');
    if (store().driver === 'fs') {
      const file = path.join(t.dataDir, 'jobs', orphanOld, 'x.png');
      const then = new Date(Date.now() - 2 * 3600_000);
      utimesSync(file, then, then);
    }

    // Another instance holds the lock: this one does not sweep.
    const other = new Client({ connectionString: (db.options as { url: string }).url });
    await other.connect();
    await other.query('SELECT pg_advisory_lock(7346172019)');
    expect(await t.app.get(RetentionService).sweep()).toBeNull();
    await other.query('SELECT pg_advisory_unlock(7346172019)');
    await other.end();

    const result = await t.app.get(RetentionService).sweep();
    expect(result).toMatchObject({ jobs: 2 });
    expect(await jobs.findById(echoOld)).toBeNull(); // echo keeps 1 hour
    expect(await jobs.findById(adAncient)).toBeNull();
    expect(await jobs.findById(echoNew)).not.toBeNull();
    expect(await jobs.findById(adOld)).not.toBeNull();
    const keys = async (id: string) => {
      const out: string[] = [];
      for await (const o of store().list(`jobs/${id}/`)) out.push(o.key);
      return out;
    };
    expect(await keys(echoOld)).toEqual([]);
    expect(await keys(echoNew)).not.toEqual([]);
    expect(await keys(orphanNew)).toEqual([`jobs/${orphanNew}/x.png`]); // too young to be an orphan
    if (store().driver === 'fs') {
      expect(result!.orphans).toBe(1);
      expect(await keys(orphanOld)).toEqual([]);
    }
    expect(result!.bytes).toBeGreaterThan(0);
    const system = await t.http.get('/system').expect(200);
    expect(system.body.retention).toMatchObject({ instance_id: t.config.instanceId, jobs: 2, error: null });
  });

  const waitForRunning = async (id: string) => {
    for (let i = 0; i < 200; i++) {
      const s = await t.http.get(`/status/${id}?include_images=false&include_metrics=false`).expect(200);
      if (s.body.status === 'running' && s.body.sub_step === 'waiting') return;
      await new Promise((r) => setTimeout(r, 25));
    }
    throw new Error(`job ${id} never ran`);
  };
});
