import { after, before, describe, it } from 'node:test';
import { expect } from 'expect';
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { Readable } from 'node:stream';
import { text } from 'node:stream/consumers';
import { DomainException } from '../common/errors/domain.exception';
import { ErrorCode } from '../common/errors/error-codes';
import { loadConfig } from '../config/app-config';
import type { ListedObject } from './artifact-store';
import { FsArtifactStore } from './fs-artifact.store';

const sha256 = (data: Buffer): string => createHash('sha256').update(data).digest('hex');

async function collect(iterable: AsyncIterable<ListedObject>): Promise<ListedObject[]> {
  const out: ListedObject[] = [];
  for await (const item of iterable) out.push(item);
  return out;
}

async function rejection(work: Promise<unknown>): Promise<unknown> {
  try {
    await work;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}

describe('FsArtifactStore', () => {
  let dataDir: string;
  let store: FsArtifactStore;

  before(() => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'nanococoa-fs-store-'));
    store = new FsArtifactStore(loadConfig({ DATA_DIR: dataDir }));
  });
  after(() => rmSync(dataDir, { recursive: true, force: true }));

  it('writes a Buffer atomically and reads it back with its sha256', async () => {
    const data = Buffer.from('a product photo, honestly');
    const stored = await store.write('jobs/a/input.png', data, 'image/png');
    expect(stored).toEqual({ key: 'jobs/a/input.png', bytes: data.length, sha256: sha256(data) });
    expect(await store.read('jobs/a/input.png')).toEqual(data);
    // No temp file is left beside the artifact.
    expect(readdirSync(path.join(dataDir, 'jobs', 'a'))).toEqual(['input.png']);
  });

  it('streams a Readable to disk, hashing it on the way', async () => {
    const chunks = Array.from({ length: 64 }, (_, i) => Buffer.alloc(16_384, i));
    const whole = Buffer.concat(chunks);
    const stored = await store.write('jobs/b/2/final.png', Readable.from(chunks), 'image/png');
    expect(stored).toEqual({ key: 'jobs/b/2/final.png', bytes: whole.length, sha256: sha256(whole) });
    expect(sha256(await store.read('jobs/b/2/final.png'))).toBe(sha256(whole));
    expect(await store.size('jobs/b/2/final.png')).toBe(whole.length);
  });

  it('replaces an existing file and removes the temp file when the source fails', async () => {
    await store.write('jobs/c/layers.json', Buffer.from('{"v":1}'), 'application/json');
    await store.write('jobs/c/layers.json', Buffer.from('{"v":2}'), 'application/json');
    expect((await store.read('jobs/c/layers.json')).toString()).toBe('{"v":2}');

    const failing = new Readable({
      read() {
        this.destroy(new Error('upload cut'));
      },
    });
    const error = await rejection(store.write('jobs/c/broken.png', failing, 'image/png'));
    expect(error).toBeInstanceOf(DomainException);
    expect((error as DomainException).code).toBe(ErrorCode.STORAGE_ERROR);
    expect((error as DomainException).message).toContain('artifact store (fs) failed to write jobs/c/broken.png');
    expect(readdirSync(path.join(dataDir, 'jobs', 'c'))).toEqual(['layers.json']);
  });

  it('streams a byte range and reports the whole size', async () => {
    await store.write('jobs/d/text.txt', Buffer.from('0123456789'), 'text/plain');
    const part = await store.stream('jobs/d/text.txt', { start: 2, end: 5 });
    expect(part.size).toBe(10);
    expect(part.range).toEqual({ start: 2, end: 5 });
    expect(await text(part.body)).toBe('2345');
    const whole = await store.stream('jobs/d/text.txt');
    expect(await text(whole.body)).toBe('0123456789');
  });

  it('lists a prefix recursively and removePrefix returns the bytes it freed', async () => {
    await store.write('jobs/e/input.png', Buffer.alloc(10), 'image/png');
    await store.write('jobs/e/1/step1.png', Buffer.alloc(20), 'image/png');
    await store.write('jobs/e/2/final.png', Buffer.alloc(30), 'image/png');
    await store.write('jobs/ee/other.png', Buffer.alloc(5), 'image/png');

    const listed = await collect(store.list('jobs/e/'));
    expect(listed.map((o) => [o.key, o.bytes])).toEqual([
      ['jobs/e/1/step1.png', 20],
      ['jobs/e/2/final.png', 30],
      ['jobs/e/input.png', 10],
    ]);
    expect(listed[0].lastModified).toBeInstanceOf(Date);
    expect(await collect(store.list('jobs/nothing-here/'))).toEqual([]);

    expect(await store.removePrefix('jobs/e/')).toBe(60);
    expect(await collect(store.list('jobs/e/'))).toEqual([]);
    expect(await store.size('jobs/ee/other.png')).toBe(5);
    await store.remove(['jobs/ee/other.png', 'jobs/ee/never-written.png']);
    expect(await store.size('jobs/ee/other.png')).toBeNull();
  });

  it('answers ARTIFACT_MISSING for a file that is not there', async () => {
    for (const work of [() => store.read('jobs/zz/gone.png'), () => store.stream('jobs/zz/gone.png')]) {
      const error = await rejection(work());
      expect(error).toBeInstanceOf(DomainException);
      expect((error as DomainException).code).toBe(ErrorCode.ARTIFACT_MISSING);
      expect((error as DomainException).message).toContain('jobs/zz/gone.png');
    }
    expect(await store.size('jobs/zz/gone.png')).toBeNull();
  });

  it('refuses keys and prefixes that could leave DATA_DIR with a plain Error', async () => {
    for (const key of ['../etc/passwd', 'jobs/../../x', '/abs/path', 'jobs/.hidden', 'jobs//x', '']) {
      const error = await rejection(store.write(key, Buffer.from('x'), 'text/plain'));
      expect(error).not.toBeInstanceOf(DomainException);
      expect((error as Error).message).toMatch(/unsafe artifact key/);
    }
    await expect(store.removePrefix('')).rejects.toThrow(/unsafe artifact prefix/);
    await expect(store.removePrefix('jobs/../')).rejects.toThrow(/unsafe artifact prefix/);
    await expect(collect(store.list('jobs'))).rejects.toThrow(/unsafe artifact prefix/);
  });

  it('check() creates DATA_DIR and fails naming DATA_DIR when it cannot be written', async () => {
    const fresh = path.join(dataDir, 'not-yet', 'there');
    await new FsArtifactStore(loadConfig({ DATA_DIR: fresh })).check();
    expect(readdirSync(fresh)).toEqual([]);

    // A path under a regular file can never be created, even by root (whom chmod does not stop).
    const file = path.join(dataDir, 'a-file');
    writeFileSync(file, 'x');
    const broken = new FsArtifactStore(loadConfig({ DATA_DIR: path.join(file, 'data') }));
    await expect(broken.check()).rejects.toThrow(/^DATA_DIR=.*a-file\/data is not writable: ENOTDIR/);
  });
});
