import { All, Body, Controller, Get, Param, Post, Query, Render, Req, Res, UseFilters } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { plainToInstance } from 'class-transformer';
import { validate } from 'class-validator';
import type { Request, Response } from 'express';
import multer from 'multer';
import { CurrentPrincipal, type Principal, SubmitsJob } from '../auth/principal';
import { DomainException } from '../common/errors/domain.exception';
import { ErrorEnvelopeFilter } from '../common/errors/error.filter';
import { ErrorCode } from '../common/errors/error-codes';
import { AppConfig } from '../config/app-config';
import { FontsService } from '../fonts/fonts.service';
import { GenerateRequestDto } from '../ad/dto/generate-request.dto';
import type { JobEntity, JobStatus } from '../jobs/job.entity';
import { JobEventsService } from '../jobs/job-events.service';
import { JobStatusService } from '../jobs/job-status.service';
import { JobsService } from '../jobs/jobs.service';
import { type AdParameters, AdSubmitService } from '../ad/ad-submit.service';
import { ModelRegistry } from '../models/model-registry.service';
import { ProviderRegistry } from '../providers/provider-registry';
import { ASPECT_PRESETS } from '../vision/image.types';
import { HealthRepository } from '../system/health.repository';
import { SystemMetricsRepository } from '../system/system-metrics.repository';
import { viewContext } from './admin-context';
import { receiveUpload } from './admin-upload';
import { previewFile, previewFromTop } from './job-preview';
import { jobView } from './job-view';
import { AdminErrorFilter } from './admin-error.filter';

const STATUSES: JobStatus[] = ['pending', 'running', 'completed', 'error', 'stopped'];
const PAGE_SIZE = 20;
const PLACEMENTS = Object.keys(ASPECT_PRESETS);
/** The new-job form's text fields, echoed back when the form is shown again after an error. */
const FORM_FIELDS = [
  'text_content', 'bg_prompt', 'html_style_prompt', 'font_name', 'text_position', 'subject_layout', 'subject_material', 'view', 'output_format',
  'background_mode', 'use_qwen_analysis', 'use_llm_html', 'num_variants', 'test_mode',
] as const;

interface FormState {
  values: Record<string, string>;
  placements: string[];
  errors: Record<string, string>;
  summary?: string;
}

/** Server-rendered admin pages (Eta templates in views/), over the same services the API uses. */
@ApiExcludeController()
@UseFilters(AdminErrorFilter)
@Controller('admin')
export class AdminController {
  private readonly upload: ReturnType<ReturnType<typeof multer>['fields']>;

  constructor(
    private readonly config: AppConfig,
    private readonly jobs: JobsService,
    private readonly statuses: JobStatusService,
    private readonly fonts: FontsService,
    private readonly registry: ModelRegistry,
    private readonly metrics: SystemMetricsRepository,
    private readonly health: HealthRepository,
    private readonly jobEvents: JobEventsService,
    private readonly providers: ProviderRegistry,
    private readonly ads: AdSubmitService,
  ) {
    this.upload = multer({ storage: multer.memoryStorage(), limits: { fileSize: config.MAX_BODY_MB * 2 ** 20, files: 1, fields: 40 } }).fields([
      { name: 'product_image', maxCount: 1 },
    ]);
  }

  @Get()
  @Render('dashboard')
  async dashboard(@Req() req: Request, @Res({ passthrough: true }) res: Response, @CurrentPrincipal() principal: Principal) {
    const ctx = viewContext(req, res);
    const [metrics, queue, [recent]] = await Promise.all([this.metrics.read(), this.health.queue(), this.jobs.list(principal, undefined, 8, 0)]);
    return {
      ...ctx,
      title: ctx.t('dash.title'),
      nav: 'dashboard',
      metrics,
      queue: STATUSES.map((s) => ({ status: s, count: queue[s] ?? 0 })),
      models: this.registry.snapshot(),
      recent: await this.rows(recent),
    };
  }

