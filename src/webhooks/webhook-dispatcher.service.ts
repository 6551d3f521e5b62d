import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { Webhook } from 'standardwebhooks';
import { OPEN_PRINCIPAL } from '../auth/principal';
import { isDomainException } from '../common/errors/domain.exception';
import { ErrorCode } from '../common/errors/error-codes';
import { AppConfig } from '../config/app-config';
import { JobNotificationsRepository } from '../jobs/job-notifications.repository';
import { JobStatusService } from '../jobs/job-status.service';
import { guardedRequest } from './guarded-http';
import { WebhookDeliveriesRepository } from './webhook-deliveries.repository';
import type { WebhookAttempt, WebhookDelivery } from '../jobs/webhook-delivery.types';
import { MAX_REDIRECTS, WebhookUrlPolicy } from './webhook-url.policy';

const BATCH = 8;
const IDLE_MS = 5000;
const ERROR_BACKOFF_MS = 5000;

/**
 * Delivers queued webhooks per the Standard Webhooks spec: a JSON body {type, timestamp, data}
 * where data is the job's status (links signed, no base64), with webhook-id / -timestamp /
 * -signature headers. A 2xx ends a delivery; anything else is retried after
 * WEBHOOK_RETRY_DELAYS_SEC (about a day in all); 410 Gone ends it at once, as the spec lets a
 * receiver ask. Every instance runs one of these; the queue's lease keeps attempts single.
 */
@Injectable()
export class WebhookDispatcherService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('Webhooks');
  private readonly signers: Webhook[];
  private stopped = false;
  private wakeUp: () => void = () => {};
  private loop?: Promise<void>;
  private off?: () => void;

  constructor(
    private readonly config: AppConfig,
    private readonly deliveries: WebhookDeliveriesRepository,
    private readonly statuses: JobStatusService,
    private readonly notifications: JobNotificationsRepository,
    private readonly urls: WebhookUrlPolicy,
  ) {
    this.signers = (config.WEBHOOK_SECRET ?? '').split(',').filter(Boolean).map((secret) => new Webhook(secret));
  }

  onApplicationBootstrap(): void {
    if (this.signers.length === 0) return; // no secret, no webhooks: submits with one are refused
    this.off = this.notifications.onAny((n) => {
      if (n.webhook === 'pending') this.wakeUp();
    });
    this.loop = this.run();
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    this.off?.();
    this.wakeUp();
    await this.loop;
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      let waitMs = IDLE_MS;
      try {
        const due = await this.deliveries.claimDue(BATCH, Math.ceil(this.config.WEBHOOK_TIMEOUT_MS / 1000) * (MAX_REDIRECTS + 1) + 30);
        await Promise.all(due.map((d) => this.deliver(d)));
        if (due.length === BATCH) continue;
        const next = await this.deliveries.nextDue();
        if (next) waitMs = Math.min(IDLE_MS, Math.max(20, next.getTime() - Date.now()));
      } catch (error) {
        if (this.stopped) break;
        this.logger.warn(`delivery loop: ${(error as Error).message}`);
        waitMs = ERROR_BACKOFF_MS;
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, waitMs);
        this.wakeUp = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  }

  private async deliver(delivery: WebhookDelivery): Promise<void> {
    const started = Date.now();
    const attempt: WebhookAttempt = { at: new Date(started).toISOString(), status_code: null, error: null, duration_ms: 0 };
    let payload: string;
    try {
      payload = await this.payload(delivery);
    } catch (error) {
      if (!isDomainException(error) || error.code !== ErrorCode.JOB_NOT_FOUND) throw error;
      return; // the job was deleted meanwhile: its deliveries went with it
    }
    try {
      const res = await guardedRequest(delivery.url, {
        method: 'POST',
        headers: this.headers(delivery.id, payload),
        body: Buffer.from(payload),
        timeoutMs: this.config.WEBHOOK_TIMEOUT_MS,
        maxRedirects: MAX_REDIRECTS,
        policy: this.urls.addresses,
      });
      attempt.status_code = res.status;
      if (res.status < 200 || res.status >= 300) attempt.error = `answered ${res.status}`;
    } catch (error) {
      attempt.error = (error as Error).message;
    }
    attempt.duration_ms = Date.now() - started;
    const done = attempt.status_code !== null && attempt.status_code >= 200 && attempt.status_code < 300;
    const count = delivery.attempts.length + 1;
    const delay = this.config.WEBHOOK_RETRY_DELAYS_SEC[count - 1];
    if (done) return this.deliveries.record(delivery.id, attempt, 'delivered', null);
    if (attempt.status_code === 410 || delay === undefined) {
      this.logger.warn(`webhook ${delivery.id} for job ${delivery.job_id} failed after ${count} attempt(s): ${attempt.error}`);
      return this.deliveries.record(delivery.id, attempt, 'failed', null);
    }
    await this.deliveries.record(delivery.id, attempt, 'pending', new Date(Date.now() + delay * 1000));
  }

  private async payload(delivery: WebhookDelivery): Promise<string> {
    const { webhook: _w, ...status } = await this.statuses.status(delivery.job_id, OPEN_PRINCIPAL, { includeMetrics: false });
    return JSON.stringify({ type: delivery.event, timestamp: new Date().toISOString(), data: status });
  }

  /** Standard Webhooks headers; one v1 signature per configured secret (rotation). */
  private headers(id: string, payload: string): Record<string, string> {
    const now = new Date();
    return {
      'content-type': 'application/json',
      'user-agent': 'nanoCocoa-Webhooks/0.1',
      'webhook-id': id,
      'webhook-timestamp': String(Math.floor(now.getTime() / 1000)),
      'webhook-signature': this.signers.map((s) => s.sign(id, now, payload)).join(' '),
    };
  }
}
