import { ErrorCode } from './error-codes';

/** A failure the caller can act on: it carries a stable code, a message and optional details. */
export class DomainException extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'DomainException';
  }
}

export function isDomainException(error: unknown): error is DomainException {
  return error instanceof DomainException;
}

/** Thrown when an AbortSignal fires; stages and providers let it propagate untouched. */
export class JobAbortedError extends Error {
  constructor(reason = 'stopped by request') {
    super(reason);
    this.name = 'JobAbortedError';
  }
}

export function throwIfAborted(signal?: AbortSignal): void {
  if (signal?.aborted) throw new JobAbortedError();
}

/**
 * Resolves with `work` unless `signal` fires first. Work that cannot be interrupted (one ONNX
 * run) keeps going in the background; its result is dropped.
 */
export function raceAbort<T>(work: Promise<T>, signal?: AbortSignal): Promise<T> {
  if (!signal) return work;
  if (signal.aborted) return Promise.reject(new JobAbortedError());
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(new JobAbortedError());
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error instanceof Error ? error : new Error(String(error)));
      },
    );
  });
}
