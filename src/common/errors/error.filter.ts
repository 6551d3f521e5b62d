import { ArgumentsHost, Catch, ExceptionFilter, HttpException, HttpStatus, Logger } from '@nestjs/common';
import type { Response } from 'express';
import { DomainException } from './domain.exception';
import { ErrorCode, httpStatusFor } from './error-codes';

export interface ErrorEnvelope {
  error: { code: ErrorCode; message: string; details: unknown; timestamp: string };
}

/** Every error leaves as the one envelope; unknown failures are logged and told apart from nothing. */
@Catch()
export class ErrorEnvelopeFilter implements ExceptionFilter {
  private readonly logger = new Logger('Errors');

  catch(exception: unknown, host: ArgumentsHost): void {
    const res = host.switchToHttp().getResponse<Response>();
    const { code, message, details } = this.describe(exception);
    const body: ErrorEnvelope = { error: { code, message, details: details ?? null, timestamp: new Date().toISOString() } };
    if (res.headersSent) return;
    if (code === ErrorCode.UNAUTHORIZED) res.setHeader('WWW-Authenticate', 'Bearer realm="nanococoa"');
    const retryAfter = (details as { retry_after_seconds?: unknown } | undefined)?.retry_after_seconds;
    if ((code === ErrorCode.RATE_LIMITED || code === ErrorCode.QUEUE_FULL) && typeof retryAfter === 'number') res.setHeader('Retry-After', String(retryAfter));
    res.status(httpStatusFor(code)).json(body);
  }

  describe(exception: unknown): { code: ErrorCode; message: string; details?: unknown } {
    if (exception instanceof DomainException) return exception;
    if (exception instanceof HttpException) return fromHttpException(exception);
    const bodyParser = exception as { type?: string; status?: number; message?: string };
    if (bodyParser?.type === 'entity.too.large') {
      return { code: ErrorCode.PAYLOAD_TOO_LARGE, message: 'The request body is larger than MAX_BODY_MB allows' };
    }
    if (bodyParser?.type === 'entity.parse.failed') {
      return { code: ErrorCode.INVALID_PARAMETER, message: `The JSON body is malformed: ${bodyParser.message ?? ''}`.trim() };
    }
    this.logger.error((exception as Error)?.stack ?? String(exception));
    return { code: ErrorCode.INTERNAL, message: 'Internal error; the server log has the details' };
  }
}

function fromHttpException(exception: HttpException): { code: ErrorCode; message: string; details?: unknown } {
  const status = exception.getStatus();
  const response = exception.getResponse();
  const message =
    typeof response === 'object' && response && 'message' in response
      ? String((response as { message: unknown }).message)
      : exception.message;
  switch (status) {
    case HttpStatus.PAYLOAD_TOO_LARGE:
      return { code: ErrorCode.PAYLOAD_TOO_LARGE, message: `The upload is larger than MAX_BODY_MB allows (${message})` };
    case HttpStatus.NOT_FOUND:
      return { code: ErrorCode.NOT_FOUND, message };
    case HttpStatus.UNAUTHORIZED:
      return { code: ErrorCode.UNAUTHORIZED, message };
    case HttpStatus.FORBIDDEN:
      return { code: ErrorCode.FORBIDDEN, message };
    case HttpStatus.TOO_MANY_REQUESTS:
      return { code: ErrorCode.RATE_LIMITED, message };
    case HttpStatus.SERVICE_UNAVAILABLE:
      return { code: ErrorCode.SERVICE_UNAVAILABLE, message };
    default:
      if (status >= 400 && status < 500) return { code: ErrorCode.INVALID_PARAMETER, message };
      return { code: ErrorCode.INTERNAL, message: 'Internal error; the server log has the details' };
  }
}
