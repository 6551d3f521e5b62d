import { Injectable } from '@nestjs/common';
import { DomainException } from '../common/errors/domain.exception';
import { ErrorCode } from '../common/errors/error-codes';
import { AppConfig } from '../config/app-config';
import { WebhookAddressPolicy } from '../common/address-policy';
import type { WebhookUrlCheck } from '../jobs/webhook-url-check';
import { ForbiddenAddressError, guardedRequest } from './guarded-http';

const PROBE_TIMEOUT_MS = 3000;
const PROBE_CACHE_MS = 10 * 60_000;
const PROBE_CACHE_SIZE = 1000;
export const MAX_REDIRECTS = 5;

/**
 * Checks a webhook URL when a job is submitted, so a bad one is a 400 now and not a silent
 * failure a day later: http(s) only, and unless WEBHOOK_ALLOW_PRIVATE says otherwise, neither
 * the host's addresses nor any hop of its redirect chain (one HEAD request, followed by hand)
 * may be loopback, private or link-local. Deliveries check every connection again (DNS can
 * change in between). A receiver that does not answer the probe is accepted: it may be down.
 */
@Injectable()
export class WebhookUrlPolicy implements WebhookUrlCheck {
  readonly addresses: WebhookAddressPolicy;
  private readonly probed = new Map<string, { until: number; problem: DomainException | null }>();

  constructor(private readonly config: AppConfig) {
    this.addresses = new WebhookAddressPolicy(config.WEBHOOK_ALLOW_PRIVATE);
  }

  /** The URL to deliver to; throws a 400 naming `field` when it may not be used. */
  async check(url: string, field: string): Promise<string> {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw new DomainException(ErrorCode.INVALID_PARAMETER, `${field} is not a URL`, { field });
    }
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
      throw new DomainException(ErrorCode.INVALID_PARAMETER, `${field} must be an http or https URL, not ${parsed.protocol}`, { field });
    }
    if (!this.config.WEBHOOK_SECRET) {
      throw new DomainException(ErrorCode.INVALID_PARAMETER, `Webhooks are off on this server: its operator must set WEBHOOK_SECRET (whsec_...) to sign them`, {
        field,
      });
    }
    if (this.config.WEBHOOK_ALLOW_PRIVATE[0] === 'true') return parsed.href;
    const cached = this.probed.get(parsed.href);
    const problem = cached && cached.until > Date.now() ? cached.problem : await this.probe(parsed.href, field);
    if (problem) throw problem;
    return parsed.href;
  }

  private async probe(url: string, field: string): Promise<DomainException | null> {
    let problem: DomainException | null = null;
    try {
      await guardedRequest(url, { method: 'HEAD', timeoutMs: PROBE_TIMEOUT_MS, maxRedirects: MAX_REDIRECTS, policy: this.addresses });
    } catch (error) {
      if (error instanceof ForbiddenAddressError) {
        const first = new URL(url).hostname.replace(/^\[|\]$/g, '');
        const via = first === error.host ? '' : ` (reached by a redirect from ${url})`;
        problem = new DomainException(
          ErrorCode.WEBHOOK_URL_FORBIDDEN,
          `${field} may not point at ${error.message}${via}; the operator can allow it with WEBHOOK_ALLOW_PRIVATE`,
          { field, host: error.host },
        );
      } else if ((error as NodeJS.ErrnoException).code === 'ENOTFOUND') {
        problem = new DomainException(ErrorCode.INVALID_PARAMETER, `${field}: the host ${new URL(url).hostname} does not resolve`, { field });
      }
      // Anything else (refused, timed out, TLS): the receiver may come up later; deliveries retry.
    }
    if (this.probed.size >= PROBE_CACHE_SIZE) this.probed.delete(this.probed.keys().next().value as string);
    this.probed.set(url, { until: Date.now() + PROBE_CACHE_MS, problem });
    return problem;
  }
}
