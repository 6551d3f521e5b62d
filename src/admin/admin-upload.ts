import type { Request, RequestHandler, Response } from 'express';
import multer from 'multer';
import { DomainException } from '../common/errors/domain.exception';
import { ErrorCode } from '../common/errors/error-codes';

/**
 * Runs a multer middleware inside an admin form handler. The forms parse their multipart body
 * themselves (not with an interceptor) so that a refused upload re-renders the form with the
 * typed values instead of ending in the API's JSON error; multer's errors become the API's
 * codes, naming the file field (or `field` when multer does not say which).
 */
export function receiveUpload(upload: RequestHandler, req: Request, res: Response, field: string): Promise<void> {
  return new Promise((resolve, reject) =>
    upload(req, res, (error: unknown) => {
      if (!error) return resolve();
      if (!(error instanceof multer.MulterError)) return reject(error);
      const named = { field: error.field ?? field };
      reject(
        error.code === 'LIMIT_FILE_SIZE'
          ? new DomainException(ErrorCode.PAYLOAD_TOO_LARGE, 'The upload is larger than MAX_BODY_MB allows', named)
          : new DomainException(ErrorCode.INVALID_PARAMETER, error.message, named),
      );
    }),
  );
}
