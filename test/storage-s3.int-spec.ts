import { after, before, describe, it } from 'node:test';
import { expect } from 'expect';
import { createServer } from 'node:net';
import { Readable } from 'node:stream';
import { DomainException } from '../src/common/errors/domain.exception';
import { ErrorCode } from '../src/common/errors/error-codes';
import { loadConfig } from '../src/config/app-config';
import { S3ArtifactStore } from '../src/storage/s3-artifact.store';
import { type S3rverHandle, startS3rver } from './helpers/s3rver';
import { collect, rejection as rejectionOf, sha256 } from './helpers/store-testing';

async function rejection(work: Promise<unknown>): Promise<DomainException> {
  const error = await rejectionOf(work);
  expect(error).toBeInstanceOf(DomainException);
  return error as DomainException;
}

/** A port nothing listens on: bound by us, then released. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('S3ArtifactStore against s3rver', () => {
  let s3: S3rverHandle;
  let store: S3ArtifactStore;
  const stores: S3ArtifactStore[] = [];
  const storeWith = (env: Record<string, string>, pageSize?: number): S3ArtifactStore => {
    const created = new S3ArtifactStore(loadConfig({ ...s3.env, ...env }), { pageSize });
    stores.push(created);
    return created;
  };

  before(async () => {
    s3 = await startS3rver();
    store = storeWith({}, 2);
  });
  after(async () => {
    for (const created of stores) created.onApplicationShutdown();
    await s3.close();
  });

  it('passes check() and leaves no probe object behind', async () => {
    await store.check();
    const probes = (await s3.requests()).filter((line) => line.includes('/nanococoa-test/.nanococoa-check/'));
    expect(probes.map((line) => line.split(' ')[0])).toEqual(['PUT', 'DELETE']);
  });

  it('streams a 6 MB Readable up as a multipart upload, hashing it on the way', async () => {
    const chunks = Array.from({ length: 96 }, (_, i) => Buffer.alloc(65_536, i));
    const whole = Buffer.concat(chunks);
    const before = (await s3.requests()).length;
    const stored = await store.write('jobs/b/final.png', Readable.from(chunks), 'image/png');
    expect(stored).toEqual({ key: 'jobs/b/final.png', bytes: whole.length, sha256: sha256(whole) });
    const sent = (await s3.requests()).slice(before);
    expect(sent.filter((line) => /^PUT .*partNumber=/.test(line))).toHaveLength(2);
    expect(sha256(await store.read('jobs/b/final.png'))).toBe(sha256(whole));
  });

  it('fails a streamed write whose source breaks, aborting its multipart upload', async () => {
    // Enough for one part to be sent before the source fails, as when a client hangs up.
    async function* brokenSource(): AsyncGenerator<Buffer> {
      for (let i = 0; i < 6; i++) yield Buffer.alloc(1024 * 1024, i);
      await new Promise((resolve) => setTimeout(resolve, 200));
      throw new Error('client went away');
    }
    const before = (await s3.requests()).length;
    const error = await rejection(store.write('jobs/b/broken.png', Readable.from(brokenSource()), 'image/png'));
    expect(error.code).toBe(ErrorCode.STORAGE_ERROR);
    expect(error.message).toBe('artifact store (s3) failed to write jobs/b/broken.png: client went away');
    expect(error.details).toEqual({ driver: 's3', bucket: 'nanococoa-test', operation: 'write' });
    const sent = (await s3.requests()).slice(before).map((line) => line.replace(/uploadId=\w+/, 'uploadId=ID'));
    expect(sent).toContain('PUT /nanococoa-test/jobs/b/broken.png?partNumber=1&uploadId=ID&x-id=UploadPart');
    expect(sent).toContain('DELETE /nanococoa-test/jobs/b/broken.png?uploadId=ID&x-id=AbortMultipartUpload');
    expect(await store.size('jobs/b/broken.png')).toBeNull();
  });

  it('lists across pages and removePrefix returns the bytes it freed', async () => {
    for (const [name, bytes] of [['input.png', 10], ['1/step1.png', 20], ['2/final.png', 30], ['2/layers.json', 40], ['metrics.json', 50]] as const) {
      await store.write(`jobs/d/${name}`, Buffer.alloc(bytes), 'application/octet-stream');
    }
    await store.write('jobs/dd/other.png', Buffer.alloc(5), 'image/png');
    const before = (await s3.requests()).length;
    const listed = await collect(store.list('jobs/d/'));
    // Five keys at two per page: three ListObjectsV2 calls chained by continuation tokens.
    const lists = (await s3.requests()).slice(before).filter((line) => line.includes('list-type=2'));
    expect(lists.map((line) => line.includes('continuation-token='))).toEqual([false, true, true]);
    expect(listed.map((o) => [o.key, o.bytes])).toEqual([
      ['jobs/d/1/step1.png', 20],
      ['jobs/d/2/final.png', 30],
      ['jobs/d/2/layers.json', 40],
      ['jobs/d/input.png', 10],
      ['jobs/d/metrics.json', 50],
    ]);
    expect(listed[0].lastModified).toBeInstanceOf(Date);

    expect(await store.removePrefix('jobs/d/')).toBe(150);
    expect(await collect(store.list('jobs/d/'))).toEqual([]);
    expect(await store.size('jobs/dd/other.png')).toBe(5);
    await store.remove(['jobs/dd/other.png', 'jobs/dd/never-written.png']);
    expect(await store.size('jobs/dd/other.png')).toBeNull();
  });

  it('check() names S3_ENDPOINT when nothing listens there', async () => {
    const endpoint = `http://127.0.0.1:${await closedPort()}`;
    const broken = storeWith({ S3_ENDPOINT: endpoint });
    await expect(broken.check()).rejects.toThrow(`S3_ENDPOINT=${endpoint}: cannot reach the bucket store: `);
  });

  it('check() names S3_BUCKET when the bucket does not exist', async () => {
    const broken = storeWith({ S3_BUCKET: 'no-such-bucket' });
    await expect(broken.check()).rejects.toThrow(`S3_BUCKET=no-such-bucket does not exist at ${s3.endpoint}`);
  });

  it('check() names the credentials when the access key is unknown, without echoing the secret', async () => {
    // s3rver knows one key pair (S3RVER / S3RVER) and refuses any other access key id with
    // InvalidAccessKeyId. It does not verify V4 signatures, so a wrong *secret* with the right
    // key id passes there; real S3 and MinIO answer SignatureDoesNotMatch (also a 403).
    const broken = storeWith({ S3_ACCESS_KEY_ID: 'NOT-A-KEY', S3_SECRET_ACCESS_KEY: 'very-secret-value' });
    const error = await broken.check().then(
      () => new Error('check() passed'),
      (e: unknown) => e as Error,
    );
    expect(error).not.toBeInstanceOf(DomainException);
    expect(error.message).toMatch(new RegExp(`^S3_ACCESS_KEY_ID / S3_SECRET_ACCESS_KEY were refused by ${s3.endpoint}: InvalidAccessKeyId: `));
    expect(error.message).not.toContain('very-secret-value');
  });
});
