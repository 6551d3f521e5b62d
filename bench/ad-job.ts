import * as path from 'node:path';
import { followJob, httpJson, median, type Row, startServer, timeRuns, vendorRemoveBackground } from './bench-helpers';

const COPY = '명절 특가! 사과 한 박스 20,000원';
const STAGES = ['segment', 'locate', 'background', 'composite', 'analyze', 'layout', 'render', 'finalize', 'quality'];

type Status = Record<string, unknown> & { timings: Record<string, number> };

/** The job's own run time on the server: claimed -> finished. */
const runMs = (s: Record<string, unknown>) => Date.parse(s.finished_at as string) - Date.parse(s.started_at as string);

/** The vendor package's pipeline on the same photo, in this process, warm. */
async function vendorRuns(png: Buffer, n: number): Promise<number[]> {
  await vendorRemoveBackground(png);
  return timeRuns(n, () => vendorRemoveBackground(png));
}

interface Run {
  /** Jobs 2-6 of a fresh server: the model is loaded, but V8 has not yet optimized every pixel loop. */
  early: Status[];
  /** Jobs 12-16: past the JIT's warm-up (a stage's time settles after about eight jobs). */
  jobs: Status[];
  batch: Status[];
}

/**
 * On a fresh server: one job to load the model, five jobs (early), five more to finish V8's
 * warm-up, five measured jobs (steady), then a batch of ten submitted at once.
 */
async function runJobs(dir: string, body: string, env: Record<string, string>): Promise<Run> {
  // JOB_POLL_MS as configured: NOTIFY wakes the runner for each job; a fast poll only took CPU from the jobs timed.
  const server = await startServer(dir, env);
  const run: Run = { early: [], jobs: [], batch: [] };
  try {
    const one = async () => {
      const { job_id } = await httpJson(server.url, 'POST', '/generate', body);
      return (await followJob(server.url, job_id as string)) as Status;
    };
    await one();
    for (let i = 0; i < 5; i++) run.early.push(await one());
    for (let i = 0; i < 5; i++) await one();
    for (let i = 0; i < 5; i++) run.jobs.push(await one());
    const ids: string[] = [];
    for (let i = 0; i < 10; i++) ids.push((await httpJson(server.url, 'POST', '/generate', body)).job_id as string);
    // Followed over WebSockets, not polled: a poll every 20 ms would take CPU from the jobs it times.
    for (const id of ids) run.batch.push((await followJob(server.url, id, 300_000)) as Status);
  } finally {
    await server.stop();
  }
  return run;
}

/** The rows for one configuration, each labelled with it. */
function jobRows(label: string, { early, jobs, batch }: Run, vendor: number, rows: Row[]): void {
  const segment = jobs.map((j) => j.timings.segment);
  const segmentMs = median(segment);
  rows.push({ what: `ad job, ${label}: segment stage`, value: segment, unit: 'ms' });
  rows.push({ what: `ad job, ${label}: segment stage / vendor removeBackground, medians`, value: [segmentMs / vendor], unit: 'x', target: '<= 0.40', digits: 2 });
  rows.push({ what: `ad job, ${label}: run time (started_at -> finished_at)`, value: jobs.map(runMs), unit: 'ms' });
  const stages = STAGES.filter((s) => s !== 'segment' && jobs[0].timings[s] !== undefined);
  rows.push({ what: `ad job, ${label}: the other stages (${stages.join(', ')}), summed`, value: jobs.map((j) => stages.reduce((sum, s) => sum + j.timings[s], 0)), unit: 'ms' });
  const rest = median(jobs.map((j) => runMs(j) - j.timings.segment));
  rows.push({ what: `ad job, ${label}: rest of the job (run time - segment stage) / segment stage, medians`, value: [rest / segmentMs], unit: 'x', target: '<= 0.20', digits: 2 });
  const earlyRest = median(early.map((j) => runMs(j) - j.timings.segment));
  rows.push({ what: `ad job, ${label}: the same for jobs 2-6 of the server (V8 still optimizing)`, value: [earlyRest / median(early.map((j) => j.timings.segment))], unit: 'x', digits: 2 });
  const first = Math.min(...batch.map((j) => Date.parse(j.created_at as string)));
  const last = Math.max(...batch.map((j) => Date.parse(j.finished_at as string)));
  rows.push({ what: `ad job, ${label}: batch of 10, wall (first created_at -> last finished_at)`, value: [last - first], unit: 'ms' });
  rows.push({ what: `ad job, ${label}: batch of 10, wall / (10 x one job's segment stage)`, value: [(last - first) / (10 * segmentMs)], unit: 'x', target: '<= 1.3', digits: 2 });
}

/**
 * Section `ad-job`: issue 28's ratios, all from one run on one machine. A Stage 1 + 2 ad job on the
 * server (a 1024 px photo, one 1024x1024 canvas, embedded providers, the cutout cache off), warm:
 * the model loaded and V8's optimizing compiler done with the pixel loops (jobs 12-16; jobs 2-6
 * are reported beside):
 * its segment stage against the vendor's `removeBackground` on the same photo, the rest of the job
 * against its segment stage, and a batch of ten such jobs against ten segment stages; with the
 * full segmentation pass only (SEGMENT_FIRST_LOOK=false, as before issue 28) and as configured.
 */
export async function benchAdJob(dataDir: string, png: Buffer, rows: Row[]): Promise<void> {
  const body = JSON.stringify({ product_image: `data:image/png;base64,${png.toString('base64')}`, stop_step: 2, text_content: COPY, bg_prompt: 'warm studio', seed: 1 });
  const full = await runJobs(path.join(dataDir, 'ad-job-full'), body, { SEGMENT_FIRST_LOOK: 'false' });
  const now = await runJobs(path.join(dataDir, 'ad-job'), body, {});
  // The vendor after the servers are gone: nothing else holds the cores while it runs.
  const vendorMs = await vendorRuns(png, 5);
  rows.push({ what: 'ad job: vendor removeBackground (medium), the same photo', value: vendorMs, unit: 'ms' });
  jobRows('full pass only', full, median(vendorMs), rows);
  jobRows('first look where sure', now, median(vendorMs), rows);
}
