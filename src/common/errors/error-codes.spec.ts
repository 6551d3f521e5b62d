import { describe, it } from 'node:test';
import { expect } from 'expect';
import { ErrorCode, httpStatusFor } from './error-codes';

describe('httpStatusFor', () => {
  it('maps every code to a 4xx or 5xx status', () => {
    for (const code of Object.values(ErrorCode)) {
      const status = httpStatusFor(code);
      expect(status).toBeGreaterThanOrEqual(400);
      expect(status).toBeLessThan(600);
    }
  });

  it('keeps the statuses the seed documented', () => {
    expect(httpStatusFor(ErrorCode.INVALID_IMAGE)).toBe(400);
    expect(httpStatusFor(ErrorCode.INVALID_PROMPT)).toBe(400);
    expect(httpStatusFor(ErrorCode.JOB_NOT_FOUND)).toBe(404);
    expect(httpStatusFor(ErrorCode.GPU_OUT_OF_MEMORY)).toBe(500);
    expect(httpStatusFor(ErrorCode.MODEL_LOAD_ERROR)).toBe(500);
    expect(httpStatusFor(ErrorCode.PAYLOAD_TOO_LARGE)).toBe(413);
    expect(httpStatusFor(ErrorCode.MODEL_NOT_INSTALLED)).toBe(503);
  });

  it('throws for a value outside the enum', () => {
    expect(() => httpStatusFor('BOGUS' as ErrorCode)).toThrow('unmapped');
  });
});
