import { createHash } from 'node:crypto';
import { type Readable, Transform } from 'node:stream';

/** Injection token for the configured driver (STORAGE_DRIVER: fs or s3). */
export const ARTIFACT_STORE = Symbol('ARTIFACT_STORE');

/**
 * Keys are slash-separated paths such as `jobs/{job_id}/input_product.png` or
 * `jobs/{job_id}/2/final.png`: segments of [A-Za-z0-9._-], never `.` or `..`.
 */
export const SAFE_KEY = /^(?:[A-Za-z0-9_-][A-Za-z0-9._-]{0,127}\/){0,7}[A-Za-z0-9_-][A-Za-z0-9._-]{0,127}$/;

export interface StoredObject {
  key: string;
  bytes: number;
  /** Hex sha256 of the content, computed while it was written. */
  sha256: string;
}

/** Inclusive byte offsets, as in an HTTP Range header. */
export interface ByteRange {
  start: number;
  end: number;
}

export interface ObjectStream {
  body: Readable;
  /** The object's whole size, whatever range was asked for. */
  size: number;
  range?: ByteRange;
}

export interface ListedObject {
  key: string;
  bytes: number;
  lastModified: Date;
}

/**
 * Where job files live. Every read and write of artifact bytes goes through this, so
 * instances that share a bucket see the same files. A missing object is a DomainException
 * with ARTIFACT_MISSING; any other failure is STORAGE_ERROR (HTTP 503), never a bare error.
 */
export interface ArtifactStore {
  readonly driver: 'fs' | 's3';
  /** Proves at boot that the store is reachable and writable; throws naming the variable to fix. */
  check(): Promise<void>;
  write(key: string, data: Buffer | Readable, mime: string): Promise<StoredObject>;
  read(key: string): Promise<Buffer>;
  /** Streams the object, or the part `range` names (already checked against the size by the caller). */
  stream(key: string, range?: ByteRange): Promise<ObjectStream>;
  /** The object's size, or null when it does not exist. */
  size(key: string): Promise<number | null>;
  remove(keys: string[]): Promise<void>;
  /** Deletes every object under `prefix` (which ends with '/'); returns the bytes removed. */
  removePrefix(prefix: string): Promise<number>;
  list(prefix: string): AsyncIterable<ListedObject>;
}

/** Keys come from code, never from a request, so an unsafe one is a bug: a plain Error. */
export function assertSafeKey(key: string): void {
  if (!SAFE_KEY.test(key)) throw new Error(`unsafe artifact key ${JSON.stringify(key)}`);
}

/** A prefix is a safe key plus '/': an empty one would reach every object (and, on fs, DATA_DIR/pg). */
export function assertSafePrefix(prefix: string): void {
  if (!prefix.endsWith('/') || !SAFE_KEY.test(prefix.slice(0, -1))) throw new Error(`unsafe artifact prefix ${JSON.stringify(prefix)}`);
}

/** Counts and hashes the bytes flowing through, so a stream is never held in memory to hash it. */
export class HashingStream extends Transform {
  bytes = 0;
  private readonly hash = createHash('sha256');

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null, data?: Buffer) => void): void {
    this.hash.update(chunk);
    this.bytes += chunk.length;
    callback(null, chunk);
  }

  digest(): string {
    return this.hash.digest('hex');
  }
}
