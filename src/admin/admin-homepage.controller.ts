import { Controller, Get, Param, Post, Query, Req, Res, UseFilters } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Request, RequestHandler, Response } from 'express';
import multer from 'multer';
import { CurrentPrincipal, type Principal, SubmitsJob } from '../auth/principal';
import { AppConfig } from '../config/app-config';
import { createValidationPipe } from '../common/validation';
import { HomepageRequestDto } from '../homepage/dto/homepage-request.dto';
import { HomepageService } from '../homepage/homepage.service';
import { PRESETS } from '../homepage/site-theme';
import { viewContext } from './admin-context';
import { AdminErrorFilter } from './admin-error.filter';
import { receiveUpload } from './admin-upload';
import { formError, formValues, type HomepageFormInput, type HomepageFormState, LINK_FIELDS, PRODUCT_FIELDS, PRODUCT_ROWS, readHomepageForm } from './homepage-form';

const PAGE_SIZE = 20;

/** The homepage generator's pages: the sites made, and the form for a new one. The job page (AdminController) shows a finished site. */
@ApiExcludeController()
@UseFilters(AdminErrorFilter)
@Controller('admin/homepage')
export class AdminHomepageController {
  private readonly upload: RequestHandler;
  /** The API's own pipe, so the form is checked exactly as POST /homepage checks a request. */
  private readonly validation = createValidationPipe();

  constructor(
    private readonly config: AppConfig,
    private readonly homepage: HomepageService,
  ) {
    // The same limits as POST /homepage: up to 24 photos, each within MAX_BODY_MB.
    this.upload = multer({ storage: multer.memoryStorage(), limits: { fileSize: config.MAX_BODY_MB * 2 ** 20, files: 24, fields: 400 } }).any();
  }

  @Get()
  async list(@Req() req: Request, @Res() res: Response, @CurrentPrincipal() principal: Principal, @Query('page') page?: string): Promise<void> {
    const ctx = viewContext(req, res);
    const pageNo = Math.max(1, Number.parseInt(page ?? '1', 10) || 1);
    const { total, items } = await this.homepage.list(principal, PAGE_SIZE, (pageNo - 1) * PAGE_SIZE);
    const link = (p: number) => `/admin/homepage?page=${p}`;
    res.render('homepage', {
      ...ctx,
      title: ctx.t('hp.title'),
      nav: 'homepage',
      sites: items,
      total,
      from: total === 0 ? 0 : (pageNo - 1) * PAGE_SIZE + 1,
      to: Math.min(total, pageNo * PAGE_SIZE),
      prev: pageNo > 1 ? link(pageNo - 1) : null,
      next: pageNo * PAGE_SIZE < total ? link(pageNo + 1) : null,
    });
  }

  @Get('new')
  form(@Req() req: Request, @Res() res: Response): void {
    this.renderForm(req, res, 200, { values: { language: 'ko' } });
  }

  @Post('new')
  @SubmitsJob()
  async create(@Req() req: Request, @Res() res: Response, @CurrentPrincipal() principal: Principal): Promise<void> {
    let input: HomepageFormInput | undefined;
    try {
      await receiveUpload(this.upload, req, res, 'products');
      input = readHomepageForm(req.body, (req.files as Express.Multer.File[] | undefined) ?? []);
      const dto = (await this.validation.transform(input.request, { type: 'body', metatype: HomepageRequestDto })) as HomepageRequestDto;
      const { jobId } = await this.homepage.submit(dto, { principal }, input.uploads);
      res.redirect(303, `/admin/jobs/${jobId}`);
    } catch (error) {
      // Until the form is read, a file field's index is its row already.
      const { status, field, message } = formError(error, input?.rows);
      this.renderForm(req, res, status, { values: input?.values ?? formValues(req.body), error: { field, message }, hadPhotos: Boolean((req.files as unknown[] | undefined)?.length) });
    }
  }

  /** Takes the site down (its job and files); back to the list. */
  @Post(':id/delete')
  async delete(@Param('id') id: string, @CurrentPrincipal() principal: Principal, @Res() res: Response): Promise<void> {
    await this.homepage.delete(id, principal);
    res.redirect(303, '/admin/homepage');
  }

  private renderForm(req: Request, res: Response, status: number, form: HomepageFormState): void {
    const ctx = viewContext(req, res);
    res.status(status).render('homepage-new', {
      ...ctx,
      title: ctx.t('hp.new'),
      nav: 'homepage',
      form,
      rows: Array.from({ length: PRODUCT_ROWS }, (_, i) => i),
      links: LINK_FIELDS,
      productFields: PRODUCT_FIELDS,
      presets: Object.keys(PRESETS),
      maxMb: this.config.MAX_BODY_MB,
    });
  }
}
