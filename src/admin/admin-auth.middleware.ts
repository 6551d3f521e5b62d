import { Injectable, NestMiddleware } from '@nestjs/common';
import { createHmac } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import type { ApiKey } from '../config/api-keys';
import { ApiKeyAuth } from '../auth/api-key.guard';
import { OPEN_PRINCIPAL, principalOf } from '../auth/principal';
import { safeEqual } from '../common/net';
import { cookies } from './admin-context';

export const SESSION_COOKIE = 'nc_admin';

/**
 * The session cookie's value: the key's name and an HMAC keyed by its secret, so the secret
 * never sits in a browser, and rotating or removing the key ends its sessions.
 */
export function sessionToken(key: ApiKey): string {
  return `${key.name}.${createHmac('sha256', key.secret).update(`nanococoa-admin-session-v2:${key.name}`).digest('base64url')}`;
}

/** The CSRF token forms carry: bound to the session, unknown to other sites. */
export function csrfToken(key: ApiKey): string {
  return createHmac('sha256', key.secret).update(`csrf:${sessionToken(key)}`).digest('base64url');
}

/**
 * Once keys are configured, /admin asks for an admin key once (GET /admin/login) and then
 * knows the browser by an httpOnly, SameSite=Strict cookie; every POST must also carry the
 * CSRF token (a hidden field, or ?_csrf= on the multipart form, whose body is parsed later).
 * The session's principal goes on the request, so the API guard lets these routes be.
 * Without keys, /admin is open.
 */
@Injectable()
export class AdminAuthMiddleware implements NestMiddleware {
  constructor(private readonly auth: ApiKeyAuth) {}

  /** The admin key a session cookie stands for, if it is valid. */
  sessionKey(req: Request): ApiKey | undefined {
    const token = cookies(req)[SESSION_COOKIE];
    const name = token?.slice(0, token.indexOf('.'));
    const key = this.auth.matcher.keys.find((k) => k.admin && k.name === name);
    return key && safeEqual(token, sessionToken(key)) ? key : undefined;
  }

  use(req: Request, res: Response, next: NextFunction): void {
    res.locals.authEnabled = this.auth.enabled;
    res.locals.csrf = '';
    if (!this.auth.enabled) {
      req.principal = OPEN_PRINCIPAL;
      return next();
    }
    const key = this.sessionKey(req);
    if (!key) {
      if (req.method === 'GET' || req.method === 'HEAD') {
        res.redirect(303, `/admin/login?next=${encodeURIComponent(req.originalUrl)}`);
      } else {
        res.status(401).type('text/plain').send('Sign in at /admin/login first.');
      }
      return;
    }
    res.locals.csrf = csrfToken(key);
    if (req.method === 'POST') {
      const body = req.body as Record<string, unknown> | undefined;
      const token = typeof body?._csrf === 'string' ? body._csrf : typeof req.query._csrf === 'string' ? req.query._csrf : undefined;
      if (!safeEqual(token, csrfToken(key))) {
        res.status(403).type('text/plain').send('This form is out of date or came from another site (CSRF check failed). Reload the page and try again.');
        return;
      }
    }
    req.principal = principalOf(key);
    next();
  }
}
