import { Controller, Get, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProperty, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { Public, Unlimited } from '../auth/principal';
import { AppConfig } from '../config/app-config';
import { SystemMetricsDto } from './dto/system-metrics.dto';
import { ModelRegistry } from '../models/model-registry.service';
import type { RegistrySnapshot } from '../models/model.types';
import { FontsService } from '../fonts/fonts.service';
import { ChromiumPool, type ChromiumPoolStats } from '../renderer/chromium-pool';
import { ProviderRegistry, type RoleStatus } from '../providers/provider-registry';
import { HealthRepository } from './health.repository';
import { SystemMetricsRepository } from './system-metrics.repository';

class HealthDto {
  @ApiProperty({ enum: ['ok', 'degraded'] }) status: 'ok' | 'degraded';
  @ApiProperty() database: { ok: boolean; latency_ms: number | null; embedded: boolean };
  @ApiProperty() gpu_available: boolean;
  @ApiProperty({ description: 'Installed segmentation model in use' }) segmentation_model: string | null;
  @ApiProperty({ description: 'Font catalog: families found, and whether any draws Hangul' }) fonts: { families: number; hangul: boolean };
  @ApiProperty({ type: 'object', additionalProperties: true }) models: RegistrySnapshot['totals'];
  @ApiProperty({ type: 'array', items: { type: 'object' }, description: 'Each provider role (image, vision, llm): provider, model, last error' })
  providers: RoleStatus[];
  @ApiProperty({ type: [String] }) warnings: string[];
  @ApiProperty() uptime_sec: number;
}

class SystemDto {
  @ApiProperty({ type: SystemMetricsDto }) metrics: SystemMetricsDto;
  @ApiProperty({ type: 'object', additionalProperties: true, description: 'Model residency, budget and counters' }) models: RegistrySnapshot;
  @ApiProperty({ type: 'object', additionalProperties: true, description: 'Chromium pool: pages, renders, timeouts, relaunches' })
  renderer: ChromiumPoolStats;
  @ApiProperty({ type: 'object', additionalProperties: { type: 'number' }, description: 'Jobs per status' }) queue: Record<string, number>;
  @ApiProperty() config: Record<string, unknown>;
  @ApiProperty({ type: 'array', items: { type: 'object' }, description: 'Each provider role: provider, model, calls, failures, last error' })
  providers: RoleStatus[];
  @ApiProperty({ type: 'object', additionalProperties: true, nullable: true, description: 'The last retention sweep: instance, when, ms, jobs, orphans, bytes' })
  retention: Record<string, unknown> | null;
}

@ApiTags('system')
@Controller()
export class SystemController {
  constructor(
    private readonly config: AppConfig,
    private readonly health: HealthRepository,
    private readonly metrics: SystemMetricsRepository,
    private readonly registry: ModelRegistry,
    private readonly fonts: FontsService,
    private readonly chromium: ChromiumPool,
    private readonly providers: ProviderRegistry,
  ) {}

  @Get('health')
  @Public()
  @Unlimited()
  @ApiOperation({ summary: 'Liveness and readiness: database, GPU, models' })
  @ApiOkResponse({ type: HealthDto })
  @ApiServiceUnavailableResponse({ type: HealthDto, description: 'The database does not answer' })
  async getHealth(@Res({ passthrough: true }) res: Response): Promise<HealthDto> {
    const latency = await this.health.ping();
    const gpus = (await this.metrics.read()).gpu_info;
    const seg = this.registry.manifests('segmentation')[0]?.id ?? null;
    const warnings: string[] = [];
    if (!seg) warnings.push('No segmentation model is installed: run npm run models:pull -- birefnet-general, or npm ci to restore ISNet');
    if (this.config.ORT_EXECUTION_PROVIDERS.includes('cuda') && gpus.length === 0) warnings.push('ORT_EXECUTION_PROVIDERS asks for CUDA but no GPU was found');
    const fonts = this.fonts.status();
    warnings.push(...fonts.warnings);
    const providers = this.providers.status();
    for (const p of providers) {
      if (p.last_error?.code === 'PROVIDER_UNAUTHORIZED') warnings.push(`The ${p.role} provider refuses its key: ${p.last_error.message}`);
    }
    const ok = latency !== null && seg !== null;
    if (latency === null) res.status(503);
    return {
      status: ok ? 'ok' : 'degraded',
      database: { ok: latency !== null, latency_ms: latency, embedded: !this.config.DATABASE_URL },
      gpu_available: gpus.length > 0,
      segmentation_model: seg,
      fonts: { families: fonts.families, hangul: fonts.hangul },
      models: this.registry.snapshot().totals,
      providers,
      warnings,
      uptime_sec: Math.round(process.uptime()),
    };
  }

  @Get('system')
  @ApiOperation({ summary: 'Machine metrics, model registry residency and counters, queue' })
  @ApiOkResponse({ type: SystemDto })
  async getSystem(): Promise<SystemDto> {
    return {
      metrics: await this.metrics.read(),
      models: this.registry.snapshot(),
      renderer: this.chromium.stats(),
      providers: this.providers.status(),
      queue: await this.health.queue(),
      retention: await this.health.lastSweep(),
      config: {
        instance_id: this.config.instanceId,
        runner_enabled: this.config.RUNNER_ENABLED,
        storage_driver: this.config.STORAGE_DRIVER,
        job_retention_hours: this.config.JOB_RETENTION_HOURS,
        job_max_runtime_sec: this.config.JOB_MAX_RUNTIME_SEC,
        model_residency: this.config.MODEL_RESIDENCY,
        gpu_vram_budget_mb: this.config.GPU_VRAM_BUDGET_MB,
        execution_providers: this.config.ORT_EXECUTION_PROVIDERS,
        job_concurrency: this.config.JOB_CONCURRENCY,
        max_image_pixels: this.config.MAX_IMAGE_PIXELS,
        max_body_mb: this.config.MAX_BODY_MB,
      },
    };
  }
}
