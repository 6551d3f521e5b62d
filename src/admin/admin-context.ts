import type { Request, Response } from 'express';
import { type Lang, MESSAGES, type MessageKey, pickLang, translator } from './messages';

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
  /** A stage's name for people: 'segment' or its label 'step1_segment' -> '제품 누끼'. */
  stage: (id: string | null | undefined) => string;
  /** Every stage label the live page may receive, translated, for its script. */
  stageNames: Record<string, string>;
  /** A value's name, label('kind.', 'ad') -> '광고'; the value itself when it has none. */
  label: (prefix: string, value: string | null | undefined) => string;
}

/** The language for this request; ?lang= also sets a cookie so the choice sticks. */
export function viewContext(req: Request, res: Response): ViewContext {
  const lang = pickLang(req.query.lang, cookies(req)[LANG_COOKIE], req.headers['accept-language']);
  if (typeof req.query.lang === 'string' && req.query.lang === lang) {
    res.cookie(LANG_COOKIE, lang, { path: '/admin', sameSite: 'lax', maxAge: 365 * 24 * 3600 * 1000 });
  }
  const url = new URL(req.originalUrl, 'http://x');
  url.searchParams.set('lang', lang === 'ko' ? 'en' : 'ko');
  const t = translator(lang);
  return {
    lang,
    t,
    path: url.pathname,
    otherLangUrl: url.pathname + url.search,
    // Written out by hand: Node's bundled locale data prints "PM" in Korean dates.
    fmtDate: (iso) => (iso ? formatDate(new Date(iso), lang) : '—'),
    fmtSeconds: (s) => (s === null || s === undefined ? '—' : s < 10 ? s.toFixed(1) : String(Math.round(s))),
    csrf: typeof res.locals.csrf === 'string' ? res.locals.csrf : '',
    stage: (id) => stageName(t, id),
    stageNames: Object.fromEntries(STAGES.flatMap((s) => [s, `step1_${s}`, `step2_${s}`, s.replace(/_/g, ' ')].map((label) => [label, stageName(t, label)]))),
    label: (prefix, value) => {
      if (value === null || value === undefined) return '';
      const key = prefix + value;
      return isKey(key) ? t(key) : value;
    },
  };
}

const isKey = (key: string): key is MessageKey => key in MESSAGES.ko;

// Every stage with a name: the ad pipeline's, a homepage job's and a decomposition's steps.
const STAGES = Object.keys(MESSAGES.ko).flatMap((k) => (k.startsWith('stage.') ? [k.slice('stage.'.length)] : []));

/** 'step1_segment' -> 'segment'; 'share card' (a homepage step) -> 'share_card'; then its name, or the id as it came. */
function stageName(t: ViewContext['t'], id: string | null | undefined): string {
  if (!id) return '';
  const key = `stage.${id.replace(/^step[12]_/, '').replace(/_report$/, '').replace(/ /g, '_')}`;
  return isKey(key) ? t(key) : id;
}

function formatDate(d: Date, lang: Lang): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  const time = `${pad(d.getHours())}:${pad(d.getMinutes())}`;
  return lang === 'ko'
    ? `${d.getFullYear()}년 ${d.getMonth() + 1}월 ${d.getDate()}일 ${time}`
    : `${d.getDate()} ${['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'][d.getMonth()]} ${d.getFullYear()}, ${time}`;
}
