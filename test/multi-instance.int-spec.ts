import { describe, it, before, after } from 'node:test';
import { expect } from 'expect';
import { type ChildProcess, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { Client } from 'pg';
import { freePort } from '../src/common/net';
import { loadConfig } from '../src/config/app-config';
import { EmbeddedPostgresService } from '../src/database/embedded-postgres.service';
import { startS3rver, type S3rverHandle } from './helpers/s3rver';
import { dataUrl, REPO_ROOT, samplePhoto } from './helpers/test-app';

const MAIN = path.join(REPO_ROOT, 'dist', 'src', 'main.js');

interface Instance {
  name: string;
  url: string;
  proc: ChildProcess;
  dataDir: string;
}

type Status = Record<string, unknown> & { status: string; worker: string | null; attempts: number; artifacts: Array<{ name: string; sha256: string; url: string }> };

const exited = (p: ChildProcess) => new Promise<void>((resolve) => (p.exitCode !== null || p.signalCode !== null ? resolve() : p.once('exit', () => resolve())));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function startInstance(name: string, env: Record<string, string>): Promise<Instance> {
  const dataDir = mkdtempSync(path.join(tmpdir(), `nanococoa-${name}-`));
  const port = await freePort();
  const proc = spawn(process.execPath, [MAIN], {
    env: { ...process.env, ...env, INSTANCE_ID: name, DATA_DIR: dataDir, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn', RENDER_PREWARM: 'false', RATE_LIMIT_READS_PER_MINUTE: '1000000', SEGMENT_CACHE_MB: '0' },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    if (await fetch(`${url}/health`).then((r) => r.ok, () => false)) break;
    if (proc.exitCode !== null || i > 600) throw new Error(`instance ${name} did not start`);
    await sleep(100);
  }
  return { name, url, proc, dataDir };
}

async function status(i: Instance, id: string): Promise<Status> {
  const res = await fetch(`${i.url}/status/${id}?include_images=false&include_metrics=false`);
  if (!res.ok) throw new Error(`${i.name} answered ${res.status} for ${id}`);
  return (await res.json()) as Status;
}

async function waitFor(i: Instance, id: string, done: (s: Status) => boolean, timeoutMs = 120_000): Promise<Status> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const s = await status(i, id);
    if (done(s)) return s;
    if (Date.now() > deadline) throw new Error(`job ${id} never got there: ${JSON.stringify(s).slice(0, 400)}`);
    await sleep(50);
  }
}

/** Every artifact, fetched from this instance, hashes to the sha256 its row records. */
async function artifactHashes(i: Instance, s: Status): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const a of s.artifacts) {
    const res = await fetch(`${i.url}${a.url}`);
    expect(res.status).toBe(200);
    out[a.name] = createHash('sha256').update(Buffer.from(await res.arrayBuffer())).digest('hex');
    expect(out[a.name]).toBe(a.sha256);
  }
  return out;
}

