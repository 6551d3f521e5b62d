/** The events a job's end announces, by its final status. */
export const WEBHOOK_EVENTS = ['job.completed', 'job.failed', 'job.stopped'] as const;
export type WebhookEvent = (typeof WEBHOOK_EVENTS)[number];

/** One try at delivering: kept on the delivery, shown in /status and on the admin job page. */
export interface WebhookAttempt {
  at: string;
  /** The receiver's HTTP status; null when no answer came (refused, timed out, forbidden address). */
  status_code: number | null;
  error: string | null;
  duration_ms: number;
}

/** A webhook_deliveries row. */
export interface WebhookDelivery {
  id: string;
  job_id: string;
  event: WebhookEvent;
  url: string;
  /** pending: more attempts to come; delivered: a 2xx came; failed: the schedule ran out. */
  state: 'pending' | 'delivered' | 'failed';
  attempts: WebhookAttempt[];
  next_attempt_at: Date;
  created_at: Date;
  finished_at: Date | null;
}