  @Get('jobs')
  @Render('jobs')
  async list(
    @Req() req: Request,
    @Res({ passthrough: true }) res: Response,
    @CurrentPrincipal() principal: Principal,
    @Query('status') status?: string,
    @Query('page') page?: string,
  ) {
    const ctx = viewContext(req, res);
    const filter = STATUSES.includes(status as JobStatus) ? (status as JobStatus) : undefined;
    const pageNo = Math.max(1, Number.parseInt(page ?? '1', 10) || 1);
    const [rows, total] = await this.jobs.list(principal, filter ? [filter] : undefined, PAGE_SIZE, (pageNo - 1) * PAGE_SIZE);
    const pages = Math.max(1, Math.ceil(total / PAGE_SIZE));
    const link = (p: number) => `/admin/jobs?${new URLSearchParams({ ...(filter ? { status: filter } : {}), page: String(p) }).toString()}`;
    return {
      ...ctx,
      title: ctx.t('jobs.title'),
      nav: 'jobs',
      statuses: STATUSES,
      filter: filter ?? '',
      jobs: await this.rows(rows),
      total,
      from: total === 0 ? 0 : (pageNo - 1) * PAGE_SIZE + 1,
      to: Math.min(total, pageNo * PAGE_SIZE),
      prev: pageNo > 1 ? link(pageNo - 1) : null,
      next: pageNo < pages ? link(pageNo + 1) : null,
    };
  }

  @Get('jobs/:id')
  @Render('job')
  async job(@Param('id') id: string, @Req() req: Request, @Res({ passthrough: true }) res: Response, @CurrentPrincipal() principal: Principal) {
    const ctx = viewContext(req, res);
    const status = await this.statuses.status(id, principal, { includeMetrics: false });
    return { ...ctx, title: `${ctx.t('job.title')} ${id.slice(0, 8)}`, nav: status.kind === 'homepage' ? 'homepage' : 'jobs', ...jobView(status, ctx) };
  }

  /** The job page's live progress: the API's event stream, on the admin session. */
  @Get('jobs/:id/events')
  async events(@Param('id') id: string, @Req() req: Request, @Res() res: Response, @CurrentPrincipal() principal: Principal): Promise<void> {
    await this.jobEvents.stream(id, principal, req, res);
  }

  @Post('jobs/:id/stop')
  async stop(@Param('id') id: string, @CurrentPrincipal() principal: Principal, @Res() res: Response): Promise<void> {
    await this.jobs.stop(id, principal);
    res.redirect(303, `/admin/jobs/${id}`);
  }

  @Post('jobs/:id/delete')
  async delete(@Param('id') id: string, @CurrentPrincipal() principal: Principal, @Res() res: Response): Promise<void> {
    await this.jobs.delete(id, principal);
    res.redirect(303, '/admin/jobs');
  }

  /** A new Stage 2 job on this job's product shot with new copy. */
  @Post('jobs/:id/redo')
  @SubmitsJob()
  async redo(
    @Param('id') id: string,
    @Body() body: Record<string, unknown>,
    @CurrentPrincipal() principal: Principal,
    @Res() res: Response,
  ): Promise<void> {
    const job = await this.jobs.get(id, principal);
    const params = job.parameters as unknown as AdParameters;
    const step1 = await this.jobs.readArtifact(await this.jobs.artifact(id, 'step1.png', principal));
    const dto = {
      start_step: 2,
      stop_step: 2,
      text_content: typeof body.text_content === 'string' ? body.text_content : '',
      html_style_prompt: typeof body.html_style_prompt === 'string' ? body.html_style_prompt : (params.html_style_prompt ?? ''),
      bg_prompt: params.bg_prompt ?? '',
      text_position: params.text_position ?? 'auto',
      ...(params.font_name ? { font_name: params.font_name } : {}),
    } as GenerateRequestDto;
    const { jobId } = await this.ads.submit(dto, { step1_image: step1 }, { principal });
    res.redirect(303, `/admin/jobs/${jobId}`);
  }

  @Get('new')
  newForm(@Req() req: Request, @Res() res: Response): void {
    const form: FormState = { values: {}, placements: ['1:1'], errors: {} };
    this.renderForm(req, res, form, 200);
  }

