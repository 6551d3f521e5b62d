import { Body, Controller, Get, HttpCode, Post, Query, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { AppConfig } from '../config/app-config';
import { safeEqual } from '../common/net';
import { SESSION_COOKIE, sessionToken } from './admin-auth.middleware';
import { viewContext } from './admin-context';

/** Only same-site admin paths are followed after signing in (no open redirect). */
const safeNext = (next: unknown) => (typeof next === 'string' && /^\/admin(\/|$|\?)/.test(next) && !next.startsWith('//') ? next : '/admin');

@ApiExcludeController()
@Controller('admin')
export class AdminLoginController {
  constructor(private readonly config: AppConfig) {}

  @Get('login')
  login(@Req() req: Request, @Res() res: Response, @Query('next') next?: string): void {
    if (!this.config.API_KEY) return res.redirect(303, '/admin');
    res.render('login', { ...viewContext(req, res), next: safeNext(next), error: null });
  }

  @Post('login')
  @HttpCode(303)
  signIn(@Req() req: Request, @Res() res: Response, @Body() body: Record<string, unknown>): void {
    const key = this.config.API_KEY;
    if (!key) return res.redirect(303, '/admin');
    if (!safeEqual(typeof body.api_key === 'string' ? body.api_key : undefined, key)) {
      const ctx = viewContext(req, res);
      res.status(401).render('login', { ...ctx, next: safeNext(body.next), error: ctx.t('login.wrong') });
      return;
    }
    res.cookie(SESSION_COOKIE, sessionToken(key), { httpOnly: true, sameSite: 'strict', path: '/admin', secure: req.secure });
    res.redirect(303, safeNext(body.next));
  }

  @Post('logout')
  signOut(@Res() res: Response): void {
    res.clearCookie(SESSION_COOKIE, { path: '/admin' });
    res.redirect(303, this.config.API_KEY ? '/admin/login' : '/admin');
  }
}
