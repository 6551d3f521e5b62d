import * as path from 'node:path';
import { Client } from 'pg';
import { loadConfig } from '../src/config/app-config';
import { EmbeddedPostgresService } from '../src/database/embedded-postgres.service';
import { startS3rver } from '../test/helpers/s3rver';
import { httpJson, type Row, startServer, timeRuns, waitJobs } from './bench-helpers';

/**
 * The platform's numbers: how fast an idle worker picks up a job submitted elsewhere, how
 * /status holds up under 200 pollers, whether SSE viewers add database load, and what the S3
 * driver costs a job. One shared PostgreSQL, as a fleet runs.
 */
export async function benchPlatform(root: string, productPng: Buffer, rows: Row[]): Promise<void> {
  const pg = new EmbeddedPostgresService(loadConfig({ DATA_DIR: path.join(root, 'shared-pg'), LOG_LEVEL: 'error' }));
  const databaseUrl = await pg.start();
  const db = new Client({ connectionString: databaseUrl });
  await db.connect();
  const body = JSON.stringify({ product_image: `data:image/png;base64,${productPng.toString('base64')}`, stop_step: 1, bg_prompt: 'warm studio' });
  const s3 = await startS3rver('nanococoa-bench');
  try {
    // A fleet: an API-only instance and a worker sharing the database and the bucket.
    const shared = { ...s3.env, DATABASE_URL: databaseUrl, RENDER_PREWARM: 'false' };
    const api = await startServer(path.join(root, 'p-api'), { ...shared, RUNNER_ENABLED: 'false' });
    let worker = await startServer(path.join(root, 'p-worker'), shared);
    try {
      await claimLatency(api.url, db, body, rows);
      await pollers(api.url, body, rows, [1000, 0], 'inference on both cores');
      await sseLoad(api.url, db, body, rows);
      await stopMidInference(api.url, body, rows);
      // Here the API instance shares 2 cores with the worker's inference; on a fleet it has its
      // own. One inference thread leaves it a core, as a separate machine would.
      await worker.stop();
      worker = await startServer(path.join(root, 'p-worker'), { ...shared, ORT_INTRA_OP_THREADS: '1' });
      await pollers(api.url, body, rows, [1000], 'worker limited to 1 inference thread');
    } finally {
      await worker.stop();
      await api.stop();
    }
    await wallTimes(root, databaseUrl, s3.env, body, rows);
  } finally {
    await s3.close();
    await db.end();
    await pg.stop();
  }
}

/** Submitted to the API-only instance, claimed by the idle worker: created_at -> started_at. */
async function claimLatency(api: string, db: Client, body: string, rows: Row[]): Promise<void> {
  const gaps: number[] = [];
  for (let i = 0; i < 11; i++) {
    const { job_id } = await httpJson(api, 'POST', '/generate', body);
    await waitJobs(api, [job_id as string]);
    const { rows: [r] } = await db.query<{ ms: number }>(`SELECT extract(epoch FROM started_at - created_at) * 1000 AS ms FROM jobs WHERE id = $1`, [job_id]);
    if (i > 0) gaps.push(Number(r.ms)); // the first one also loads the model
    await new Promise((r) => setTimeout(r, 300)); // idle again
  }
  rows.push({ what: 'idle-to-claim: job submitted to an API-only instance, claimed by an idle worker (created_at -> started_at)', value: gaps, unit: 'ms', target: 'tens of ms' });
}

/**
 * 200 clients polling /status (the seed's default answer: images and metrics included) while
 * jobs run: each client asks for the job it waits on once every `everyMs` (0: as fast as it
 * can, which measures throughput); when its job completes it waits on the next one, and it
 * stops once it has seen the last one complete.
 */
