import { createParamDecorator, type ExecutionContext, SetMetadata } from '@nestjs/common';
import type { Request } from 'express';
import { DomainException } from '../common/errors/domain.exception';
import { ErrorCode } from '../common/errors/error-codes';
import type { ApiKey } from '../config/api-keys';

/**
 * Who a request acts for. `name` is the key's name (recorded on the jobs it makes); null when
 * no keys are configured (the open service) or for the service's own work. An admin sees and
 * manages every job; any other key only its own.
 */
export interface Principal {
  name: string | null;
  admin: boolean;
}

/** The open service (no keys configured) and the service's own work: everything, as nobody in particular. */
export const OPEN_PRINCIPAL: Principal = Object.freeze({ name: null, admin: true });

export const principalOf = (key: ApiKey): Principal => ({ name: key.name, admin: key.admin });

declare module 'express-serve-static-core' {
  interface Request {
    principal?: Principal;
  }
}

/** May be called without a key: GET /health, signed file links (checked by their handler), sign-in. */
export const PUBLIC_ROUTE = 'nanococoa:public';
export const Public = () => SetMetadata(PUBLIC_ROUTE, true);

/**
 * Never counted against either rate limit: probes (a load balancer or Kubernetes polling a
 * healthy instance must not be told 429 and take it out of service) and fixed public files.
 */
export const UNLIMITED = 'nanococoa:unlimited';
export const Unlimited = () => SetMetadata(UNLIMITED, true);

/** Creates jobs: counted against RATE_LIMIT_SUBMITS_PER_MINUTE instead of the read limit. */
export const SUBMITS_JOB = 'nanococoa:submits-job';
export const SubmitsJob = () => SetMetadata(SUBMITS_JOB, true);

/**
 * The request's principal, as the API key guard (or the admin session) set it. A route that
 * reaches here without one was let through unauthenticated: refuse rather than guess.
 */
export const CurrentPrincipal = createParamDecorator((_: unknown, ctx: ExecutionContext): Principal => {
  const principal = ctx.switchToHttp().getRequest<Request>().principal;
  if (!principal) throw new DomainException(ErrorCode.UNAUTHORIZED, 'An API key is required');
  return principal;
});

/** Whether a job made by `owner` is visible to `principal`. */
export function canSee(principal: Principal, owner: string | null): boolean {
  return principal.admin || principal.name === owner;
}
