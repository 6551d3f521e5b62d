import { Body, Controller, Get, HttpCode, Post, Query, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { ApiKeyAuth } from '../auth/api-key.guard';
import { Public } from '../auth/principal';
import { SESSION_COOKIE, sessionToken } from './admin-auth.middleware';
import { viewContext } from './admin-context';

/** Only same-site admin paths are followed after signing in (no open redirect). */
const safeNext = (next: unknown) => (typeof next === 'string' && /^\/admin(\/|$|\?)/.test(next) && !next.startsWith('//') ? next : '/admin');

/** Signing in with an admin key (API_KEY, or an API_KEYS entry marked :admin). */
@ApiExcludeController()
@Public()
@Controller('admin')
export class AdminLoginController {
  constructor(private readonly auth: ApiKeyAuth) {}

  @Get('login')
  login(@Req() req: Request, @Res() res: Response, @Query('next') next?: string): void {
    if (!this.auth.enabled) return res.redirect(303, '/admin');
    res.render('login', { ...viewContext(req, res), next: safeNext(next), error: null });
  }

  @Post('login')
  @HttpCode(303)
  signIn(@Req() req: Request, @Res() res: Response, @Body() body: Record<string, unknown>): void {
    if (!this.auth.enabled) return res.redirect(303, '/admin');
    const key = this.auth.matcher.match(typeof body.api_key === 'string' ? body.api_key.trim() : undefined);
    if (!key?.admin) {
      const ctx = viewContext(req, res);
      res.status(key ? 403 : 401).render('login', { ...ctx, next: safeNext(body.next), error: ctx.t(key ? 'login.not_admin' : 'login.wrong') });
      return;
    }
    res.cookie(SESSION_COOKIE, sessionToken(key), { httpOnly: true, sameSite: 'strict', path: '/admin', secure: req.secure });
    res.redirect(303, safeNext(body.next));
  }

  @Post('logout')
  signOut(@Res() res: Response): void {
    res.clearCookie(SESSION_COOKIE, { path: '/admin' });
    res.redirect(303, this.auth.enabled ? '/admin/login' : '/admin');
  }
}
