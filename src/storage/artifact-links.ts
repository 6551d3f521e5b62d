import { Injectable } from '@nestjs/common';
import { createHmac } from 'node:crypto';
import { DomainException } from '../common/errors/domain.exception';
import { ErrorCode } from '../common/errors/error-codes';
import { safeEqual } from '../common/net';
import { AppConfig } from '../config/app-config';

/** Expiry times are rounded up to the hour, so a link (and a /status answer holding it) stays the same for an hour. */
const ROUND_SECONDS = 3600;

/**
 * Signed links to job files, so an <img> tag, a webhook receiver or an LLM client fetches a
 * file without a key: ?expires=UNIX&signature=HMAC(job, file, expiry). The secret is
 * LINK_SECRET, or one derived from the keys, so every instance with the same configuration
 * accepts every other's links.
 */
@Injectable()
export class ArtifactLinks {
  private readonly secret: Buffer;

  constructor(private readonly config: AppConfig) {
    const keys = config.apiKeys.map((k) => `${k.name}:${k.secret}`).sort().join('\n');
    this.secret = config.LINK_SECRET ? Buffer.from(config.LINK_SECRET) : createHmac('sha256', 'nanococoa-link-secret-v1').update(keys).digest();
  }

  /** Whether links need their signature: once any key is configured (an open server's files are open). */
  get enforced(): boolean {
    return this.config.apiKeys.length > 0;
  }

  /** The file's URL: signed once keys are configured, plain on an open server. */
  url(jobId: string, name: string, now = Date.now()): string {
    const path = `${this.config.PUBLIC_URL ?? ''}/jobs/${jobId}/artifacts/${encodeURIComponent(name)}`;
    if (!this.enforced) return path;
    const expires = Math.ceil((now / 1000 + this.config.LINK_TTL_SECONDS) / ROUND_SECONDS) * ROUND_SECONDS;
    return `${path}?expires=${expires}&signature=${this.sign(jobId, name, expires)}`;
  }

  /** Throws LINK_EXPIRED or LINK_INVALID unless the query signs this job's file and is current. */
  verify(jobId: string, name: string, query: { expires?: unknown; signature?: unknown }, now = Date.now()): void {
    const expires = Number(query.expires);
    const signature = typeof query.signature === 'string' ? query.signature : undefined;
    if (!Number.isInteger(expires) || !signature || !safeEqual(signature, this.sign(jobId.toLowerCase(), name, expires))) {
      throw new DomainException(ErrorCode.LINK_INVALID, 'This file link is not valid (altered or from another server); ask /status for a fresh one');
    }
    if (expires * 1000 < now) {
      throw new DomainException(ErrorCode.LINK_EXPIRED, `This file link expired at ${new Date(expires * 1000).toISOString()}; ask /status for a fresh one`, {
        expired_at: new Date(expires * 1000).toISOString(),
      });
    }
  }

  private sign(jobId: string, name: string, expires: number): string {
    return createHmac('sha256', this.secret).update(`${jobId}\n${name}\n${expires}`).digest('base64url');
  }
}
