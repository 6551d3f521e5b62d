import type { Request, Response } from 'express';
import { type Lang, type MessageKey, pickLang, translator } from './messages';

export const LANG_COOKIE = 'nc_lang';

export function cookies(req: Request): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const i = part.indexOf('=');
    if (i > 0) {
      try {
        out[part.slice(0, i).trim()] = decodeURIComponent(part.slice(i + 1).trim());
      } catch {
        /* a malformed cookie is ignored */
      }
    }
  }
  return out;
}

export interface ViewContext {
  lang: Lang;
  t: (key: MessageKey, vars?: Record<string, string | number>) => string;
  path: string;
  /** This page's URL in the other language. */
  otherLangUrl: string;
  fmtDate: (iso: string | null | undefined) => string;
  fmtSeconds: (s: number | null | undefined) => string;
  /** The CSRF token forms carry when API_KEY protects /admin ('' when it does not). */
  csrf: string;
}

/** The language for this request; ?lang= also sets a cookie so the choice sticks. */
export function viewContext(req: Request, res: Response): ViewContext {
  const lang = pickLang(req.query.lang, cookies(req)[LANG_COOKIE], req.headers['accept-language']);
  if (typeof req.query.lang === 'string' && req.query.lang === lang) {
    res.cookie(LANG_COOKIE, lang, { path: '/admin', sameSite: 'lax', maxAge: 365 * 24 * 3600 * 1000 });
  }
  const url = new URL(req.originalUrl, 'http://x');
  url.searchParams.set('lang', lang === 'ko' ? 'en' : 'ko');
  const locale = lang === 'ko' ? 'ko-KR' : 'en-GB';
  return {
    lang,
    t: translator(lang),
    path: url.pathname,
    otherLangUrl: url.pathname + url.search,
    fmtDate: (iso) => (iso ? new Date(iso).toLocaleString(locale, { dateStyle: 'medium', timeStyle: 'short' }) : '—'),
    fmtSeconds: (s) => (s === null || s === undefined ? '—' : s < 10 ? s.toFixed(1) : String(Math.round(s))),
    csrf: typeof res.locals.csrf === 'string' ? res.locals.csrf : '',
  };
}
