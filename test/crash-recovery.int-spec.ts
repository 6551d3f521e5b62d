import { describe, it, before, after } from 'node:test';
import { expect } from 'expect';
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import request from 'supertest';
import { dataUrl, removeDataDir, REPO_ROOT, samplePhoto } from './helpers/test-app';

const MAIN = path.join(REPO_ROOT, 'dist', 'src', 'main.js');

/** The built server as a separate process, so it can be killed like a real one. */
function startServer(dataDir: string, port: number): ChildProcess {
  return spawn(process.execPath, [MAIN], {
    env: { ...process.env, DATA_DIR: dataDir, PORT: String(port), HOST: '127.0.0.1', JOB_LEASE_SECONDS: '120', JOB_POLL_MS: '250', LOG_LEVEL: 'warn', SEGMENT_CACHE_MB: '0' },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
}

async function waitHealthy(url: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      const res = await fetch(`${url}/health`);
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`server at ${url} did not become healthy`);
}

async function waitStatus(url: string, id: string, wanted: (s: string) => boolean, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const res = await request(url).get(`/status/${id}?include_images=false&include_metrics=false`);
    if (res.status === 200 && wanted(res.body.status)) return res.body as Record<string, unknown>;
    if (Date.now() > deadline) throw new Error(`job ${id} never reached the wanted state (last: ${JSON.stringify(res.body)})`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const exited = (p: ChildProcess) =>
  new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => p.once('exit', (code, signal) => resolve({ code, signal })));

describe('a server killed with SIGKILL mid-job', () => {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'nanococoa-crash-'));
  const port = 18000 + Math.floor(Math.random() * 2000);
  const url = `http://127.0.0.1:${port}`;
  let server: ChildProcess | undefined;

  before(() => {
    if (!existsSync(MAIN)) throw new Error(`${MAIN} is missing: run npm run build first (npm test does)`);
  });
  after(async () => {
    if (server && server.exitCode === null && server.signalCode === null) {
      server.kill('SIGTERM');
      await exited(server);
    }
    await removeDataDir(dataDir);
  });

  it('recovers: the interrupted job ends in a terminal state saying why; other jobs and files are intact', async () => {
    server = startServer(dataDir, port);
    await waitHealthy(url);
    const body = { product_image: dataUrl(samplePhoto()), stop_step: 1 };

    const first = (await request(url).post('/generate').send(body).expect(202)).body.job_id as string;
    const done = await waitStatus(url, first, (s) => s === 'completed');
    const step1Before = (await request(url).get(done.step1_result_url as string).expect(200)).body as Buffer;

    const second = (await request(url).post('/generate').send(body).expect(202)).body.job_id as string;
    await waitStatus(url, second, (s) => s === 'running');
    server.kill('SIGKILL');
    await exited(server);

    // The orphaned PostgreSQL child is still running; the new server must cope with it. The
    // dead process's lease has two minutes left: the restarted instance (same DATA_DIR, so the
    // same INSTANCE_ID) takes the job back at once instead of waiting it out.
    server = startServer(dataDir, port);
    await waitHealthy(url);
    const after = await waitStatus(url, second, (s) => !['pending', 'running'].includes(s), 60_000);
    expect(['completed', 'error']).toContain(after.status);
    expect(String(after.message)).toMatch(/resumed after an interruption|Interrupted/);
    expect(after.attempts).toBe(2);

    const firstAfter = await waitStatus(url, first, (s) => s === 'completed');
    const step1After = (await request(url).get(firstAfter.step1_result_url as string).expect(200)).body as Buffer;
    expect(step1After.equals(step1Before)).toBe(true);

    // Nest closes the app (runner, pool, embedded PostgreSQL), then re-raises the signal.
    server.kill('SIGTERM');
    expect(await exited(server)).toEqual({ code: null, signal: 'SIGTERM' });
    expect(existsSync(path.join(dataDir, 'pg', 'postmaster.pid'))).toBe(false);
  });
});