  @Post('new')
  @SubmitsJob()
  async create(@Req() req: Request, @Res() res: Response, @CurrentPrincipal() principal: Principal): Promise<void> {
    const form: FormState = { values: {}, placements: [], errors: {} };
    try {
      await receiveUpload(this.upload, req, res, 'product_image');
    } catch (error) {
      this.keep(req, form);
      return this.formError(req, res, form, error);
    }
    this.keep(req, form);
    const file = (req.files as Record<string, Express.Multer.File[]> | undefined)?.product_image?.[0];
    const dto = plainToInstance(GenerateRequestDto, {
      ...Object.fromEntries(Object.entries(form.values).filter(([, v]) => v !== '')),
      ...(form.placements.length ? { placements: form.placements.join(',') } : {}),
    });
    const problems = await validate(dto, { whitelist: true });
    if (problems.length) {
      for (const p of problems) form.errors[p.property] = Object.values(p.constraints ?? {}).join('; ');
      return this.renderForm(req, res, { ...form, summary: Object.values(form.errors).join(' ') }, 400);
    }
    try {
      const { jobId } = await this.ads.submit(dto, { product_image: file?.buffer }, { principal });
      res.redirect(303, `/admin/jobs/${jobId}`);
    } catch (error) {
      this.formError(req, res, form, error);
    }
  }

  @Get('fonts')
  @Render('fonts')
  fontsPage(@Req() req: Request, @Res({ passthrough: true }) res: Response) {
    const ctx = viewContext(req, res);
    return { ...ctx, title: ctx.t('fonts.title'), nav: 'fonts', fonts: this.fonts.list() };
  }

  /** Anything else under /admin: an HTML 404, not the API's JSON. */
  @All('*path')
  notFound(): never {
    throw new DomainException(ErrorCode.NOT_FOUND, 'Page not found');
  }

  /** The job tables' rows: each job's kind and a picture of it, whatever its kind. */
  private async rows(jobs: JobEntity[]) {
    const rows = await this.statuses.summariesWithPreview(jobs, previewFile);
    return rows.map((r) => ({ ...r, previewTop: previewFromTop(r.preview_file) }));
  }

  private keep(req: Request, form: FormState): void {
    const body = (req.body ?? {}) as Record<string, unknown>;
    for (const f of FORM_FIELDS) if (typeof body[f] === 'string') form.values[f] = body[f];
    const raw = body.placements;
    form.placements = (Array.isArray(raw) ? raw : typeof raw === 'string' ? raw.split(',') : []).map(String).filter((p) => PLACEMENTS.includes(p));
  }

  private formError(req: Request, res: Response, form: FormState, error: unknown): void {
    const { code, message, details } = new ErrorEnvelopeFilter().describe(error);
    if (code === ErrorCode.INTERNAL) throw error;
    const field = fieldOf(details, code);
    form.errors[field] = message;
    this.renderForm(req, res, { ...form, summary: message }, 400 + (code === ErrorCode.PAYLOAD_TOO_LARGE ? 13 : 0));
  }

  private renderForm(req: Request, res: Response, form: FormState, status: number): void {
    const ctx = viewContext(req, res);
    res.status(status).render('new', {
      ...ctx,
      title: ctx.t('new.title'),
      nav: 'new',
      form,
      placements: PLACEMENTS.map((p) => ({ id: p, ...ASPECT_PRESETS[p as keyof typeof ASPECT_PRESETS] })),
      fonts: this.fonts.list(),
      providers: this.providers.status(),
      maxMb: this.config.MAX_BODY_MB,
    });
  }
}

/** Which form field an error belongs to: the API names it in details.field; images default to the photo. */
function fieldOf(details: unknown, code: ErrorCode): string {
  const d = details as { field?: unknown; fields?: Array<{ field: string }> } | null | undefined;
  if (typeof d?.field === 'string') return d.field === 'step1_image' ? 'product_image' : d.field;
  if (Array.isArray(d?.fields) && d.fields[0]) return d.fields[0].field;
  if (code === ErrorCode.FONT_MISSING) return 'font_name';
  if (code === ErrorCode.INVALID_PROMPT) return 'text_content';
  return 'product_image';
}