async function pollers(api: string, body: string, rows: Row[], intervals: number[], setting: string): Promise<void> {
  for (const everyMs of intervals) {
    const ids = await Promise.all(Array.from({ length: 8 }, async () => (await httpJson(api, 'POST', '/generate', body)).job_id as string));
    const latencies: number[] = [];
    let errors = 0;
    const started = Date.now();
    const until = started + 15_000;
    await Promise.all(
      Array.from({ length: 200 }, async (_, i) => {
        let k = i % ids.length;
        let seen = 0;
        await sleep(everyMs ? (i * everyMs) / 200 : 0); // spread the clients over the interval
        while (Date.now() < until && seen < ids.length) {
          const t0 = performance.now();
          const res = await fetch(`${api}/status/${ids[k]}`).catch(() => null);
          const bytes = res?.ok ? await res.arrayBuffer() : null;
          latencies.push(performance.now() - t0); // the answer is in; parsing it is the client's own time
          const json = bytes ? (JSON.parse(Buffer.from(bytes).toString()) as { status: string }) : null;
          if (!json) errors += 1;
          if (json?.status === 'completed') {
            k = (k + 1) % ids.length;
            seen += 1;
          }
          if (everyMs) await sleep(Math.max(0, everyMs - (performance.now() - t0)));
        }
      }),
    );
    const seconds = (Date.now() - started) / 1000;
    await waitJobs(api, ids, 180_000);
    latencies.sort((a, b) => a - b);
    const p = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))];
    const how = everyMs ? `each once a second` : `each as fast as it can`;
    const what = `200 clients polling /status for 15 s while jobs run, ${how}, ${setting} (${latencies.length} requests, ${(latencies.length / seconds).toFixed(0)}/s, ${errors} errors)`;
    rows.push({ what: `${what}: p50`, value: [p(0.5)], unit: 'ms' });
    rows.push({ what: `${what}: p99`, value: [p(0.99)], unit: 'ms', target: everyMs ? '<= 50, 0 errors' : '' });
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Database transactions per second while one job runs, watched by 1 and by 100 SSE clients. */
async function sseLoad(api: string, db: Client, body: string, rows: Row[]): Promise<void> {
  for (const viewers of [1, 100]) {
    const { job_id } = await httpJson(api, 'POST', '/generate', body);
    const streams = Array.from({ length: viewers }, () => new AbortController());
    const opened = streams.map(async (c) => {
      const res = await fetch(`${api}/jobs/${job_id as string}/events`, { signal: c.signal });
      await res.body?.pipeTo(new WritableStream()).catch(() => undefined);
    });
    const commits = async () => Number((await db.query(`SELECT xact_commit FROM pg_stat_database WHERE datname = current_database()`)).rows[0].xact_commit);
    const started = Date.now();
    const before = await commits();
    await waitJobs(api, [job_id as string], 120_000);
    const perSecond = ((await commits()) - before) / ((Date.now() - started) / 1000);
    for (const c of streams) c.abort();
    await Promise.all(opened);
    rows.push({ what: `database transactions per second while a job runs, ${viewers} SSE viewer(s)`, value: [perSecond], unit: '/s', target: 'the same for 1 and 100' });
  }
}

/**
 * A stop while ISNet is inside its inference: how fast the job is marked stopped, and how long
 * the next job's segmentation then waits for the device (an ONNX run cannot be cut short).
 */
async function stopMidInference(api: string, body: string, rows: Row[]): Promise<void> {
  const stopMs: number[] = [];
  const waitedMs: number[] = [];
  const normal = (await waitJobs(api, [(await httpJson(api, 'POST', '/generate', body)).job_id as string]))[0].timings as Record<string, number>;
  for (let i = 0; i < 3; i++) {
    const first = (await httpJson(api, 'POST', '/generate', body)).job_id as string;
    for (;;) {
      const s = await httpJson(api, 'GET', `/status/${first}?include_images=false&include_metrics=false`);
      if (s.sub_step === 'inference') break;
      await new Promise((r) => setTimeout(r, 5));
    }
    const asked = performance.now();
    await httpJson(api, 'POST', `/stop/${first}`);
    const next = (await httpJson(api, 'POST', '/generate', body)).job_id as string;
    for (;;) {
      const s = await httpJson(api, 'GET', `/status/${first}?include_images=false&include_metrics=false`);
      if (s.status === 'stopped') break;
      await new Promise((r) => setTimeout(r, 5));
    }
    stopMs.push(performance.now() - asked);
    const [done] = await waitJobs(api, [next]);
    waitedMs.push((done.timings as Record<string, number>).segment - normal.segment);
  }
  rows.push({ what: 'stop during an ISNet inference: POST /stop -> status stopped', value: stopMs, unit: 'ms', target: '<= 1000' });
  rows.push({ what: "the next job's segment stage, extra time while the stopped job's inference finishes", value: waitedMs, unit: 'ms' });
}

/** One warm job on each storage driver (submit -> completed seen by a polling client). */
async function wallTimes(root: string, databaseUrl: string, s3Env: Record<string, string>, body: string, rows: Row[]): Promise<void> {
  for (const [driver, env] of [['fs', {}], ['s3 (s3rver on loopback)', s3Env]] as const) {
    const server = await startServer(path.join(root, `wall-${driver.slice(0, 2)}`), { ...env, DATABASE_URL: databaseUrl, RENDER_PREWARM: 'false' });
    try {
      await waitJobs(server.url, [(await httpJson(server.url, 'POST', '/generate', body)).job_id as string]);
      const times = await timeRuns(5, async () => waitJobs(server.url, [(await httpJson(server.url, 'POST', '/generate', body)).job_id as string]));
      rows.push({ what: `whole Stage 1 job (1024 px photo), warm, STORAGE_DRIVER=${driver}`, value: times, unit: 'ms' });
    } finally {
      await server.stop();
    }
  }
}
