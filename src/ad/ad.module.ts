import { Module } from '@nestjs/common';
import { MulterModule } from '@nestjs/platform-express';
import { AppConfig } from '../config/app-config';
import { FontsModule } from '../fonts/fonts.module';
import { JobsModule } from '../jobs/jobs.module';
import { AdController } from './ad.controller';
import { AdJobHandler } from './ad-job.handler';
import { AdPipelineModule } from './ad-pipeline.module';
import { AdSubmitService } from './ad-submit.service';

/**
 * The ad feature as a job kind, added the way every kind is: POST /generate (AdController) ->
 * AdSubmitService, which validates and calls jobs.admit -> the `ad` jobs' handler running the
 * pipeline (AdPipelineModule, which the CLI and the homepage's make_ads use without the queue).
 */
@Module({
  imports: [
    AdPipelineModule,
    JobsModule,
    FontsModule,
    MulterModule.registerAsync({ inject: [AppConfig], useFactory: (config: AppConfig) => ({ limits: { fileSize: config.MAX_BODY_MB * 2 ** 20, files: 2, fields: 40 } }) }),
  ],
  controllers: [AdController],
  providers: [AdSubmitService, AdJobHandler],
  exports: [AdSubmitService, AdPipelineModule],
})
export class AdModule {}
