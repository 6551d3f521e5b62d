import { STATUS_CODES } from 'node:http';

// How S3 and socket errors are read: which ones mean missing, unreachable or unsupported.

/** The parts of an SDK or socket error we read; the SDK's own classes do not cover socket errors. */
export interface SdkError {
  name?: string;
  code?: string;
  message?: string;
  $metadata?: { httpStatusCode?: number };
}

const UNREACHABLE = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ECONNRESET']);

export function httpStatus(error: unknown): number | undefined {
  return (error as SdkError | undefined)?.$metadata?.httpStatusCode;
}

export function isUnreachable(error: unknown): boolean {
  const { name, code } = (error ?? {}) as SdkError;
  return (code !== undefined && UNREACHABLE.has(code)) || name === 'TimeoutError' || name === 'AbortError';
}

/** A HEAD has no body to name the error, so a 404 arrives as "NotFound" with the status alone. */
export function isMissing(error: unknown): boolean {
  const name = (error as SdkError | undefined)?.name;
  return name === 'NoSuchKey' || name === 'NotFound' || (httpStatus(error) === 404 && name !== 'NoSuchBucket');
}

export function isNotImplemented(error: unknown): boolean {
  return (error as SdkError | undefined)?.name === 'NotImplemented' || httpStatus(error) === 501;
}

/**
 * The error's name, message and status. SDK messages never carry the secret key; a socket
 * error's message can be empty (AggregateError from a dual-stack connect), hence the code.
 */
export function describeS3Error(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const { code } = error as SdkError;
  const status = httpStatus(error);
  // A bodiless error answer leaves the SDK only "Unknown: UnknownError"; the status says more.
  if (status && (error.name === 'Unknown' || error.message === 'UnknownError')) return `HTTP ${status} ${STATUS_CODES[status] ?? ''}`.trim();
  const text = [error.name !== 'Error' ? error.name : '', error.message || code || ''].filter(Boolean).join(': ');
  return status ? `${text} (HTTP ${status})` : text;
}

export function withoutUserInfo(endpoint: string): string {
  const url = new URL(endpoint);
  return `${url.protocol}//${url.host}${url.pathname === '/' ? '' : url.pathname}`;
}
