import { Module } from '@nestjs/common';
import { SystemController } from './system.controller';
import { SystemMetricsRepository } from './system-metrics.repository';
import { HealthRepository } from './health.repository';

@Module({
  controllers: [SystemController],
  providers: [SystemMetricsRepository, HealthRepository],
  exports: [SystemMetricsRepository],
})
export class SystemModule {}
