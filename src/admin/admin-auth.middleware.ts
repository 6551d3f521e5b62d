import { Injectable, NestMiddleware } from '@nestjs/common';
import { createHmac } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import { safeEqual } from '../common/net';
import { AppConfig } from '../config/app-config';
import { cookies } from './admin-context';

export const SESSION_COOKIE = 'nc_admin';

/** The session cookie's value: an HMAC of the key, so the key itself never sits in a browser. */
export function sessionToken(key: string): string {
  return createHmac('sha256', key).update('nanococoa-admin-session-v1').digest('base64url');
}

/** The CSRF token forms carry: bound to the session, unknown to other sites. */
export function csrfToken(key: string): string {
  return createHmac('sha256', key).update(`csrf:${sessionToken(key)}`).digest('base64url');
}

/**
 * With API_KEY set, /admin asks for it once (GET /admin/login) and then knows the browser by an
 * httpOnly, SameSite=Strict cookie; every POST must also carry the CSRF token (a hidden field,
 * or ?_csrf= on the multipart form, whose body is parsed later). Without API_KEY, /admin is open.
 */
@Injectable()
export class AdminAuthMiddleware implements NestMiddleware {
  constructor(private readonly config: AppConfig) {}

  use(req: Request, res: Response, next: NextFunction): void {
    const key = this.config.API_KEY;
    res.locals.csrf = key ? csrfToken(key) : '';
    res.locals.authEnabled = Boolean(key);
    if (!key) return next();
    if (!safeEqual(cookies(req)[SESSION_COOKIE], sessionToken(key))) {
      if (req.method === 'GET' || req.method === 'HEAD') {
        res.redirect(303, `/admin/login?next=${encodeURIComponent(req.originalUrl)}`);
      } else {
        res.status(401).type('text/plain').send('Sign in at /admin/login first.');
      }
      return;
    }
    if (req.method === 'POST') {
      const body = req.body as Record<string, unknown> | undefined;
      const token = typeof body?._csrf === 'string' ? body._csrf : typeof req.query._csrf === 'string' ? req.query._csrf : undefined;
      if (!safeEqual(token, csrfToken(key))) {
        res.status(403).type('text/plain').send('This form is out of date or came from another site (CSRF check failed). Reload the page and try again.');
        return;
      }
    }
    next();
  }
}
