import { ApiProperty } from '@nestjs/swagger';

/** The machine as /system, /health and each job's status (the seed's system_metrics) show it. */
export class GpuInfoDto {
  @ApiProperty() index: number;
  @ApiProperty() name: string;
  @ApiProperty() vram_used_mb: number;
  @ApiProperty() vram_total_mb: number;
  @ApiProperty() vram_percent: number;
  @ApiProperty({ description: 'GPU utilization, percent' }) utilization: number;
}

export class SystemMetricsDto {
  @ApiProperty() cpu_percent: number;
  @ApiProperty() ram_used_gb: number;
  @ApiProperty() ram_total_gb: number;
  @ApiProperty() ram_percent: number;
  @ApiProperty({ description: 'This process resident set size' }) process_rss_mb: number;
  @ApiProperty({ type: [GpuInfoDto], description: 'Empty when no NVIDIA GPU (nvidia-smi) is present' }) gpu_info: GpuInfoDto[];
}
