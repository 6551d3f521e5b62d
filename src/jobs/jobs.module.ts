import { Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { MulterModule } from '@nestjs/platform-express';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AppConfig } from '../config/app-config';
import { FontsModule } from '../fonts/fonts.module';
import { StorageModule } from '../storage/storage.module';
import { SystemModule } from '../system/system.module';
import { WebhookUrlPolicy } from '../webhooks/webhook-url.policy';
import { JobEntity } from './job.entity';
import { JobEventsController } from './job-events.controller';
import { JobEventsService } from './job-events.service';
import { JobHandlerRegistry } from './job-handler.registry';
import { JobLeaseRepository } from './job-lease.repository';
import { JobNotificationsRepository } from './job-notifications.repository';
import { JobRunnerService } from './job-runner.service';
import { JobSnapshotsService } from './job-snapshots.service';
import { JobStatusService } from './job-status.service';
import { JobsController } from './jobs.controller';
import { JobsRepository } from './jobs.repository';
import { JobsService } from './jobs.service';
import { RetentionRepository } from './retention.repository';
import { RetentionService } from './retention.service';

/**
 * Jobs of every kind: the queue, the runner, status, events and retention. It knows no
 * feature: feature modules declare handlers with @JobHandler(kind), found by discovery.
 */
@Module({
  imports: [
    DiscoveryModule,
    TypeOrmModule.forFeature([JobEntity]),
    StorageModule,
    FontsModule,
    SystemModule,
    MulterModule.registerAsync({
      inject: [AppConfig],
      useFactory: (config: AppConfig) => ({ limits: { fileSize: config.MAX_BODY_MB * 2 ** 20, files: 2, fields: 40 } }),
    }),
  ],
  controllers: [JobsController, JobEventsController],
  providers: [
    JobsRepository,
    JobLeaseRepository,
    JobNotificationsRepository,
    JobSnapshotsService,
    JobHandlerRegistry,
    JobsService,
    JobRunnerService,
    JobStatusService,
    RetentionRepository,
    RetentionService,
    WebhookUrlPolicy,
    JobEventsService,
  ],
  exports: [JobsService, JobStatusService, JobEventsService, JobRunnerService, RetentionService, JobNotificationsRepository, WebhookUrlPolicy],
})
export class JobsModule {}
