import * as http from 'node:http';
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
 * stops once it has seen the last one complete, or after 15 s unless `untilDone`. Returns each
 * job's run time on the server (started_at -> finished_at).
 */
async function pollers(api: string, body: string, rows: Row[], intervals: number[], setting: string, untilDone = false): Promise<number[]> {
  const runTimes: number[] = [];
  for (const everyMs of intervals) {
    const ids = await Promise.all(Array.from({ length: 8 }, async () => (await httpJson(api, 'POST', '/generate', body)).job_id as string));
    const latencies: number[] = [];
    const finishedLatencies: number[] = [];
    let errors = 0;
    const started = Date.now();
    const until = started + (untilDone ? 300_000 : 15_000);
    await Promise.all(
      Array.from({ length: 200 }, async (_, i) => {
        let k = i % ids.length;
        let seen = 0;
        await sleep(everyMs ? (i * everyMs) / 200 : 0); // spread the clients over the interval
        while (Date.now() < until && seen < ids.length) {
          const t0 = performance.now();
          const status = await pollOnce(`${api}/status/${ids[k]}`);
          latencies.push(performance.now() - t0); // the answer is in, to its last byte
          if (!status) errors += 1;
          if (status === 'completed') {
            finishedLatencies.push(latencies[latencies.length - 1]);
            k = (k + 1) % ids.length;
            seen += 1;
          }
          if (everyMs) await sleep(Math.max(0, everyMs - (performance.now() - t0)));
        }
      }),
    );
    const seconds = (Date.now() - started) / 1000;
    const done = await waitJobs(api, ids, 180_000);
    runTimes.push(...done.map((d) => Date.parse(d.finished_at as string) - Date.parse(d.started_at as string)));
    latencies.sort((a, b) => a - b);
    const p = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))];
    const how = everyMs ? `each once a second` : `each as fast as it can`;
    const what = `200 clients polling /status ${untilDone ? 'until 8 jobs are done' : 'for 15 s while jobs run'}, ${how}, ${setting} (${latencies.length} requests, ${(latencies.length / seconds).toFixed(0)}/s, ${errors} errors)`;
    rows.push({ what: `${what}: p50`, value: [p(0.5)], unit: 'ms' });
    rows.push({ what: `${what}: p99`, value: [p(0.99)], unit: 'ms', target: everyMs ? '<= 50, 0 errors' : '' });
    finishedLatencies.sort((a, b) => a - b);
    const done99 = finishedLatencies[Math.floor(0.99 * finishedLatencies.length)] ?? 0;
    rows.push({ what: `${what}: p99 of the answers for finished jobs (${finishedLatencies.length}, with their images)`, value: [done99], unit: 'ms' });
  }
  return runTimes;
}

/**
 * One instance doing everything, as most users run it: its request thread has to win the CPU
 * from its own inference on both cores. The same run times the job with and without the pollers.
 */
export async function benchSingleInstance(root: string, productPng: Buffer, rows: Row[]): Promise<void> {
  const body = JSON.stringify({ product_image: `data:image/png;base64,${productPng.toString('base64')}`, stop_step: 1, bg_prompt: 'warm studio' });
  // INFERENCE_NICE=0 is the code before inference threads yielded to the request thread: the A/B.
  for (const nice of ['0', '10']) {
    const server = await startServer(path.join(root, `p-single-${nice}`), { RENDER_PREWARM: 'false', INFERENCE_NICE: nice });
    try {
      await waitJobs(server.url, [(await httpJson(server.url, 'POST', '/generate', body)).job_id as string]);
      const alone: number[] = [];
      for (let i = 0; i < 5; i++) {
        const [done] = await waitJobs(server.url, [(await httpJson(server.url, 'POST', '/generate', body)).job_id as string]);
        alone.push(Date.parse(done.finished_at as string) - Date.parse(done.started_at as string));
      }
      const setting = `one instance, inference on both cores at INFERENCE_NICE=${nice}`;
      const polled = await pollers(server.url, body, rows, [1000], setting, process.env.UNTIL_DONE === '1');
      rows.push({ what: `${setting}: Stage 1 job run time (started_at -> finished_at), alone`, value: alone, unit: 'ms' });
      rows.push({ what: `${setting}: the same job while 200 clients poll once a second`, value: polled, unit: 'ms', target: '<= 1.05 x alone' });
    } finally {
      await server.stop();
    }
  }
}

/**
 * One poll, read to its last byte; only the head is parsed for the status. The load generator
 * shares the two cores with the server: fetch's web streams and a JSON.parse of a finished job's
 * 2-4 MB of images cost the client ~6 ms an answer (measured: 25 at once took 179 ms by fetch,
 * 56 ms by node:http, 30 ms of it the server's), CPU a real client spends on its own machine.
 */
const pollAgent = new http.Agent({ keepAlive: true, maxSockets: 256 });
function pollOnce(url: string): Promise<string | undefined> {
  return new Promise((resolve) => {
    http
      .get(url, { agent: pollAgent }, (res) => {
        let head = '';
        res.on('data', (chunk: Buffer) => {
          if (head.length < 400) head += chunk.subarray(0, 400).toString('latin1');
        });
        res.on('end', () => resolve(res.statusCode === 200 ? /"status":"(\w+)"/.exec(head)?.[1] : undefined));
        res.on('error', () => resolve(undefined));
      })
      .on('error', () => resolve(undefined));
  });
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
