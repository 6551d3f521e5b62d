import { after, before, describe, it } from 'node:test';
import { expect } from 'expect';
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { Readable } from 'node:stream';
import { DomainException } from '../common/errors/domain.exception';
import { ErrorCode } from '../common/errors/error-codes';
import { loadConfig } from '../config/app-config';
import { FsArtifactStore } from './fs-artifact.store';

const sha256 = (data: Buffer): string => createHash('sha256').update(data).digest('hex');

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