describe('three instances on one PostgreSQL and one S3 bucket', () => {
  const pgDir = mkdtempSync(path.join(tmpdir(), 'nanococoa-sharedpg-'));
  let pg: EmbeddedPostgresService;
  let s3: S3rverHandle;
  let db: Client;
  const instances: Instance[] = [];
  let a: Instance;
  let b: Instance;
  let c: Instance;

  before(async () => {
    if (!existsSync(MAIN)) throw new Error(`${MAIN} is missing: run npm run build first (npm test does)`);
    pg = new EmbeddedPostgresService(loadConfig({ DATA_DIR: pgDir }));
    const databaseUrl = await pg.start();
    s3 = await startS3rver('nanococoa-shared');
    db = new Client({ connectionString: databaseUrl });
    await db.connect();
    const shared = { ...s3.env, DATABASE_URL: databaseUrl, JOB_LEASE_SECONDS: '3', JOB_POLL_MS: '250' };
    // A takes the requests and runs nothing; B and C are workers.
    a = await startInstance('node-a', { ...shared, RUNNER_ENABLED: 'false' });
    instances.push(a);
    b = await startInstance('node-b', shared);
    instances.push(b);
    c = await startInstance('node-c', shared);
    instances.push(c);
  });

  after(async () => {
    for (const i of instances) {
      i.proc.kill('SIGTERM');
      await exited(i.proc);
      rmSync(i.dataDir, { recursive: true, force: true });
    }
    await db?.end();
    await s3?.close();
    await pg?.stop();
    rmSync(pgDir, { recursive: true, force: true });
  });

  const submit = async () => {
    const res = await fetch(`${a.url}/generate`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ product_image: dataUrl(samplePhoto()), stop_step: 1, seed: 5 }),
    });
    expect(res.status).toBe(202);
    return ((await res.json()) as { job_id: string }).job_id;
  };

  it('runs a job submitted to the API-only instance on a worker; every instance serves the same status and files', async () => {
    const id = await submit();
    const done = await waitFor(a, id, (s) => s.status === 'completed');
    expect(done.attempts).toBe(1);
    const statuses = await Promise.all(instances.map((i) => status(i, id)));
    for (const s of statuses) {
      expect({ status: s.status, artifacts: s.artifacts, result: s.result }).toEqual({ status: done.status, artifacts: done.artifacts, result: done.result });
    }
    const hashes = await Promise.all(instances.map((i) => artifactHashes(i, done)));
    expect(hashes[1]).toEqual(hashes[0]);
    expect(hashes[2]).toEqual(hashes[0]);
    expect(Object.keys(hashes[0])).toEqual(expect.arrayContaining(['input_product.png', 'cutout.png', 'step1.png']));
  });

  it('finishes on C a job whose worker B was SIGKILLed mid-job; no job runs twice, none is lost', async () => {
    const ids = [await submit(), await submit(), await submit()];
    // Wait until B is inside one of them, past its first stage's start.
    const deadline = Date.now() + 60_000;
    let victim: string | undefined;
    while (!victim) {
      for (const id of ids) {
        const s = await status(a, id);
        if (s.status === 'running' && s.worker === 'node-b' && Number(s.progress_percent) > 0) victim = id;
      }
      if (Date.now() > deadline) throw new Error('B never ran a job');
      if (!victim) await sleep(20);
    }
    b.proc.kill('SIGKILL');
    await exited(b.proc);
    // Every job B held (more than one at JOB_CONCURRENCY > 1) dies with it; their leases still name B.
    const held = (await db.query(`SELECT id FROM jobs WHERE id = ANY($1) AND lease_owner LIKE 'node-b/%'`, [ids])).rows.map((r: { id: string }) => r.id);
    expect(held).toContain(victim);

    const finals = await Promise.all(ids.map((id) => waitFor(a, id, (s) => !['pending', 'running'].includes(s.status))));
    for (const s of finals) expect(s.status).toBe('completed');
    for (const [i, s] of finals.entries()) {
      expect({ id: ids[i], attempts: s.attempts }).toEqual({ id: ids[i], attempts: held.includes(ids[i]) ? 2 : 1 });
      if (held.includes(ids[i])) expect(String(s.message)).toContain('resumed after an interruption');
    }

    // Every stage file of the killed job is the second attempt's, and no file of the first remains.
    const rows = (await db.query('SELECT name, path FROM artifacts WHERE job_id = $1', [victim])).rows as Array<{ name: string; path: string }>;
    for (const row of rows.filter((r) => !r.name.startsWith('input_'))) expect(row.path).toBe(`jobs/${victim}/2/${row.name}`);
    const objects = await listBucket(s3, `jobs/${victim}/`);
    expect(objects.filter((k) => k.startsWith(`jobs/${victim}/1/`))).toEqual([]);
    expect(objects.sort()).toEqual(rows.map((r) => r.path).sort());

    // A and C answer alike, and C serves the files B never finished.
    const [fromA, fromC] = [await status(a, victim), await status(c, victim)];
    expect(fromC.artifacts).toEqual(fromA.artifacts);
    expect(await artifactHashes(c, fromC)).toEqual(await artifactHashes(a, fromA));
  });

  it('a stop sent to A reaches the job running on C within a second', async () => {
    const id = await submit();
    await waitFor(a, id, (s) => s.status === 'running' && s.worker === 'node-c');
    const asked = Date.now();
    expect((await fetch(`${a.url}/stop/${id}`, { method: 'POST' })).status).toBe(200);
    const stopped = await waitFor(a, id, (s) => s.status !== 'running', 5000);
    expect(stopped).toMatchObject({ status: 'stopped', error: { code: 'JOB_STOPPED' } });
    expect(Date.parse(String(stopped.finished_at)) - asked).toBeLessThan(1000);
  });

  it('deleting a job through A removes its rows and its files from the shared bucket', async () => {
    const id = await submit();
    await waitFor(a, id, (s) => s.status === 'completed');
    expect((await listBucket(s3, `jobs/${id}/`)).length).toBeGreaterThan(3);
    expect((await fetch(`${a.url}/jobs/${id}`, { method: 'DELETE' })).status).toBe(204);
    expect((await fetch(`${c.url}/status/${id}`)).status).toBe(404);
    expect(await listBucket(s3, `jobs/${id}/`)).toEqual([]);
  });
});

/** Object keys under a prefix, read straight from the S3 server. */
async function listBucket(s3: S3rverHandle, prefix: string): Promise<string[]> {
  const { S3Client, ListObjectsV2Command } = await import('@aws-sdk/client-s3');
  const client = new S3Client({
    endpoint: s3.endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
  });
  const keys: string[] = [];
  let token: string | undefined;
  do {
    const page = await client.send(new ListObjectsV2Command({ Bucket: s3.bucket, Prefix: prefix, ContinuationToken: token }));
    keys.push(...(page.Contents ?? []).map((o) => o.Key!));
    token = page.NextContinuationToken;
  } while (token);
  client.destroy();
  return keys;
}
