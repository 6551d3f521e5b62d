import { describe, it, before, after } from 'node:test';
import { expect } from 'expect';
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { JobLeaseRepository } from '../src/jobs/job-lease.repository';
import { JobsRepository } from '../src/jobs/jobs.repository';
import { startTestApp, type TestApp, FS_ONLY } from './helpers/test-app';

describe('job runner on real PostgreSQL', () => {
  let t: TestApp;
  let jobs: JobsRepository;
  let leases: JobLeaseRepository;
  let db: DataSource;

  before(async () => {
    t = await startTestApp({ RUNNER_ENABLED: false });
    jobs = t.app.get(JobsRepository);
    leases = t.app.get(JobLeaseRepository);
    db = t.app.get(DataSource);
  });
  after(() => t?.close());

  const insertPending = async (n: number) => {
    const ids = Array.from({ length: n }, () => randomUUID());
    for (const id of ids) await jobs.create({ id, kind: 'ad', parameters: { n }, message: 'Queued.' }, []);
    return ids;
  };

  it('never hands one job to two claimers (FOR UPDATE SKIP LOCKED)', { skip: FS_ONLY }, async () => {
    const ids = await insertPending(6);
    const claims = await Promise.all(Array.from({ length: 14 }, (_, i) => leases.claimNext(`owner-${i}`, 30, ['ad'])));
    const claimed = claims.filter((j) => j !== null).map((j) => j!.id);
    expect(claimed.sort()).toEqual([...ids].sort());
    expect(new Set(claims.filter(Boolean).map((j) => j!.leaseOwner)).size).toBe(6);
    for (const job of claims.filter(Boolean)) expect(job).toMatchObject({ status: 'running', attempts: 1 });
  });

  it('re-queues a job whose runner died while attempts remain, then fails it saying why', { skip: FS_ONLY }, async () => {
    const [id] = await insertPending(1);
    const claimed = await leases.claimNext('dead/1', 30, ['ad']);
    expect(claimed?.id).toBe(id);
    const expire = () => db.query(`UPDATE jobs SET lease_expires_at = now() - interval '1 second' WHERE id = $1`, [id]);

    await expire();
    expect(await leases.recoverExpired(2, 'dead')).toEqual([]); // an instance never reclaims its own job
    expect(await leases.recoverExpired(2, 'sweeper')).toEqual([{ id, status: 'pending' }]);
    expect(await jobs.findById(id)).toMatchObject({ status: 'pending', leaseOwner: null, message: expect.stringContaining('queued again') });

    expect((await leases.claimNext('second/1', 30, ['ad']))?.attempts).toBe(2);
    expect(await leases.renewLease(id, 'someone-else/1', 30)).toBeNull();
    expect(await leases.renewLease(id, 'second/1', 30)).toEqual({ cancelRequested: false });
    await expire();
    expect(await leases.recoverExpired(2, 'sweeper')).toEqual([{ id, status: 'error' }]);
    const failed = await jobs.findById(id);
    expect(failed).toMatchObject({ status: 'error', errorCode: 'JOB_INTERRUPTED' });
    expect(failed?.errorMessage).toContain('stopped');
    expect(failed?.finishedAt).toBeInstanceOf(Date);
  });

  it('flags a running job for its runner and stops a pending one at once', { skip: FS_ONLY }, async () => {
    const [a, b] = await insertPending(2);
    await db.query(`UPDATE jobs SET created_at = now() - interval '1 hour' WHERE id = $1`, [a]);
    const running = await leases.claimNext('runner/1', 30, ['ad']);
    expect(running?.id).toBe(a);
    expect(await jobs.requestStop(a, 'x')).toBe('running');
    expect(await leases.renewLease(a, 'runner/1', 30)).toEqual({ cancelRequested: true });
    expect(await jobs.requestStop(b, 'Stopped before it started.')).toBe('stopped');
    expect(await jobs.findById(b)).toMatchObject({ status: 'stopped', errorCode: 'JOB_STOPPED' });
    expect(await leases.claimNext('runner/1', 30, ['ad'])).toBeNull();
  });

  it('keeps stage medians for the ETA from completed jobs', { skip: FS_ONLY }, async () => {
    const ids = await insertPending(3);
    let ms = 1000;
    for (const id of ids) {
      await db.query(`UPDATE jobs SET status = 'completed', finished_at = now(), timings = $2 WHERE id = $1`, [
        id,
        JSON.stringify({ segment: ms, background: ms / 10 }),
      ]);
      ms += 1000;
    }
    const medians = await leases.stageMedians('ad');
    expect(medians.segment).toBe(2000);
    expect(medians.background).toBe(200);
  });

  it('claims only the kinds this instance handles', { skip: FS_ONLY }, async () => {
    const [id] = await insertPending(1);
    await db.query(`UPDATE jobs SET kind = 'decompose' WHERE id = $1`, [id]);
    expect(await leases.claimNext('ads-only/1', 30, ['ad'])).toBeNull();
    expect((await leases.claimNext('layers/1', 30, ['decompose']))?.id).toBe(id);
  });

  it('takes back at boot the jobs an earlier process of the same instance held, and only those', { skip: FS_ONLY }, async () => {
    const [mine, theirs] = await insertPending(2);
    await db.query(`UPDATE jobs SET created_at = now() - interval '2 hour' WHERE id = $1`, [mine]);
    await db.query(`UPDATE jobs SET created_at = now() - interval '1 hour' WHERE id = $1`, [theirs]);
    expect((await leases.claimNext('host:abc/old', 30, ['ad']))?.id).toBe(mine);
    expect((await leases.claimNext('other:def/1', 30, ['ad']))?.id).toBe(theirs);
    // Leases still valid: nothing waits for them to run out.
    expect(await leases.reclaimOwn(2, 'host:abc', 'host:abc/new')).toEqual([{ id: mine, status: 'pending' }]);
    expect(await jobs.findById(theirs)).toMatchObject({ status: 'running', leaseOwner: 'other:def/1' });
  });

  it('records an artifact row only for the lease holder, and says which file it replaced', async () => {
    const [id] = await insertPending(1);
    await db.query(`UPDATE jobs SET created_at = now() - interval '3 hour' WHERE id = $1`, [id]);
    expect((await leases.claimNext('holder/1', 30, ['ad']))?.id).toBe(id);
    const row = (path: string) => ({ jobId: id, name: 'step1.png', path, mime: 'image/png', bytes: 3, sha256: 'a'.repeat(64) });
    expect(await leases.recordArtifact('holder/1', row(`jobs/${id}/1/step1.png`))).toEqual({ written: true, replacedPath: null });
    expect(await leases.recordArtifact('stale/9', row(`jobs/${id}/0/step1.png`))).toEqual({ written: false, replacedPath: `jobs/${id}/1/step1.png` });
    expect(await leases.recordArtifact('holder/1', row(`jobs/${id}/2/step1.png`))).toEqual({ written: true, replacedPath: `jobs/${id}/1/step1.png` });
    expect((await leases.findArtifact(id, 'step1.png'))?.path).toBe(`jobs/${id}/2/step1.png`);
  });
});
