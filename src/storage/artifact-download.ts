import { Logger } from '@nestjs/common';
import type { Request, Response } from 'express';
import { pipeline } from 'node:stream/promises';
import { DomainException } from '../common/errors/domain.exception';
import { ErrorCode } from '../common/errors/error-codes';
import type { ArtifactStore, ByteRange } from './artifact-store';

export interface DownloadableArtifact {
  path: string;
  mime: string;
  bytes: number;
  sha256: string;
  name: string;
}

const logger = new Logger('ArtifactDownload');

/**
 * What a Range header asks of a `size`-byte file: one inclusive byte range, 'unsatisfiable'
 * (answer 416), or null for the whole file. Headers this does not serve as one range (other
 * units, several ranges, bad syntax) are ignored, which RFC 9110 allows, rather than refused.
 */
export function parseRange(header: string | undefined, size: number): ByteRange | 'unsatisfiable' | null {
  if (!header) return null;
  const match = /^\s*bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*$/i.exec(header);
  if (!match) return null;
  const [, first, last] = match;
  if (first === '' && last === '') return null;
  if (first === '') {
    const suffix = Number(last);
    if (!Number.isSafeInteger(suffix)) return null;
    if (suffix === 0 || size === 0) return 'unsatisfiable';
    return { start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(first);
  const end = last === '' ? Number.MAX_SAFE_INTEGER : Number(last);
  if (!Number.isSafeInteger(start) || !Number.isSafeInteger(end) || end < start) return null;
  if (start >= size) return 'unsatisfiable';
  return { start, end: Math.min(end, size - 1) };
}

/** If-None-Match holds a list of (possibly weak) tags or '*'; a GET matches on the weak comparison. */
function noneMatch(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  return header.split(',').some((tag) => {
    const candidate = tag.trim();
    return candidate === '*' || candidate.replace(/^W\//, '') === etag;
  });
}

/** The name is ours ([A-Za-z0-9._-]), but a quote or line break here would break the header. */
function dispositionName(name: string): string {
  return name.replace(/[^\x20-\x7e]|["\\]/g, '_');
}

/**
 * Serves an artifact with revalidation (ETag is the content's sha256) and single byte ranges,
 * streaming from the store. A store failure before the first byte propagates as its
 * DomainException so the error filter answers in the envelope; once bytes are on the wire
 * the only honest signal left is a cut connection.
 */
export async function sendArtifact(req: Request, res: Response, store: ArtifactStore, artifact: DownloadableArtifact): Promise<void> {
  const etag = `"${artifact.sha256}"`;
  // A re-run stage rewrites its file under the same name, so clients revalidate by ETag.
  res.setHeader('ETag', etag);
  res.setHeader('Cache-Control', 'no-cache');
  res.setHeader('Accept-Ranges', 'bytes');
  if (noneMatch(req.headers['if-none-match'], etag)) {
    res.status(304).end();
    return;
  }

  const ifRange = req.headers['if-range'];
  // If-Range with another tag (or a date, which we cannot check) means the client's part is stale.
  const rangeHeader = ifRange === undefined || ifRange === etag ? req.headers.range : undefined;
  const range = parseRange(rangeHeader, artifact.bytes);
  if (range === 'unsatisfiable') {
    res.setHeader('Content-Range', `bytes */${artifact.bytes}`);
    throw new DomainException(ErrorCode.RANGE_NOT_SATISFIABLE, `The range ${rangeHeader ?? ''} is outside the ${artifact.bytes}-byte file`, {
      size: artifact.bytes,
    });
  }

  if (req.method === 'HEAD') {
    // Asking the store keeps HEAD's status honest (404 for a lost file) without opening a body.
    const size = await store.size(artifact.path);
    if (size === null) {
      throw new DomainException(ErrorCode.ARTIFACT_MISSING, `The file ${artifact.name} is missing from the artifact store`, {
        key: artifact.path,
      });
    }
    writeHeaders(res, artifact, range, size);
    res.end();
    return;
  }

  const object = await store.stream(artifact.path, range ?? undefined);
  // A store that ignored the range sent the whole object: say so rather than mislabel it.
  writeHeaders(res, artifact, object.range ?? null, object.size);
  try {
    await pipeline(object.body, res);
  } catch (error) {
    // pipeline has already destroyed both sides; a client that hangs up early is routine.
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ERR_STREAM_PREMATURE_CLOSE' || code === 'ECONNRESET') {
      logger.debug(`download of ${artifact.path} cut short by the client`);
    } else {
      logger.warn(`download of ${artifact.path} failed mid-stream: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
}

/** `size` is the store's, not the database's: Content-Length must match the bytes that follow. */
function writeHeaders(res: Response, artifact: DownloadableArtifact, range: ByteRange | null, size: number): void {
  res.setHeader('Content-Type', artifact.mime);
  res.setHeader('Content-Disposition', `inline; filename="${dispositionName(artifact.name)}"`);
  if (range) {
    res.status(206);
    res.setHeader('Content-Range', `bytes ${range.start}-${range.end}/${size}`);
    res.setHeader('Content-Length', String(range.end - range.start + 1));
  } else {
    res.status(200);
    res.setHeader('Content-Length', String(size));
  }
}
