import { Module } from '@nestjs/common';
import { FontsModule } from '../fonts/fonts.module';
import { RendererModule } from '../renderer/renderer.module';
import { SystemController } from './system.controller';
import { SystemMetricsRepository } from './system-metrics.repository';
import { HealthRepository } from './health.repository';

@Module({
  imports: [FontsModule, RendererModule],
  controllers: [SystemController],
  providers: [SystemMetricsRepository, HealthRepository],
  exports: [SystemMetricsRepository, HealthRepository],
})
export class SystemModule {}
