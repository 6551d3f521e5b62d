import { describe, it, after } from 'node:test';
import { expect } from 'expect';
import { spawn } from 'node:child_process';
import { chmodSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { freePort } from '../src/common/net';
import { startS3rver } from './helpers/s3rver';
import { dataUrl, removeDataDir, REPO_ROOT, samplePhoto, startTestApp, waitForJob } from './helpers/test-app';

const MAIN = path.join(REPO_ROOT, 'dist', 'src', 'main.js');

/**
 * Boots the built server with `env` and returns its exit code and output once it stops, or once
 * its output contains `until` (then it is stopped with SIGTERM).
 */
async function boot(env: Record<string, string>, until?: string): Promise<{ code: number | null; output: string }> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'nanococoa-bootfail-'));
  chmodSync(dataDir, 0o755);
  const child = spawn(process.execPath, [MAIN], {
    env: { ...process.env, DATA_DIR: dataDir, PORT: String(await freePort()), HOST: '127.0.0.1', LOG_LEVEL: 'error', RENDER_PREWARM: 'false', SEGMENT_CACHE_MB: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const take = (d: Buffer) => {
    output += d.toString();
    if (until && output.includes(until)) child.kill('SIGTERM');
  };
  child.stdout.on('data', take);
  child.stderr.on('data', take);
  const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
  const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
  clearTimeout(timer);
  await removeDataDir(dataDir);
  return { code, output };
}

describe('storage faults', () => {
  const cleanup: Array<() => Promise<void>> = [];
  after(async () => {
    for (const fn of cleanup.reverse()) await fn();
  });

  it('stops boot naming the variable when the bucket store is unreachable, the bucket missing or the keys wrong', async () => {
    const s3 = await startS3rver('nanococoa-faults');
    cleanup.push(() => s3.close());

    const unreachable = await boot({ ...s3.env, S3_ENDPOINT: 'http://127.0.0.1:1' });
    expect(unreachable.code).not.toBe(0);
    expect(unreachable.output).toContain('S3_ENDPOINT=http://127.0.0.1:1');

    const missing = await boot({ ...s3.env, S3_BUCKET: 'no-such-bucket' });
    expect(missing.code).not.toBe(0);
    expect(missing.output).toContain('S3_BUCKET=no-such-bucket does not exist');

    const refused = await boot({ ...s3.env, S3_ACCESS_KEY_ID: 'WRONGKEY', S3_SECRET_ACCESS_KEY: 'top-secret-value' });
    expect(refused.code).not.toBe(0);
    expect(refused.output).toContain('S3_ACCESS_KEY_ID / S3_SECRET_ACCESS_KEY were refused');
    expect(refused.output).not.toContain('top-secret-value');

    const unnamed = await boot({ STORAGE_DRIVER: 's3' });
    expect(unnamed.code).toBe(78);
    expect(unnamed.output).toContain('S3_BUCKET');
  });

  it('warns at boot that a bucket shared with the embedded database shares nothing', async () => {
    const s3 = await startS3rver('nanococoa-lonely');
    cleanup.push(() => s3.close());
    const warning = 'STORAGE_DRIVER=s3 with the embedded database';
    const { output } = await boot({ ...s3.env, LOG_LEVEL: 'warn' }, warning);
    expect(output).toContain(`${warning}: other instances cannot share this instance's jobs; set DATABASE_URL`);
  });

  it('fails a job with STORAGE_ERROR when the bucket goes away mid-job, and answers reads with 503 STORAGE_ERROR', async () => {
    const s3 = await startS3rver('nanococoa-vanishing');
    cleanup.push(() => s3.close());
    const t = await startTestApp({
      STORAGE_DRIVER: 's3',
      S3_ENDPOINT: s3.endpoint,
      S3_BUCKET: s3.bucket,
      S3_ACCESS_KEY_ID: 'S3RVER',
      S3_SECRET_ACCESS_KEY: 'S3RVER',
      S3_FORCE_PATH_STYLE: true,
      RENDER_PREWARM: false,
    });
    cleanup.push(() => t.close());
    const { body } = await t.http.post('/generate').send({ product_image: dataUrl(samplePhoto()), stop_step: 1 }).expect(202);
    // Take the bucket away as soon as the job runs: its first artifact write fails.
    for (let i = 0; i < 400; i++) {
      const s = await t.http.get(`/status/${body.job_id}?include_images=false&include_metrics=false`).expect(200);
      if (s.body.status === 'running') break;
      await new Promise((r) => setTimeout(r, 10));
    }
    await s3.close();
    const failed = await waitForJob(t.http, body.job_id, 120_000);
    expect(failed).toMatchObject({ status: 'error', error: { code: 'STORAGE_ERROR' } });
    expect(String(failed.error_message)).toMatch(/s3/i);

    const read = await t.http.get(`/jobs/${body.job_id}/artifacts/input_product.png`).expect(503);
    expect(read.body.error.code).toBe('STORAGE_ERROR');
    const status = await t.http.get(`/status/${body.job_id}`).expect(200); // no image to embed: status still answers
    expect(status.body.status).toBe('error');
  });
});
