import { Global, Module } from '@nestjs/common';
import { JobsModule } from '../jobs/jobs.module';
import { WEBHOOK_URL_CHECK } from '../jobs/webhook-url-check';
import { WebhookDeliveriesRepository } from './webhook-deliveries.repository';
import { WebhookDispatcherService } from './webhook-dispatcher.service';
import { WebhookUrlPolicy } from './webhook-url.policy';

/**
 * Which webhook URLs may be used, for the jobs module's admit() (WEBHOOK_URL_CHECK) and the
 * deliveries. Global: the jobs module takes it without importing this folder.
 */
@Global()
@Module({
  providers: [WebhookUrlPolicy, { provide: WEBHOOK_URL_CHECK, useExisting: WebhookUrlPolicy }],
  exports: [WebhookUrlPolicy, WEBHOOK_URL_CHECK],
})
export class WebhookUrlModule {}

/** Signed deliveries with retries. Jobs queue their deliveries themselves (a trigger on the final status). */
@Module({
  imports: [JobsModule],
  providers: [WebhookDeliveriesRepository, WebhookDispatcherService],
})
export class WebhooksModule {}
