import { spawn } from 'node:child_process';
import { freePort } from '../src/common/net';
import * as path from 'node:path';
import { WebSocket } from 'ws';

export interface Row {
  what: string;
  value: number[];
  unit: string;
  target?: string;
  digits?: number;
  /** Two readings, start and end, shown as "start -> end" rather than summarised. */
  pair?: boolean;
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

export async function timeRuns(n: number, fn: () => Promise<unknown>): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < n; i++) {
    const started = performance.now();
    await fn();
    times.push(performance.now() - started);
  }
  return times;
}

export async function httpJson(base: string, method: string, route: string, body?: string): Promise<Record<string, unknown>> {
  const res = await fetch(`${base}${route}`, { method, body, headers: body ? { 'Content-Type': 'application/json' } : {} });
  const json = (await res.json()) as Record<string, unknown>;
  if (!res.ok) throw new Error(`${method} ${route}: ${res.status} ${JSON.stringify(json)}`);
  return json;
}

/** Polls until every job is terminal; fails on a job that did not complete. */
export async function waitJobs(base: string, ids: string[], timeoutMs = 60_000): Promise<Array<Record<string, unknown>>> {
  const deadline = Date.now() + timeoutMs;
  const done = new Map<string, Record<string, unknown>>();
  while (done.size < ids.length) {
    for (const id of ids.filter((i) => !done.has(i))) {
      const s = await httpJson(base, 'GET', `/status/${id}?include_images=false&include_metrics=false`);
      if (s.status === 'completed') done.set(id, s);
      else if (s.status !== 'pending' && s.status !== 'running') throw new Error(`job ${id} ended ${String(s.status)}: ${JSON.stringify(s.error)}`);
    }
    if (Date.now() > deadline) throw new Error('jobs did not finish in time');
    await new Promise((r) => setTimeout(r, 20));
  }
  return ids.map((id) => done.get(id)!);
}

/**
 * Waits for a job's end as a client that is told should: on /api/status/{id}/ws, which closes when
 * the job ends (polling /status every 20 ms would load the two cores the job runs on), then reads
 * the final status once.
 */
export async function followJob(base: string, id: string, timeoutMs = 180_000): Promise<Record<string, unknown>> {
  await new Promise<void>((resolve, reject) => {
    const ws = new WebSocket(`${base.replace(/^http/, 'ws')}/api/status/${id}/ws`);
    const timer = setTimeout(() => {
      ws.terminate();
      reject(new Error(`job ${id} did not finish in time`));
    }, timeoutMs);
    ws.on('close', () => {
      clearTimeout(timer);
      resolve();
    });
    ws.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
  });
  const [status] = await waitJobs(base, [id], 10_000);
  return status;
}

// SEGMENT_CACHE_MB=0: the benchmarks send one photo again and again and time the real cut each time.
const UNLIMITED = { RATE_LIMIT_READS_PER_MINUTE: '1000000', RATE_LIMIT_SUBMITS_PER_MINUTE: '100000', MAX_PENDING_JOBS_PER_KEY: '100000', SEGMENT_CACHE_MB: '0' };

/** The built server (dist/src/main.js) as its own process, as a user runs it. */
export async function startServer(dataDir: string, env: Record<string, string> = {}): Promise<{ url: string; stop(): Promise<void> }> {
  const port = await freePort();
  const child = spawn(process.execPath, [path.resolve('dist', 'src', 'main.js')], {
    // The benchmarks poll hard and measure throughput, not the per-client limits (docs/security.md).
    env: { ...process.env, ...UNLIMITED, ...env, DATA_DIR: dataDir, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    const ok = await fetch(`${url}/health`).then((r) => r.ok, () => false);
    if (ok) break;
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`server did not start (exit ${child.exitCode})`);
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    url,
    stop: () =>
      new Promise<void>((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

/** The vendor package's removeBackground (model medium) on a PNG, as a PNG: the yardstick only (AGPL code: never in src/). */
export async function vendorRemoveBackground(png: Buffer): Promise<Buffer> {
  const vendor = (await import('@imgly/background-removal-node')) as unknown as {
    removeBackground: (input: Blob, config: object) => Promise<Blob>;
  };
  return Buffer.from(await (await vendor.removeBackground(new Blob([png], { type: 'image/png' }), { model: 'medium' })).arrayBuffer());
}
