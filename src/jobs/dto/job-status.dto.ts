import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsBoolean, IsIn, IsInt, IsOptional, Max, Min } from 'class-validator';
import { toBoolean, toNumber } from '../../common/transforms';
import { SystemMetricsDto } from '../../system/dto/system-metrics.dto';
import { JOB_STATUSES, type JobStatus } from '../job.entity';

export class ArtifactDto {
  @ApiProperty({ example: 'step1.png' }) name: string;
  @ApiProperty({ example: 'image/png' }) mime: string;
  @ApiProperty() bytes: number;
  @ApiProperty() sha256: string;
  @ApiProperty({
    example: '/jobs/550e8400-e29b-41d4-a716-446655440000/artifacts/step1.png?expires=1767225600&signature=...',
    description: 'A signed link: it works without a key until it expires (LINK_TTL_SECONDS)',
  })
  url: string;
}

export class FinalDto {
  @ApiProperty({ example: '4:5', description: 'The placement preset, or WxH for a custom size' }) placement: string;
  @ApiProperty() width: number;
  @ApiProperty() height: number;
  @ApiProperty({ nullable: true, type: String }) step1_url: string | null;
  @ApiProperty({ nullable: true, type: String }) final_url: string | null;
  @ApiProperty({ nullable: true, type: String, description: 'The final in output_format when that is jpeg or webp (final.jpg / final.webp beside final.png); null for png' })
  final_format_url: string | null;
  @ApiProperty({ example: 1, description: 'Which of num_variants backgrounds this is (1-based; its seed is seed + variant - 1)' }) variant: number;
  @ApiProperty({ nullable: true, type: Number, example: 1, description: "Its place in the placement's ranking once the job is done, 1 = best (the plain final file)" })
  rank: number | null;
}

export class JobErrorDto {
  @ApiProperty({ example: 'INVALID_IMAGE' }) code: string;
  @ApiProperty() message: string;
}

export class WebhookAttemptDto {
  @ApiProperty() at: string;
  @ApiProperty({ nullable: true, type: Number, description: "The receiver's HTTP status; null when none came" }) status_code: number | null;
  @ApiProperty({ nullable: true, type: String }) error: string | null;
  @ApiProperty() duration_ms: number;
}

export class WebhookDeliveryDto {
  @ApiProperty({ example: 'msg_2f1c...', description: 'The webhook-id header: the same on every attempt' }) id: string;
  @ApiProperty({ enum: ['job.completed', 'job.failed', 'job.stopped'] }) event: string;
  @ApiProperty({ enum: ['pending', 'delivered', 'failed'] }) state: string;
  @ApiProperty({ type: [WebhookAttemptDto] }) attempts: WebhookAttemptDto[];
  @ApiProperty({ nullable: true, type: String, description: 'When the next attempt is due, while pending' }) next_attempt_at: string | null;
}

export class JobWebhookDto {
  @ApiProperty() url: string;
  @ApiProperty({ type: [WebhookDeliveryDto] }) deliveries: WebhookDeliveryDto[];
}

