import { type CanActivate, type ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { InjectThrottlerStorage, type ThrottlerStorage } from '@nestjs/throttler';
import type { Request, Response } from 'express';
import { DomainException } from '../common/errors/domain.exception';
import { ErrorCode } from '../common/errors/error-codes';
import { AppConfig } from '../config/app-config';
import { type Principal, SUBMITS_JOB, UNLIMITED } from './principal';

export type RateBucket = 'submit' | 'read';
const WINDOW_MS = 60_000;

/** Per key (per client address without keys): what the limits count. */
export function trackerOf(principal: Principal | undefined, ip: string | undefined): string {
  return principal?.name ? `key:${principal.name}` : `ip:${ip ?? 'unknown'}`;
}

/**
 * The two limits of docs/security.md, over @nestjs/throttler's storage contract: one bucket per
 * key for job-creating requests and one for the rest, across all routes (the library's guard
 * counts per route). Answers with the IETF RateLimit and RateLimit-Policy headers; over the limit,
 * 429 RATE_LIMITED with Retry-After. MCP's job-creating tools draw on the same submit bucket.
 */
@Injectable()
export class RateLimiter {
  constructor(
    private readonly config: AppConfig,
    @InjectThrottlerStorage() private readonly storage: ThrottlerStorage,
  ) {}

  limit(bucket: RateBucket): number {
    return bucket === 'submit' ? this.config.RATE_LIMIT_SUBMITS_PER_MINUTE : this.config.RATE_LIMIT_READS_PER_MINUTE;
  }

  /** Counts one request; throws RATE_LIMITED when the bucket is empty. */
  async consume(bucket: RateBucket, tracker: string, res?: Response): Promise<void> {
    const limit = this.limit(bucket);
    const record = await this.storage.increment(`${bucket}:${tracker}`, WINDOW_MS, limit, WINDOW_MS, bucket);
    const reset = record.isBlocked ? record.timeToBlockExpire : record.timeToExpire;
    res?.setHeader('RateLimit-Policy', `"${bucket}";q=${limit};w=${WINDOW_MS / 1000}`);
    res?.setHeader('RateLimit', `"${bucket}";r=${Math.max(0, limit - record.totalHits)};t=${reset}`);
    if (record.isBlocked) {
      const what = bucket === 'submit' ? 'jobs submitted' : 'requests';
      throw new DomainException(ErrorCode.RATE_LIMITED, `Too many ${what}: the limit is ${limit} a minute; try again in ${reset} s`, {
        bucket,
        limit,
        window_seconds: WINDOW_MS / 1000,
        retry_after_seconds: reset,
      });
    }
  }
}

/**
 * Applies RateLimiter to every route: the submit bucket where @SubmitsJob(), none where
 * @Unlimited(), the read bucket elsewhere. The docs and static files are served by Express
 * outside Nest's routes, so no guard counts them. Few metadata lookups a request:
 * ThrottlerGuard's own canActivate resolved six per named throttler, a measurable share of a
 * /status poll (docs/benchmarks.md).
 */
@Injectable()
export class RateLimitGuard implements CanActivate {
  constructor(
    private readonly limiter: RateLimiter,
    private readonly reflector: Reflector,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (context.getType() !== 'http') return true;
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(UNLIMITED, targets) === true) return true;
    const submits = this.reflector.getAllAndOverride<boolean>(SUBMITS_JOB, targets) === true;
    const req = context.switchToHttp().getRequest<Request>();
    await this.limiter.consume(submits ? 'submit' : 'read', trackerOf(req.principal, req.ip), context.switchToHttp().getResponse<Response>());
    return true;
  }
}
