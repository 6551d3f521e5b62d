import { after, before, describe, it } from 'node:test';
import { expect } from 'expect';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { Readable } from 'node:stream';
import { text } from 'node:stream/consumers';
import { DomainException } from '../src/common/errors/domain.exception';
import { ErrorCode } from '../src/common/errors/error-codes';
import { loadConfig } from '../src/config/app-config';
import type { ArtifactStore } from '../src/storage/artifact-store';
import { FsArtifactStore } from '../src/storage/fs-artifact.store';
import { S3ArtifactStore } from '../src/storage/s3-artifact.store';
import { type S3rverHandle, startS3rver } from './helpers/s3rver';
import { collect, rejection, sha256 } from './helpers/store-testing';

interface Driver {
  name: 'fs' | 's3';
  open(): Promise<{ store: ArtifactStore; close(): Promise<void> }>;
}

const DRIVERS: Driver[] = [
  {
    name: 'fs',
    open: async () => {
      const dataDir = mkdtempSync(path.join(tmpdir(), 'nanococoa-store-'));
      return { store: new FsArtifactStore(loadConfig({ DATA_DIR: dataDir })), close: async () => rmSync(dataDir, { recursive: true, force: true }) };
    },
  },
  {
    name: 's3',
    open: async () => {
      const s3: S3rverHandle = await startS3rver();
      // Two keys a page, so listing follows continuation tokens.
      const store = new S3ArtifactStore(loadConfig(s3.env), { pageSize: 2 });
      return {
        store,
        close: async () => {
          store.onApplicationShutdown();
          await s3.close();
        },
      };
    },
  },
];

/**
 * The ArtifactStore contract, the same tests on both drivers: what the job system, downloads and
 * retention rely on whichever STORAGE_DRIVER an operator picks. Each driver's own behaviour
 * (fs: atomic renames, DATA_DIR; s3: multipart uploads, the boot check) is in its own suite.
 */
for (const driver of DRIVERS) {
  describe(`artifact store contract: ${driver.name}`, () => {
    let store: ArtifactStore;
    let close: () => Promise<void>;
    before(async () => ({ store, close } = await driver.open()));
    after(() => close?.());

    it('writes a Buffer and reads it back with its sha256 and size; a second write replaces it', async () => {
      const data = Buffer.from('{"layers":[]}');
      expect(await store.write('jobs/a/layers.json', data, 'application/json')).toEqual({ key: 'jobs/a/layers.json', bytes: data.length, sha256: sha256(data) });
      expect(await store.read('jobs/a/layers.json')).toEqual(data);
      expect(await store.size('jobs/a/layers.json')).toBe(data.length);
      await store.write('jobs/a/layers.json', Buffer.from('{"v":2}'), 'application/json');
      expect((await store.read('jobs/a/layers.json')).toString()).toBe('{"v":2}');
    });

    it('streams a 6 MB Readable in, hashing it on the way', async () => {
      const chunks = Array.from({ length: 96 }, (_, i) => Buffer.alloc(65_536, i));
      const whole = Buffer.concat(chunks);
      expect(await store.write('jobs/b/2/final.png', Readable.from(chunks), 'image/png')).toEqual({ key: 'jobs/b/2/final.png', bytes: whole.length, sha256: sha256(whole) });
      expect(sha256(await store.read('jobs/b/2/final.png'))).toBe(sha256(whole));
    });

    it('fails a streamed write whose source breaks with STORAGE_ERROR, leaving nothing behind', async () => {
      async function* brokenSource(): AsyncGenerator<Buffer> {
        for (let i = 0; i < 6; i++) yield Buffer.alloc(1024 * 1024, i);
        throw new Error('client went away');
      }
      const error = await rejection(store.write('jobs/b/broken.png', Readable.from(brokenSource()), 'image/png'));
      expect(error).toBeInstanceOf(DomainException);
      expect((error as DomainException).code).toBe(ErrorCode.STORAGE_ERROR);
      expect((error as DomainException).message).toBe(`artifact store (${driver.name}) failed to write jobs/b/broken.png: client went away`);
      expect(await store.size('jobs/b/broken.png')).toBeNull();
    });

    it('streams a byte range and reports the whole size', async () => {
      await store.write('jobs/c/text.txt', Buffer.from('0123456789'), 'text/plain');
      const part = await store.stream('jobs/c/text.txt', { start: 2, end: 5 });
      expect([part.size, part.range, await text(part.body)]).toEqual([10, { start: 2, end: 5 }, '2345']);
      const whole = await store.stream('jobs/c/text.txt');
      expect([whole.size, await text(whole.body)]).toEqual([10, '0123456789']);
    });

    it('lists a prefix in key order and removePrefix returns the bytes it freed; remove ignores keys never written', async () => {
      for (const [name, bytes] of [['input.png', 10], ['1/step1.png', 20], ['2/final.png', 30], ['2/layers.json', 40], ['metrics.json', 50]] as const) {
        await store.write(`jobs/d/${name}`, Buffer.alloc(bytes), 'application/octet-stream');
      }
      await store.write('jobs/dd/other.png', Buffer.alloc(5), 'image/png');
      const listed = await collect(store.list('jobs/d/'));
      expect(listed.map((o) => [o.key, o.bytes])).toEqual([
        ['jobs/d/1/step1.png', 20],
        ['jobs/d/2/final.png', 30],
        ['jobs/d/2/layers.json', 40],
        ['jobs/d/input.png', 10],
        ['jobs/d/metrics.json', 50],
      ]);
      expect(listed[0].lastModified).toBeInstanceOf(Date);
      expect(await collect(store.list('jobs/nothing-here/'))).toEqual([]);
      expect(await store.removePrefix('jobs/d/')).toBe(150);
      expect(await collect(store.list('jobs/d/'))).toEqual([]);
      expect(await store.size('jobs/dd/other.png')).toBe(5);
      await store.remove(['jobs/dd/other.png', 'jobs/dd/never-written.png']);
      expect(await store.size('jobs/dd/other.png')).toBeNull();
    });

    it('answers ARTIFACT_MISSING for a key that is not there', async () => {
      for (const work of [() => store.read('jobs/zz/gone.png'), () => store.stream('jobs/zz/gone.png')]) {
        const error = await rejection(work());
        expect((error as DomainException).code).toBe(ErrorCode.ARTIFACT_MISSING);
        expect((error as DomainException).message).toContain('jobs/zz/gone.png');
      }
      expect(await store.size('jobs/zz/gone.png')).toBeNull();
    });

    it('refuses keys and prefixes that could leave its root with a plain Error, before touching anything', async () => {
      for (const key of ['../etc/passwd', 'jobs/../../x', '/abs/path', 'jobs/.hidden', 'jobs//x', '']) {
        const error = await rejection(store.write(key, Buffer.from('x'), 'text/plain'));
        expect(error).not.toBeInstanceOf(DomainException);
        expect((error as Error).message).toMatch(/unsafe artifact key/);
      }
      await expect(store.removePrefix('')).rejects.toThrow(/unsafe artifact prefix/);
      await expect(store.removePrefix('jobs/../')).rejects.toThrow(/unsafe artifact prefix/);
      await expect(collect(store.list('jobs'))).rejects.toThrow(/unsafe artifact prefix/);
    });
  });
}

/** The fs driver's own: atomic replacement through a temp file, and DATA_DIR at boot. */
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