/** The seed's JobStatus, plus URLs so clients need not move base64 around. */
export class JobStatusDto {
  @ApiProperty({ format: 'uuid' }) job_id: string;
  @ApiProperty({ enum: JOB_STATUSES }) status: JobStatus;
  @ApiProperty({ minimum: 0, maximum: 100 }) progress_percent: number;
  @ApiProperty({ nullable: true, type: String, example: 'step1_background' }) current_step: string | null;
  @ApiProperty({ nullable: true, type: String, example: 'inference' }) sub_step: string | null;
  @ApiProperty() message: string;
  @ApiProperty({ description: 'Seconds since the job started (or since it was queued, while pending)' }) elapsed_sec: number;
  @ApiProperty({ nullable: true, type: Number, description: 'Seconds left for the whole job, from recorded stage timings' })
  eta_seconds: number | null;
  @ApiProperty({ nullable: true, type: Number, description: 'Seconds left in the current stage' }) step_eta_seconds: number | null;
  @ApiPropertyOptional({ type: SystemMetricsDto }) system_metrics?: SystemMetricsDto;
  @ApiProperty({ type: 'object', additionalProperties: true }) parameters: Record<string, unknown>;
  @ApiProperty({ nullable: true, type: String, description: 'data URL (omitted with include_images=false)' }) step1_result: string | null;
  @ApiProperty({ nullable: true, type: String, description: 'data URL (omitted with include_images=false)' }) final_result: string | null;
  @ApiProperty({ nullable: true, type: String }) step1_result_url: string | null;
  @ApiProperty({ nullable: true, type: String }) final_result_url: string | null;
  @ApiProperty({ type: [FinalDto], description: 'One entry per placement and variant, each placement\'s best first; the first is step1_result/final_result' })
  finals: FinalDto[];
  @ApiProperty({ nullable: true, type: String }) error_message: string | null;
  @ApiProperty({ nullable: true, type: JobErrorDto }) error: JobErrorDto | null;
  @ApiProperty({
    nullable: true,
    type: 'object',
    additionalProperties: true,
    description: "Quality report of the first placement (all placements: result.canvases[].quality): verdict, issues, cutout, productFidelity, text, clip",
  })
  quality: Record<string, unknown> | null;
  @ApiProperty({ type: 'object', additionalProperties: { type: 'number' }, description: 'Milliseconds per finished stage' })
  timings: Record<string, number>;
  @ApiProperty({ type: 'object', additionalProperties: true, description: 'What the stages reported (model, backdrop...)' })
  result: Record<string, unknown>;
  @ApiProperty() attempts: number;
  @ApiProperty({ description: 'Job kind: ad, and later decompose or homepage' }) kind: string;
  @ApiProperty({ nullable: true, type: String, description: 'The name of the API key that made it (null on an open server)' }) owner: string | null;
  @ApiProperty({ nullable: true, type: String, description: 'INSTANCE_ID of the instance running it now' }) worker: string | null;
  @ApiProperty({ type: [ArtifactDto] }) artifacts: ArtifactDto[];
  @ApiProperty({ nullable: true, type: JobWebhookDto, description: "The job's webhook and every delivery attempt; null without one" })
  webhook: JobWebhookDto | null;
  @ApiProperty() created_at: string;
  @ApiProperty({ nullable: true, type: String }) started_at: string | null;
  @ApiProperty({ nullable: true, type: String }) finished_at: string | null;
}

export class StatusQueryDto {
  @ApiPropertyOptional({ default: true, description: 'Embed step1_result/final_result as data URLs (the seed did)' })
  @Transform(toBoolean) @IsOptional() @IsBoolean()
  include_images?: boolean = true;

  @ApiPropertyOptional({ default: true, description: 'Include CPU/RAM/GPU metrics' })
  @Transform(toBoolean) @IsOptional() @IsBoolean()
  include_metrics?: boolean = true;
}

export class ListJobsQueryDto {
  @ApiPropertyOptional({ enum: JOB_STATUSES, isArray: true, description: 'Comma-separated statuses' })
  @Transform(({ value }: { value: unknown }) => (typeof value === 'string' ? value.split(',').map((s) => s.trim()).filter(Boolean) : value))
  @IsOptional() @IsIn(JOB_STATUSES, { each: true })
  status?: JobStatus[];

  @ApiPropertyOptional({ minimum: 1, maximum: 100, default: 20 })
  @Transform(toNumber) @IsOptional() @IsInt() @Min(1) @Max(100)
  limit?: number = 20;

  @ApiPropertyOptional({ minimum: 0, default: 0 })
  @Transform(toNumber) @IsOptional() @IsInt() @Min(0)
  offset?: number = 0;
}

export class JobSummaryDto {
  @ApiProperty({ format: 'uuid' }) job_id: string;
  @ApiProperty({ enum: JOB_STATUSES }) status: JobStatus;
  @ApiProperty() progress_percent: number;
  @ApiProperty({ nullable: true, type: String }) current_step: string | null;
  @ApiProperty() message: string;
  @ApiProperty({ nullable: true, type: String }) error_code: string | null;
  @ApiProperty() created_at: string;
  @ApiProperty({ nullable: true, type: String }) finished_at: string | null;
  @ApiProperty({ nullable: true, type: String }) step1_result_url: string | null;
  @ApiProperty({ nullable: true, type: String }) final_result_url: string | null;
}

export class JobListDto {
  @ApiProperty({ type: [JobSummaryDto] }) items: JobSummaryDto[];
  @ApiProperty() total: number;
  @ApiProperty() limit: number;
  @ApiProperty() offset: number;
}

export class StopResponseDto {
  @ApiProperty({ format: 'uuid' }) job_id: string;
  @ApiProperty({ enum: JOB_STATUSES }) status: JobStatus;
  @ApiProperty() message: string;
}

/** The answer to every job-creating request (ads, decompositions, homepages): 202 with the new job's id. */
export class GenerateResponseDto {
  @ApiProperty({ format: 'uuid' }) job_id: string;
  @ApiProperty({ enum: ['pending'] }) status: 'pending';
  @ApiProperty() message: string;
  @ApiProperty({ example: '/status/550e8400-e29b-41d4-a716-446655440000' }) status_url: string;
}
