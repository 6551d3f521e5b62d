import { Controller, Get, Post, Req, Res, UseFilters } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { plainToInstance } from 'class-transformer';
import { validate } from 'class-validator';
import type { Request, Response } from 'express';
import multer from 'multer';
import { CurrentPrincipal, type Principal, SubmitsJob } from '../auth/principal';
import { ErrorEnvelopeFilter } from '../common/errors/error.filter';
import { ErrorCode } from '../common/errors/error-codes';
import { DomainException } from '../common/errors/domain.exception';
import { AppConfig } from '../config/app-config';
import { DecomposeService } from '../layers/decompose.service';
import { DecomposeRequestDto } from '../layers/dto/decompose-request.dto';
import { viewContext } from './admin-context';
import { receiveUpload } from './admin-upload';
import { AdminErrorFilter } from './admin-error.filter';

/** The poster decomposition form; the job page (AdminController) shows the layers it made. */
@ApiExcludeController()
@UseFilters(AdminErrorFilter)
@Controller('admin')
export class AdminLayersController {
  private readonly upload: ReturnType<ReturnType<typeof multer>['single']>;

  constructor(
    private readonly config: AppConfig,
    private readonly decompose: DecomposeService,
  ) {
    this.upload = multer({ storage: multer.memoryStorage(), limits: { fileSize: config.MAX_BODY_MB * 2 ** 20, files: 1, fields: 10 } }).single('image');
  }

  @Get('layers')
  form(@Req() req: Request, @Res() res: Response): void {
    this.render(req, res, 200, { num_layers: 'auto' });
  }

  @Post('layers')
  @SubmitsJob()
  async create(@Req() req: Request, @Res() res: Response, @CurrentPrincipal() principal: Principal): Promise<void> {
    const values: Record<string, string> = {};
    try {
      await receiveUpload(this.upload, req, res, 'image');
      const body = (req.body ?? {}) as Record<string, unknown>;
      if (typeof body.num_layers === 'string') values.num_layers = body.num_layers;
      const dto = plainToInstance(DecomposeRequestDto, { num_layers: values.num_layers || undefined });
      const problems = await validate(dto, { whitelist: true });
      if (problems.length) throw new DomainException(ErrorCode.INVALID_PARAMETER, Object.values(problems[0].constraints ?? {}).join('; '), { field: 'num_layers' });
      const { jobId } = await this.decompose.submit(dto, req.file?.buffer, { principal });
      res.redirect(303, `/admin/jobs/${jobId}`);
    } catch (error) {
      const { code, message } = new ErrorEnvelopeFilter().describe(error);
      if (code === ErrorCode.INTERNAL) throw error;
      this.render(req, res, code === ErrorCode.PAYLOAD_TOO_LARGE ? 413 : 400, values, message);
    }
  }

  private render(req: Request, res: Response, status: number, values: Record<string, string>, error?: string): void {
    const ctx = viewContext(req, res);
    res.status(status).render('layers', { ...ctx, title: ctx.t('layers.title'), nav: 'layers', values, error, maxMb: this.config.DECOMPOSE_MAX_FILE_MB });
  }
}
