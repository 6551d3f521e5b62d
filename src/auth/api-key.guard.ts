import { type CanActivate, type ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request } from 'express';
import { DomainException } from '../common/errors/domain.exception';
import { ErrorCode } from '../common/errors/error-codes';
import { AppConfig } from '../config/app-config';
import { ApiKeyMatcher } from '../config/api-keys';
import { OPEN_PRINCIPAL, type Principal, PUBLIC_ROUTE, principalOf } from './principal';

/** Query parameters people try for keys: refused by name, since URLs end up in logs and histories. */
const QUERY_KEY_NAMES = ['api_key', 'apikey', 'key', 'token', 'access_token'];

/** The key a request presents: `Authorization: Bearer KEY` or `X-API-Key: KEY`. */
export function presentedKey(req: Request): string | undefined {
  const bearer = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '')?.[1];
  const header = req.headers['x-api-key'];
  return bearer ?? (typeof header === 'string' && header ? header.trim() : undefined);
}

/** Checks the key a request presents; shared by the guard and the admin and MCP middleware. */
@Injectable()
export class ApiKeyAuth {
  readonly matcher: ApiKeyMatcher;

  constructor(config: AppConfig) {
    this.matcher = new ApiKeyMatcher(config.apiKeys);
  }

  get enabled(): boolean {
    return this.matcher.enabled;
  }

  /** The principal for this request: OPEN without keys, undefined when no valid key came. */
  authenticate(req: Request): Principal | undefined {
    if (!this.matcher.enabled) return OPEN_PRINCIPAL;
    const key = this.matcher.match(presentedKey(req));
    return key ? principalOf(key) : undefined;
  }

  /** The 401 for a request without a valid key, saying what was wrong with what it sent. */
  unauthorized(req: Request): DomainException {
    const inQuery = QUERY_KEY_NAMES.find((name) => req.query?.[name] !== undefined);
    if (inQuery) {
      return new DomainException(
        ErrorCode.UNAUTHORIZED,
        `Keys are not accepted in the query string (?${inQuery}=): URLs end up in logs and browser history. Send Authorization: Bearer KEY or X-API-Key: KEY`,
      );
    }
    const given = presentedKey(req) !== undefined;
    return new DomainException(
      ErrorCode.UNAUTHORIZED,
      given ? 'The API key is not valid' : 'An API key is required: send Authorization: Bearer KEY or X-API-Key: KEY',
    );
  }
}

/**
 * Every route needs a key once keys are configured, except those marked @Public(). The
 * principal is put on the request for the handlers and the rate limiter; admin pages and MCP
 * set it earlier in their own middleware (session cookie, JSON-RPC errors), and this guard
 * then leaves it as it is.
 */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  constructor(
    private readonly auth: ApiKeyAuth,
    private readonly reflector: Reflector,
  ) {}

  canActivate(context: ExecutionContext): boolean {
    if (context.getType() !== 'http') return true;
    const req = context.switchToHttp().getRequest<Request>();
    if (req.principal) return true;
    const principal = this.auth.authenticate(req);
    if (principal) {
      req.principal = principal;
      return true;
    }
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC_ROUTE, [context.getHandler(), context.getClass()])) return true;
    throw this.auth.unauthorized(req);
  }
}
