import { ArgumentsHost, Catch, ExceptionFilter } from '@nestjs/common';
import type { Request, Response } from 'express';
import { ErrorEnvelopeFilter } from '../common/errors/error.filter';
import { httpStatusFor } from '../common/errors/error-codes';
import { viewContext } from './admin-context';

/** Under /admin every error is a page, not the API's JSON envelope (same codes and messages). */
@Catch()
export class AdminErrorFilter implements ExceptionFilter {
  private readonly envelope = new ErrorEnvelopeFilter();

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const req = http.getRequest<Request>();
    const res = http.getResponse<Response>();
    if (res.headersSent) return;
    const { code, message } = this.envelope.describe(exception);
    const status = httpStatusFor(code);
    const ctx = viewContext(req, res);
    res.status(status).render('error', { ...ctx, title: ctx.t('err.title'), status, code, message });
  }
}
