import { HttpStatus } from '@nestjs/common';

/** Every error the API can answer with. Clients switch on these, so they are part of the API. */
export enum ErrorCode {
  INVALID_IMAGE = 'INVALID_IMAGE',
  IMAGE_TOO_LARGE = 'IMAGE_TOO_LARGE',
  INVALID_PARAMETER = 'INVALID_PARAMETER',
  INVALID_PROMPT = 'INVALID_PROMPT',
  PAYLOAD_TOO_LARGE = 'PAYLOAD_TOO_LARGE',
  WEBHOOK_URL_FORBIDDEN = 'WEBHOOK_URL_FORBIDDEN',
  UNAUTHORIZED = 'UNAUTHORIZED',
  FORBIDDEN = 'FORBIDDEN',
  LINK_EXPIRED = 'LINK_EXPIRED',
  LINK_INVALID = 'LINK_INVALID',
  IDEMPOTENCY_KEY_REUSED = 'IDEMPOTENCY_KEY_REUSED',
  RATE_LIMITED = 'RATE_LIMITED',
  QUEUE_FULL = 'QUEUE_FULL',
  JOB_NOT_FOUND = 'JOB_NOT_FOUND',
  ARTIFACT_NOT_FOUND = 'ARTIFACT_NOT_FOUND',
  ARTIFACT_MISSING = 'ARTIFACT_MISSING',
  RANGE_NOT_SATISFIABLE = 'RANGE_NOT_SATISFIABLE',
  JOB_NOT_STOPPABLE = 'JOB_NOT_STOPPABLE',
  JOB_NOT_FINISHED = 'JOB_NOT_FINISHED',
  JOB_INTERRUPTED = 'JOB_INTERRUPTED',
  JOB_STOPPED = 'JOB_STOPPED',
  JOB_TIMEOUT = 'JOB_TIMEOUT',
  MODEL_NOT_INSTALLED = 'MODEL_NOT_INSTALLED',
  MODEL_LOAD_ERROR = 'MODEL_LOAD_ERROR',
  GPU_OUT_OF_MEMORY = 'GPU_OUT_OF_MEMORY',
  PROVIDER_ERROR = 'PROVIDER_ERROR',
  PROVIDER_TIMEOUT = 'PROVIDER_TIMEOUT',
  PROVIDER_REFUSED = 'PROVIDER_REFUSED',
  PROVIDER_UNAUTHORIZED = 'PROVIDER_UNAUTHORIZED',
  FONT_MISSING = 'FONT_MISSING',
  RENDER_TIMEOUT = 'RENDER_TIMEOUT',
  RENDER_ERROR = 'RENDER_ERROR',
  NOT_FOUND = 'NOT_FOUND',
  SERVICE_UNAVAILABLE = 'SERVICE_UNAVAILABLE',
  STORAGE_ERROR = 'STORAGE_ERROR',
  INTERNAL = 'INTERNAL',
}

/**
 * The one mapping from code to HTTP status. The `never` check makes adding a code without
 * deciding its status a compile error.
 */
export function httpStatusFor(code: ErrorCode): HttpStatus {
  switch (code) {
    case ErrorCode.INVALID_IMAGE:
    case ErrorCode.IMAGE_TOO_LARGE:
    case ErrorCode.INVALID_PARAMETER:
    case ErrorCode.INVALID_PROMPT:
    case ErrorCode.WEBHOOK_URL_FORBIDDEN:
      return HttpStatus.BAD_REQUEST;
    case ErrorCode.UNAUTHORIZED:
      return HttpStatus.UNAUTHORIZED;
    case ErrorCode.FORBIDDEN:
    case ErrorCode.LINK_EXPIRED:
    case ErrorCode.LINK_INVALID:
      return HttpStatus.FORBIDDEN;
    case ErrorCode.IDEMPOTENCY_KEY_REUSED:
      return HttpStatus.UNPROCESSABLE_ENTITY;
    case ErrorCode.RATE_LIMITED:
    case ErrorCode.QUEUE_FULL:
      return HttpStatus.TOO_MANY_REQUESTS;
    case ErrorCode.PAYLOAD_TOO_LARGE:
      return HttpStatus.PAYLOAD_TOO_LARGE;
    case ErrorCode.JOB_NOT_FOUND:
    case ErrorCode.ARTIFACT_NOT_FOUND:
    case ErrorCode.ARTIFACT_MISSING:
    case ErrorCode.NOT_FOUND:
      return HttpStatus.NOT_FOUND;
    case ErrorCode.JOB_NOT_STOPPABLE:
    case ErrorCode.JOB_NOT_FINISHED:
      return HttpStatus.CONFLICT;
    case ErrorCode.RANGE_NOT_SATISFIABLE:
      return HttpStatus.REQUESTED_RANGE_NOT_SATISFIABLE;
    case ErrorCode.MODEL_NOT_INSTALLED:
    case ErrorCode.SERVICE_UNAVAILABLE:
    case ErrorCode.STORAGE_ERROR:
      return HttpStatus.SERVICE_UNAVAILABLE;
    case ErrorCode.PROVIDER_ERROR:
    case ErrorCode.PROVIDER_UNAUTHORIZED:
      return HttpStatus.BAD_GATEWAY;
    case ErrorCode.PROVIDER_TIMEOUT:
      return HttpStatus.GATEWAY_TIMEOUT;
    case ErrorCode.PROVIDER_REFUSED:
      return HttpStatus.UNPROCESSABLE_ENTITY;
    case ErrorCode.FONT_MISSING:
    case ErrorCode.RENDER_TIMEOUT:
    case ErrorCode.RENDER_ERROR:
    case ErrorCode.JOB_INTERRUPTED:
    case ErrorCode.JOB_STOPPED:
    case ErrorCode.JOB_TIMEOUT:
    case ErrorCode.MODEL_LOAD_ERROR:
    case ErrorCode.GPU_OUT_OF_MEMORY:
    case ErrorCode.INTERNAL:
      return HttpStatus.INTERNAL_SERVER_ERROR;
    default: {
      const unreachable: never = code;
      throw new Error(`unmapped error code ${String(unreachable)}`);
    }
  }
}
