/**
 * How admit() checks a caller's webhook_url: the webhooks module provides it (WebhookUrlPolicy),
 * so the jobs module never imports the module that listens to its jobs' ends.
 */
export const WEBHOOK_URL_CHECK = Symbol('WEBHOOK_URL_CHECK');

export interface WebhookUrlCheck {
  /** The URL to deliver to; throws a 400 naming `field` when it may not be used. */
  check(url: string, field: string): Promise<string>;
}
