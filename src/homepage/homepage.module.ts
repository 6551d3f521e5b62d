import { Module } from '@nestjs/common';
import { JobsModule } from '../jobs/jobs.module';
import { PipelineModule } from '../pipeline/pipeline.module';
import { HomepageController } from './homepage.controller';
import { HomepageJobHandler } from './homepage.job-handler';
import { HomepageService } from './homepage.service';
import { SiteAuditService } from './site-audit.service';

/** One-page sites for a shop (job kind "homepage"), served at /sites/{id}/. */
@Module({
  imports: [JobsModule, PipelineModule],
  controllers: [HomepageController],
  providers: [HomepageService, HomepageJobHandler, SiteAuditService],
  exports: [HomepageService],
})
export class HomepageModule {}
