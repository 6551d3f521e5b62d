import { Module } from '@nestjs/common';
import { MulterModule } from '@nestjs/platform-express';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AppConfig } from '../config/app-config';
import { PipelineModule } from '../pipeline/pipeline.module';
import { StorageModule } from '../storage/storage.module';
import { SystemModule } from '../system/system.module';
import { JobEntity } from './job.entity';
import { JobEventsController } from './job-events.controller';
import { JobRunnerService } from './job-runner.service';
import { JobStatusService } from './job-status.service';
import { JobsController } from './jobs.controller';
import { JobsRepository } from './jobs.repository';
import { JobsService } from './jobs.service';

@Module({
  imports: [
    TypeOrmModule.forFeature([JobEntity]),
    StorageModule,
    PipelineModule,
    SystemModule,
    MulterModule.registerAsync({
      inject: [AppConfig],
      useFactory: (config: AppConfig) => ({ limits: { fileSize: config.MAX_BODY_MB * 2 ** 20, files: 2, fields: 40 } }),
    }),
  ],
  controllers: [JobsController, JobEventsController],
  providers: [JobsRepository, JobsService, JobRunnerService, JobStatusService],
  exports: [JobsService, JobStatusService, JobRunnerService],
})
export class JobsModule {}
