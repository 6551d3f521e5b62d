import { Module } from '@nestjs/common';
import { JobsModule } from '../jobs/jobs.module';
import { WebhookDeliveriesRepository } from './webhook-deliveries.repository';
import { WebhookDispatcherService } from './webhook-dispatcher.service';

/**
 * Signed deliveries with retries. Jobs queue their deliveries themselves (a trigger on the
 * final status) and check URLs at submit with WebhookUrlPolicy, which JobsModule provides.
 */
@Module({
  imports: [JobsModule],
  providers: [WebhookDeliveriesRepository, WebhookDispatcherService],
})
export class WebhooksModule {}
