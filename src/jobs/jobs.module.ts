import { Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { TypeOrmModule } from '@nestjs/typeorm';
import { StorageModule } from '../storage/storage.module';
import { SystemModule } from '../system/system.module';
import { RUNNER_DATA_SOURCE } from '../database/data-source-options';
import { ArtifactEntity, JobEntity } from './job.entity';
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
import { StatusSocket } from './status-socket.service';

/**
 * Jobs of every kind: the queue, the runner, status, events and retention. It knows no
 * feature: feature modules declare handlers with @JobHandler(kind), found by discovery.
 */
@Module({
  imports: [
    DiscoveryModule,
    TypeOrmModule.forFeature([JobEntity, ArtifactEntity]),
    // The runner's own pool (claims, leases, progress) reads and writes the same tables.
    TypeOrmModule.forFeature([JobEntity, ArtifactEntity], RUNNER_DATA_SOURCE),
    StorageModule,
    SystemModule,
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
    JobEventsService,
    StatusSocket,
  ],
  exports: [JobsService, JobHandlerRegistry, JobStatusService, JobEventsService, JobRunnerService, RetentionService, JobNotificationsRepository],
})
export class JobsModule {}
