import { Module } from '@nestjs/common';
import { MulterModule } from '@nestjs/platform-express';
import { AppConfig } from '../config/app-config';
import { JobsModule } from '../jobs/jobs.module';
import { AdPipelineModule } from '../ad/ad-pipeline.module';
import { ProvidersModule } from '../providers/providers.module';
import { HomepageController } from './homepage.controller';
import { HomepageJobHandler } from './homepage.job-handler';
import { HomepageService } from './homepage.service';
import { ShareCardService } from './share-card';
import { SiteAuditService } from './site-audit.service';
import { SiteWriterService } from './site-writer.service';

/** One-page sites for a shop (job kind "homepage"), served at /sites/{id}/. */
@Module({
  imports: [
    JobsModule,
    AdPipelineModule,
    ProvidersModule,
    // Up to 24 product photos in one multipart request.
    MulterModule.registerAsync({ inject: [AppConfig], useFactory: (config: AppConfig) => ({ limits: { fileSize: config.MAX_BODY_MB * 2 ** 20, files: 24, fields: 400 } }) }),
  ],
  controllers: [HomepageController],
  providers: [HomepageService, HomepageJobHandler, SiteAuditService, SiteWriterService, ShareCardService],
  exports: [HomepageService],
})
export class HomepageModule {}
