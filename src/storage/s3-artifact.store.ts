import {
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
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
import { describeS3Error, httpStatus, isMissing, isNotImplemented, isUnreachable, type SdkError, withoutUserInfo } from './s3-errors';

export interface S3StoreOptions {
  /** Keys per ListObjectsV2 page (S3's maximum is 1000); tests lower it to exercise paging. */
  pageSize?: number;
}

/** S3's smallest part: Upload holds queueSize of these in memory per streamed write. */
const PART_SIZE = 5 * 1024 * 1024;
const DELETE_BATCH = 1000;
const CHECK_TIMEOUT_MS = 10_000;

/** Artifacts as objects in one bucket of S3 or an S3-compatible store (MinIO, R2, s3rver). */
export class S3ArtifactStore implements ArtifactStore {
  readonly driver = 's3';
  readonly bucket: string;
  private readonly client: S3Client;
  /** Where the bucket lives, for messages: the endpoint without any user:password, or AWS's region. */
  private readonly endpoint: string;
  private readonly endpointSetting: string;
  private readonly pageSize: number;
  /** Set once the server answers DeleteObjects with NotImplemented (some S3 look-alikes do). */
  private singleDeletes = false;

  constructor(config: AppConfig, options: S3StoreOptions = {}) {
    if (!config.S3_BUCKET) throw new Error('S3_BUCKET is required when STORAGE_DRIVER=s3');
    if (Boolean(config.S3_ACCESS_KEY_ID) !== Boolean(config.S3_SECRET_ACCESS_KEY)) {
      throw new Error('S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY must be set together (or both left unset for the AWS default chain)');
    }
    this.bucket = config.S3_BUCKET;
    this.endpoint = config.S3_ENDPOINT ? withoutUserInfo(config.S3_ENDPOINT) : `AWS S3 (${config.S3_REGION})`;
    this.endpointSetting = config.S3_ENDPOINT ? this.endpoint : `(unset, so ${this.endpoint})`;
    this.pageSize = options.pageSize ?? 1000;
    this.client = new S3Client({
      endpoint: config.S3_ENDPOINT,
      region: config.S3_REGION,
      forcePathStyle: config.S3_FORCE_PATH_STYLE,
      credentials:
        config.S3_ACCESS_KEY_ID && config.S3_SECRET_ACCESS_KEY
          ? { accessKeyId: config.S3_ACCESS_KEY_ID, secretAccessKey: config.S3_SECRET_ACCESS_KEY }
          : undefined,
      maxAttempts: 3,
      // requestTimeout covers the wait for response headers; socketTimeout is the idle limit
      // while a body streams, so a long download is fine but a stalled one is not.
      requestHandler: { connectionTimeout: 5_000, requestTimeout: 30_000, throwOnRequestTimeout: true, socketTimeout: 30_000 },
      // The SDK's default flexible checksums (aws-chunked trailers) are not understood by every
      // S3 look-alike; we keep our own sha256 anyway.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    });
  }

  async check(): Promise<void> {
    const timeout = () => ({ abortSignal: AbortSignal.timeout(CHECK_TIMEOUT_MS) });
    try {
      await this.client.send(new HeadBucketCommand({ Bucket: this.bucket }), timeout());
    } catch (error) {
      // A HEAD answer has no body, so a 403 cannot say whether the key, the signature or a
      // policy is wrong; a one-key listing fails the same way and names its error.
      const named = isUnreachable(error)
        ? error
        : await this.client.send(new ListObjectsV2Command({ Bucket: this.bucket, MaxKeys: 1 }), timeout()).then(
            () => error,
            (listError: unknown) => listError,
          );
      throw new Error(this.explainCheckFailure(named), { cause: error });
    }
    // A readable bucket can still refuse writes (read-only keys, a bucket policy).
    const probe = `.nanococoa-check/${randomBytes(8).toString('hex')}`;
    try {
      await this.client.send(new PutObjectCommand({ Bucket: this.bucket, Key: probe, Body: 'ok', ContentType: 'text/plain' }), timeout());
      await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: probe }), timeout());
    } catch (error) {
      const cause = describeS3Error(error);
      throw new Error(`S3_BUCKET=${this.bucket} at ${this.endpoint} refused a test write and delete with S3_ACCESS_KEY_ID / S3_SECRET_ACCESS_KEY: ${cause}`, {
        cause: error,
      });
    }
  }

  async write(key: string, data: Buffer | Readable, mime: string): Promise<StoredObject> {
    assertSafeKey(key);
    if (Buffer.isBuffer(data)) {
      try {
        await this.client.send(
          new PutObjectCommand({ Bucket: this.bucket, Key: key, Body: data, ContentType: mime, ContentLength: data.length }),
        );
      } catch (error) {
        throw this.failure('write', key, error);
      }
      return { key, bytes: data.length, sha256: createHash('sha256').update(data).digest('hex') };
    }
    // Upload sends one PutObject for a short stream and a multipart upload for a long one,
    // holding at most queueSize parts in memory; it aborts the multipart upload on failure.
    const hashing = new HashingStream();
    const feeding = pipeline(data, hashing);
    const upload = new Upload({
      client: this.client,
      params: { Bucket: this.bucket, Key: key, Body: hashing, ContentType: mime },
      partSize: PART_SIZE,
      queueSize: 2,
    });
    const uploading = upload.done();
    try {
      await Promise.all([feeding, uploading]);
    } catch (error) {
      // If the upload failed first nobody drains `hashing` and the source would wait forever;
      // if the source failed, waiting for Upload lets it abort the multipart upload before we
      // return, so no parts are left billed in the bucket.
      hashing.destroy();
      data.destroy();
      await Promise.allSettled([feeding, uploading]);
      throw this.failure('write', key, error);
    }
    return { key, bytes: hashing.bytes, sha256: hashing.digest() };
  }

  async read(key: string): Promise<Buffer> {
    assertSafeKey(key);
    try {
      const output = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
      if (!output.Body) throw new Error('the response has no body');
      const bytes = await output.Body.transformToByteArray();
      return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    } catch (error) {
      throw this.failure('read', key, error);
    }
  }

  async stream(key: string, range?: ByteRange): Promise<ObjectStream> {
    assertSafeKey(key);
    let output;
    try {
      output = await this.client.send(
        new GetObjectCommand({ Bucket: this.bucket, Key: key, Range: range ? `bytes=${range.start}-${range.end}` : undefined }),
      );
    } catch (error) {
      throw this.failure('stream', key, error);
    }
    if (!(output.Body instanceof Readable)) {
      throw this.failure('stream', key, new Error('the response body is not a Node stream'));
    }
    // "bytes 0-99/1234": the whole size is after the slash; without a range it is the length.
    const contentRange = /^bytes (\d+)-(\d+)\/(\d+)$/.exec(output.ContentRange ?? '');
    if (contentRange) {
      const [, start, end, size] = contentRange.map(Number);
      return { body: output.Body, size, range: { start, end } };
    }
    return { body: output.Body, size: output.ContentLength ?? 0 };
  }

  async size(key: string): Promise<number | null> {
    assertSafeKey(key);
    try {
      const output = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key }));
      return output.ContentLength ?? 0;
    } catch (error) {
      if (isMissing(error)) return null;
      throw this.failure('size', key, error);
    }
  }

  async remove(keys: string[]): Promise<void> {
    keys.forEach(assertSafeKey);
    for (let i = 0; i < keys.length; i += DELETE_BATCH) await this.deleteBatch(keys.slice(i, i + DELETE_BATCH));
  }

  async removePrefix(prefix: string): Promise<number> {
    assertSafePrefix(prefix);
    const keys: string[] = [];
    let bytes = 0;
    for await (const object of this.list(prefix)) {
      keys.push(object.key);
      bytes += object.bytes;
    }
    await this.remove(keys);
    return bytes;
  }

  async *list(prefix: string): AsyncIterable<ListedObject> {
    assertSafePrefix(prefix);
    let token: string | undefined;
    do {
      let page;
      try {
        page = await this.client.send(
          new ListObjectsV2Command({ Bucket: this.bucket, Prefix: prefix, MaxKeys: this.pageSize, ContinuationToken: token }),
        );
      } catch (error) {
        throw this.failure('list', prefix, error);
      }
      for (const object of page.Contents ?? []) {
        if (object.Key) yield { key: object.Key, bytes: object.Size ?? 0, lastModified: object.LastModified ?? new Date(0) };
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
  }

  /** Frees the SDK's keep-alive sockets so the process can exit; after the job runner has drained. */
  onApplicationShutdown(): void {
    this.client.destroy();
  }

  private async deleteBatch(keys: string[]): Promise<void> {
    if (keys.length === 0) return;
    if (!this.singleDeletes) {
      try {
        const output = await this.client.send(
          new DeleteObjectsCommand({ Bucket: this.bucket, Delete: { Objects: keys.map((Key) => ({ Key })), Quiet: true } }),
        );
        // DeleteObjects answers 200 and lists per-key failures; an absent key is not one.
        const failed = (output.Errors ?? []).filter((entry) => entry.Code !== 'NoSuchKey');
        const [first] = failed;
        if (!first) return;
        throw this.failure('remove', first.Key ?? keys[0], new Error(`${first.Code ?? 'Error'}: ${first.Message ?? ''} (${failed.length} key(s))`));
      } catch (error) {
        if (!isNotImplemented(error)) throw this.failure('remove', keys[0], error);
        this.singleDeletes = true;
      }
    }
    for (const key of keys) {
      try {
        await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: key }));
      } catch (error) {
        if (!isMissing(error)) throw this.failure('remove', key, error);
      }
    }
  }

  /** Names the setting to fix: the one thing an operator reading a failed boot needs. */
  private explainCheckFailure(error: unknown): string {
    const cause = describeS3Error(error);
    const status = httpStatus(error);
    const name = (error as SdkError).name ?? '';
    if (isUnreachable(error)) return `S3_ENDPOINT=${this.endpointSetting}: cannot reach the bucket store: ${cause}`;
    if (name === 'CredentialsProviderError') {
      return `S3_ACCESS_KEY_ID / S3_SECRET_ACCESS_KEY are unset and the AWS default credential chain found none: ${cause}`;
    }
    if (status === 403 || ['InvalidAccessKeyId', 'SignatureDoesNotMatch', 'AccessDenied', 'Forbidden'].includes(name)) {
      return `S3_ACCESS_KEY_ID / S3_SECRET_ACCESS_KEY were refused by ${this.endpoint}: ${cause}`;
    }
    if (status === 404 || name === 'NoSuchBucket' || name === 'NotFound') return `S3_BUCKET=${this.bucket} does not exist at ${this.endpoint}`;
    if (status === 301 || name === 'PermanentRedirect') return `S3_REGION does not match the region of S3_BUCKET=${this.bucket}: ${cause}`;
    return `S3_BUCKET=${this.bucket} at S3_ENDPOINT=${this.endpointSetting} failed its boot check: ${cause}`;
  }

  private failure(operation: string, key: string, error: unknown): DomainException {
    if (error instanceof DomainException) return error;
    if (isMissing(error)) {
      return new DomainException(ErrorCode.ARTIFACT_MISSING, `The file ${key} is missing from the artifact store`, { key });
    }
    return new DomainException(ErrorCode.STORAGE_ERROR, `artifact store (s3) failed to ${operation} ${key}: ${describeS3Error(error)}`, {
      driver: 's3',
      bucket: this.bucket,
      operation,
    });
  }
}
