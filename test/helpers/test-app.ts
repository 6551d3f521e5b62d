import type { DynamicModule, Type } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import request from 'supertest';
import { createApp } from '../../src/app.setup';
import { type AppConfig, loadConfig } from '../../src/config/app-config';
import { startS3rver } from './s3rver';
import { testDatabase } from './test-cluster';

/** The checkout's root, whether this runs from test/ or from its compiled copy in dist/test/. */
export const REPO_ROOT = (() => {
  let dir = __dirname;
  while (!existsSync(path.join(dir, 'package.json'))) dir = path.dirname(dir);
  return dir;
})();
export const SAMPLE_PHOTO = path.join(REPO_ROOT, 'samples', 'coffee-cup.png');
export const samplePhoto = (): Buffer => readFileSync(SAMPLE_PHOTO);

/**
 * `{ skip: FS_ONLY }` for a test or suite that reads, serves and deletes no job files in a way
 * of its own: npm test's second pass over some suites (TEST_STORAGE_DRIVER=s3) is for the tests
 * that do, and skips these, which the fs pass has run.
 */
export const FS_ONLY = process.env.TEST_STORAGE_DRIVER === 's3' && 'storage-neutral: run on the fs pass';

export interface TestApp {
  app: NestExpressApplication;
  http: ReturnType<typeof request>;
  /** http://127.0.0.1:PORT of the listening app, for clients that need a real URL. */
  url: string;
  config: AppConfig;
  dataDir: string;
  close(): Promise<void>;
}

/** The real app (embedded PostgreSQL, ONNX Runtime, HTTP) in a throwaway DATA_DIR. */
export async function startTestApp(overrides: Partial<AppConfig> = {}, extra: Array<Type | DynamicModule> = []): Promise<TestApp> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'nanococoa-test-'));
  // TEST_STORAGE_DRIVER=s3 runs the same suite against a real S3 API (npm test does, for the job suites).
  const s3 = process.env.TEST_STORAGE_DRIVER === 's3' && overrides.STORAGE_DRIVER === undefined ? await startS3rver() : undefined;
  // Under npm test every app gets a database of its own on the run's one PostgreSQL (test-cluster.ts);
  // run alone, a suite starts an embedded PostgreSQL per app, as the service does without DATABASE_URL.
  const cluster = process.env.TEST_PG_URL;
  const database = cluster && overrides.DATABASE_URL === undefined ? await testDatabase(cluster) : undefined;
  // Tests poll /status every few milliseconds: the per-client limits are lifted unless a test sets them.
  const unlimited = { RATE_LIMIT_READS_PER_MINUTE: '1000000', RATE_LIMIT_SUBMITS_PER_MINUTE: '100000' };
  // Chromium starts with the first render, not at boot: most suites never render.
  // The run's shared optimized model copies (scripts/run-tests.mjs); a suite run alone keeps its own in DATA_DIR.
  const ortCache = process.env.ORT_CACHE_DIR ? { ORT_CACHE_DIR: process.env.ORT_CACHE_DIR } : {};
  const env = { DATA_DIR: dataDir, LOG_LEVEL: 'warn', JOB_POLL_MS: '200', RENDER_PREWARM: 'false', ...unlimited, ...ortCache, ...s3?.env, ...(database ? { DATABASE_URL: database.url } : {}) };
  const config = loadConfig(env, overrides);
  const app = await createApp(config, extra).catch(async (error: unknown) => {
    await s3?.close();
    await database?.drop();
    throw error;
  });
  await app.listen(0, '127.0.0.1');
  const url = (await app.getUrl()).replace('[::1]', '127.0.0.1');
  return {
    app,
    url,
    config,
    dataDir,
    http: request(app.getHttpServer()),
    close: async () => {
      await app.close();
      await s3?.close();
      await database?.drop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * Removes a server process's DATA_DIR once its embedded PostgreSQL is gone: a server stopped
 * mid-boot leaves postgres finishing its shutdown checkpoint there for a moment, and rmSync
 * (force) then gives up without a word on a directory still being written.
 */
export async function removeDataDir(dir: string): Promise<void> {
  const pid = path.join(dir, 'pg', 'postmaster.pid');
  for (let i = 0; i < 200 && existsSync(pid); i++) await new Promise((r) => setTimeout(r, 50));
  rmSync(dir, { recursive: true, force: true, maxRetries: 5 });
}

/** Polls /status (with `headers`, e.g. a key) until the job leaves pending/running, or fails after `timeoutMs`. */
export async function waitForJob(http: TestApp['http'], jobId: string, timeoutMs = 60_000, headers: Record<string, string> = {}): Promise<Record<string, unknown>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const res = await http.get(`/status/${jobId}?include_images=false&include_metrics=false`).set(headers).expect(200);
    const body = res.body as Record<string, unknown>;
    if (!['pending', 'running'].includes(String(body.status))) return body;
    if (Date.now() > deadline) throw new Error(`job ${jobId} still ${String(body.status)} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export const dataUrl = (png: Buffer): string => `data:image/png;base64,${png.toString('base64')}`;
