import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, open, readdir, readFile, rename, rm, stat, unlink, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { AppConfig } from '../config/app-config';
import { DomainException } from '../common/errors/domain.exception';
import { ErrorCode } from '../common/errors/error-codes';
import {
  type ArtifactStore,
  assertSafeKey,
  assertSafePrefix,
  type ByteRange,
  HashingStream,
  type ListedObject,
  type ObjectStream,
  type StoredObject,
} from './artifact-store';

/**
 * Artifacts as files under DATA_DIR, the key being the relative path. Writes go to a dot-named
 * temp file in the same folder and are renamed into place, so readers never see half a file
 * and list() can skip the temp files (a key segment never starts with '.').
 */
export class FsArtifactStore implements ArtifactStore {
  readonly driver = 'fs';
  private readonly root: string;

  constructor(config: AppConfig) {
    this.root = config.dataDir;
  }

  async check(): Promise<void> {
    const probe = path.join(this.root, `.nanococoa-check-${randomBytes(6).toString('hex')}`);
    try {
      await mkdir(this.root, { recursive: true });
      await writeFile(probe, 'ok');
      await unlink(probe);
    } catch (error) {
      throw new Error(`DATA_DIR=${this.root} is not writable: ${describe(error)}`, { cause: error });
    }
  }

  async write(key: string, data: Buffer | Readable, _mime: string): Promise<StoredObject> {
    const absolute = this.absolute(key);
    const temp = path.join(path.dirname(absolute), `.${path.basename(absolute)}.${randomBytes(6).toString('hex')}.tmp`);
    try {
      await mkdir(path.dirname(absolute), { recursive: true });
      let stored: StoredObject;
      if (Buffer.isBuffer(data)) {
        // flush: the rename must not land before the bytes do, or a crash leaves an empty file.
        const written = writeFile(temp, data, { flush: true });
        // Hashed while the write and its flush are under way on the thread pool.
        const sha256 = createHash('sha256').update(data).digest('hex');
        await written;
        stored = { key, bytes: data.length, sha256 };
      } else {
        const hashing = new HashingStream();
        await pipeline(data, hashing, createWriteStream(temp, { flush: true }));
        stored = { key, bytes: hashing.bytes, sha256: hashing.digest() };
      }
      await rename(temp, absolute);
      return stored;
    } catch (error) {
      await rm(temp, { force: true }).catch(() => undefined);
      throw this.failure('write', key, error, false);
    }
  }

  async read(key: string): Promise<Buffer> {
    const absolute = this.absolute(key);
    try {
      return await readFile(absolute);
    } catch (error) {
      throw this.failure('read', key, error);
    }
  }

  async stream(key: string, range?: ByteRange): Promise<ObjectStream> {
    const absolute = this.absolute(key);
    // Opening first turns a missing file into a rejection here, before the caller sends headers.
    try {
      const handle = await open(absolute, 'r');
      try {
        const { size } = await handle.stat();
        const body = handle.createReadStream(range ? { start: range.start, end: range.end } : {});
        return { body, size, range };
      } catch (error) {
        await handle.close();
        throw error;
      }
    } catch (error) {
      throw this.failure('stream', key, error);
    }
  }

  async size(key: string): Promise<number | null> {
    const absolute = this.absolute(key);
    try {
      return (await stat(absolute)).size;
    } catch (error) {
      if (errorCode(error) === 'ENOENT') return null;
      throw this.failure('size', key, error);
    }
  }

  async remove(keys: string[]): Promise<void> {
    const paths = keys.map((key) => [key, this.absolute(key)] as const);
    for (const [key, absolute] of paths) {
      await rm(absolute, { force: true }).catch((error: unknown) => {
        throw this.failure('remove', key, error, false);
      });
    }
  }

  async removePrefix(prefix: string): Promise<number> {
    assertSafePrefix(prefix);
    const folder = this.absolute(prefix.slice(0, -1));
    let bytes = 0;
    for await (const object of this.list(prefix)) bytes += object.bytes;
    await rm(folder, { recursive: true, force: true }).catch((error: unknown) => {
      throw this.failure('remove', prefix, error, false);
    });
    return bytes;
  }

  async *list(prefix: string): AsyncIterable<ListedObject> {
    assertSafePrefix(prefix);
    yield* this.walk(prefix.slice(0, -1));
  }

  private async *walk(folderKey: string): AsyncGenerator<ListedObject> {
    const folder = this.absolute(folderKey);
    let entries;
    try {
      entries = await readdir(folder, { withFileTypes: true });
    } catch (error) {
      // A prefix nothing was written under, or a folder removed while walking: no objects.
      if (errorCode(error) === 'ENOENT' || errorCode(error) === 'ENOTDIR') return;
      throw this.failure('list', `${folderKey}/`, error, false);
    }
    // Sorted like an S3 listing, so callers see the same order from either driver.
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const entry of entries) {
      if (entry.name.startsWith('.')) continue;
      const key = `${folderKey}/${entry.name}`;
      if (entry.isDirectory()) {
        yield* this.walk(key);
      } else if (entry.isFile()) {
        const info = await stat(path.join(folder, entry.name)).catch((error: unknown) => {
          if (errorCode(error) === 'ENOENT') return null;
          throw this.failure('list', key, error, false);
        });
        if (info) yield { key, bytes: info.size, lastModified: info.mtime };
      }
    }
  }

  private absolute(key: string): string {
    assertSafeKey(key);
    const absolute = path.resolve(this.root, key);
    if (!absolute.startsWith(this.root + path.sep)) throw new Error(`artifact key ${JSON.stringify(key)} escapes DATA_DIR`);
    return absolute;
  }

  private failure(operation: string, key: string, error: unknown, missingIsEnoent = true): DomainException {
    if (error instanceof DomainException) return error;
    if (missingIsEnoent && errorCode(error) === 'ENOENT') {
      return new DomainException(ErrorCode.ARTIFACT_MISSING, `The file ${key} is missing from the artifact store`, { key });
    }
    return new DomainException(ErrorCode.STORAGE_ERROR, `artifact store (fs) failed to ${operation} ${key}: ${describe(error)}`, {
      driver: 'fs',
      operation,
    });
  }
}

function errorCode(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException | undefined)?.code;
}

/** The errno and the call, not the message: the message holds server paths and this reaches clients. */
function describe(error: unknown): string {
  const errno = error as NodeJS.ErrnoException | undefined;
  if (errno?.code) return errno.syscall ? `${errno.code} (${errno.syscall})` : errno.code;
  return error instanceof Error ? error.message : String(error);
}
