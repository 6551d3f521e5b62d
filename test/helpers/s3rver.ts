import { type ChildProcess, fork } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import type { IncomingMessage, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import * as path from 'node:path';

/** The part of s3rver we use; the package ships no types. */
interface S3rverInstance {
  run(): Promise<AddressInfo>;
  httpServer?: Server;
}
type S3rverConstructor = new (options: {
  port: number;
  address: string;
  silent: boolean;
  directory: string;
  configureBuckets: { name: string }[];
}) => S3rverInstance;

/** Parent -> child: 'requests' asks for the log; child -> parent: the port, then log replies. */
type ChildMessage = { port: number } | { requests: string[] };

export interface S3rverHandle {
  /** http://127.0.0.1:PORT */
  endpoint: string;
  bucket: string;
  /** STORAGE_DRIVER=s3 and the S3_* variables, for loadConfig or a child process's environment. */
  env: Record<string, string>;
  /**
   * "METHOD /path?query" of every request answered so far, for tests that check how a client
   * talks to the server. A round trip, so it includes every request whose answer has arrived.
   */
  requests(): Promise<string[]>;
  close(): Promise<void>;
}

/**
 * A real S3 API (s3rver) on a free port with one empty bucket, storing under a temp folder.
 * It accepts the key pair S3RVER / S3RVER; an unknown access key id is refused with
 * InvalidAccessKeyId, but V4 signatures are not verified, so a wrong secret goes unnoticed.
 *
 * It runs in a child process because s3rver encrypts ListObjectsV2 continuation tokens with
 * DES, which OpenSSL 3 only offers with --openssl-legacy-provider: in this process every
 * listing longer than one page would fail with a 500.
 */
export async function startS3rver(bucket = 'nanococoa-test'): Promise<S3rverHandle> {
  const directory = mkdtempSync(path.join(tmpdir(), 'nanococoa-s3rver-'));
  const child = fork(__filename, [], {
    execArgv: ['--openssl-legacy-provider'],
    env: { ...process.env, NANOCOCOA_S3RVER: JSON.stringify({ directory, bucket }) },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  let port: number;
  try {
    port = await new Promise<number>((resolve, reject) => {
      child.once('message', (message: ChildMessage) => ('port' in message ? resolve(message.port) : reject(new Error('s3rver sent no port'))));
      child.once('exit', (code) => reject(new Error(`s3rver exited with code ${code} before listening`)));
      child.once('error', reject);
    });
  } catch (error) {
    child.kill();
    rmSync(directory, { recursive: true, force: true });
    throw error;
  }
  child.removeAllListeners('exit');
  const endpoint = `http://127.0.0.1:${port}`;
  return {
    endpoint,
    bucket,
    env: {
      STORAGE_DRIVER: 's3',
      S3_ENDPOINT: endpoint,
      S3_BUCKET: bucket,
      S3_REGION: 'us-east-1',
      S3_ACCESS_KEY_ID: 'S3RVER',
      S3_SECRET_ACCESS_KEY: 'S3RVER',
      S3_FORCE_PATH_STYLE: 'true',
    },
    requests: () => requestLog(child),
    close: async () => {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        await exited;
      }
      rmSync(directory, { recursive: true, force: true });
    },
  };
}

function requestLog(child: ChildProcess): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const onMessage = (message: ChildMessage) => {
      if (!('requests' in message)) return;
      child.off('message', onMessage);
      resolve(message.requests);
    };
    child.on('message', onMessage);
    child.send('requests', (error) => {
      if (error) reject(error);
    });
  });
}

/** The child side: serve until the parent goes away. */
async function serveInChild(options: { directory: string; bucket: string }): Promise<void> {
  const S3rver = createRequire(__filename)('s3rver') as S3rverConstructor;
  const server = new S3rver({ port: 0, address: '127.0.0.1', silent: true, directory: options.directory, configureBuckets: [{ name: options.bucket }] });
  const { port } = await server.run();
  const requests: string[] = [];
  server.httpServer?.on('request', (req: IncomingMessage) => requests.push(`${req.method} ${req.url}`));
  process.on('message', (message) => {
    if (message === 'requests') process.send?.({ requests } satisfies ChildMessage);
  });
  // A parent that crashes must not leave a server behind.
  process.on('disconnect', () => process.exit(0));
  process.send?.({ port } satisfies ChildMessage);
}

if (require.main === module && process.env.NANOCOCOA_S3RVER) {
  serveInChild(JSON.parse(process.env.NANOCOCOA_S3RVER) as { directory: string; bucket: string }).catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
