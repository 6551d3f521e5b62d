import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { Request } from 'express';
import { createHash } from 'node:crypto';
import { DomainException } from '../common/errors/domain.exception';
import { ErrorCode } from '../common/errors/error-codes';
import type { Principal } from './principal';

/** Stripe's limit, and the issue's contract. */
export const MAX_IDEMPOTENCY_KEY_LENGTH = 255;

/** Who submits a job, and the Idempotency-Key it came with. */
export interface Submitter {
  principal: Principal;
  idempotency?: { key: string; requestHash: string };
}

/**
 * The submitter of a job-creating request: its principal, and, when the request carries an
 * Idempotency-Key, that key with a digest of the request (route, fields and file bytes) so a
 * retry is told from a different request that reuses the key.
 */
export const CurrentSubmitter = createParamDecorator((_: unknown, ctx: ExecutionContext): Submitter => {
  const req = ctx.switchToHttp().getRequest<Request>();
  if (!req.principal) throw new DomainException(ErrorCode.UNAUTHORIZED, 'An API key is required');
  const key = idempotencyKey(req.headers['idempotency-key']);
  if (key === undefined) return { principal: req.principal };
  return { principal: req.principal, idempotency: { key, requestHash: requestDigest(req) } };
});

export function idempotencyKey(header: string | string[] | undefined): string | undefined {
  if (header === undefined) return undefined;
  const value = Array.isArray(header) ? header.join(',') : header;
  if (value.length === 0 || value.length > MAX_IDEMPOTENCY_KEY_LENGTH || !/^[\x21-\x7e]+$/.test(value)) {
    throw new DomainException(
      ErrorCode.INVALID_PARAMETER,
      `Idempotency-Key must be 1-${MAX_IDEMPOTENCY_KEY_LENGTH} visible ASCII characters (a UUID is ideal); this one has ${value.length}`,
      { field: 'Idempotency-Key' },
    );
  }
  return value;
}

/** A digest of what the request asks for: method, route, body fields (key order ignored) and uploaded files. */
export function requestDigest(req: Pick<Request, 'method' | 'baseUrl' | 'path' | 'body' | 'files'>): string {
  const hash = createHash('sha256').update(`${req.method} ${req.baseUrl}${req.path}\n`);
  hash.update(canonicalJson(req.body ?? {}));
  const files = req.files;
  const list = Array.isArray(files) ? files : Object.values(files ?? {}).flat();
  for (const file of list.sort((a, b) => a.fieldname.localeCompare(b.fieldname))) {
    hash.update(`\n${file.fieldname}:`).update(file.buffer);
  }
  return hash.digest('hex');
}

/** JSON with object keys sorted, so {"a":1,"b":2} and {"b":2,"a":1} are the same request. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
    return `{${entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}
