import { describe, it, before, after } from 'node:test';
import { expect } from 'expect';
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { JobsRepository } from '../src/jobs/jobs.repository';
import { startTestApp, type TestApp } from './helpers/test-app';

describe('job runner on real PostgreSQL', () => {
  let t: TestApp;
  let jobs: JobsRepository;
  let db: DataSource;

  before(async () => {
    t = await startTestApp({ RUNNER_ENABLED: false });
    jobs = t.app.get(JobsRepository);
    db = t.app.get(DataSource);
  });
  after(() => t?.close());

  const insertPending = async (n: number) => {
    const ids = Array.from({ length: n }, () => randomUUID());
    for (const id of ids) await jobs.create({ id, kind: 'ad', parameters: { n }, message: 'Queued.' }, []);
    return ids;
  };

  it('never hands one job to two claimers (FOR UPDATE SKIP LOCKED)', async () => {
    const ids = await insertPending(6);
    const claims = await Promise.all(Array.from({ length: 14 }, (_, i) => jobs.claimNext(`owner-${i}`, 30)));
    const claimed = claims.filter((j) => j !== null).map((j) => j!.id);
    expect(claimed.sort()).toEqual([...ids].sort());
    expect(new Set(claims.filter(Boolean).map((j) => j!.leaseOwner)).size).toBe(6);
    for (const job of claims.filter(Boolean)) expect(job).toMatchObject({ status: 'running', attempts: 1 });
  });

  it('re-queues a job whose runner died while attempts remain, then fails it saying why', async () => {
    const [id] = await insertPending(1);
    const claimed = await jobs.claimNext('dead-runner', 30);
    expect(claimed?.id).toBe(id);
    const expire = () => db.query(`UPDATE jobs SET lease_expires_at = now() - interval '1 second' WHERE id = $1`, [id]);

    await expire();
    expect(await jobs.recoverExpired(2, 'dead-runner')).toEqual([]); // an instance never reclaims its own job
    expect(await jobs.recoverExpired(2, 'sweeper')).toEqual([{ id, status: 'pending' }]);
    expect(await jobs.findById(id)).toMatchObject({ status: 'pending', leaseOwner: null, message: expect.stringContaining('queued again') });

    expect((await jobs.claimNext('second-runner', 30))?.attempts).toBe(2);
    expect(await jobs.renewLease(id, 'someone-else', 30)).toBeNull();
    expect(await jobs.renewLease(id, 'second-runner', 30)).toEqual({ cancelRequested: false });
    await expire();
    expect(await jobs.recoverExpired(2, 'sweeper')).toEqual([{ id, status: 'error' }]);
    const failed = await jobs.findById(id);
    expect(failed).toMatchObject({ status: 'error', errorCode: 'JOB_INTERRUPTED' });
    expect(failed?.errorMessage).toContain('stopped');
    expect(failed?.finishedAt).toBeInstanceOf(Date);
  });

  it('flags a running job for its runner and stops a pending one at once', async () => {
    const [a, b] = await insertPending(2);
    await db.query(`UPDATE jobs SET created_at = now() - interval '1 hour' WHERE id = $1`, [a]);
    const running = await jobs.claimNext('runner', 30);
    expect(running?.id).toBe(a);
    expect(await jobs.requestStop(a, 'x')).toBe('running');
    expect(await jobs.renewLease(a, 'runner', 30)).toEqual({ cancelRequested: true });
    expect(await jobs.requestStop(b, 'Stopped before it started.')).toBe('stopped');
    expect(await jobs.findById(b)).toMatchObject({ status: 'stopped', errorCode: 'JOB_STOPPED' });
    expect(await jobs.claimNext('runner', 30)).toBeNull();
  });

  it('keeps stage medians for the ETA from completed jobs', async () => {
    const ids = await insertPending(3);
    let ms = 1000;
    for (const id of ids) {
      await db.query(`UPDATE jobs SET status = 'completed', finished_at = now(), timings = $2 WHERE id = $1`, [
        id,
        JSON.stringify({ segment: ms, background: ms / 10 }),
      ]);
      ms += 1000;
    }
    const medians = await jobs.stageMedians();
    expect(medians.segment).toBe(2000);
    expect(medians.background).toBe(200);
  });
});
