import type { JobStatusDto } from '../jobs/dto/job-status.dto';
import { type HomepageParameters, SITE_PREFIX } from '../homepage/homepage.job-handler';
import type { SiteAudit } from '../homepage/site-audit.service';
import type { ViewContext } from './admin-context';
import type { MessageKey } from './messages';

/** What a finished homepage job's result holds (homepage.job-handler.ts). */
interface HomepageResult {
  site_url: string;
  zip_url: string;
  files: Array<{ name: string; bytes: number }>;
  theme: string;
  colors: { accent: string };
  made_ads: string[];
  generator: string;
  screenshots: { desktop: string; phone: string };
  audit: Omit<SiteAudit, 'screenshots'>;
  /** Jobs from before the share card have none. */
  share_card?: { file: string; url: string | null; bytes: number };
}

/** One line of the audit table: `ok` null for a measurement that has no pass or fail. */
interface AuditCheck {
  label: MessageKey;
  value: string;
  valueKey?: MessageKey;
  ok: boolean | null;
}

/**
 * A finished site, shaped for the job page; null for other jobs. Files are linked by their
 * signed artifact URLs, not result.zip_url: the browser holds an admin cookie, not an API key,
 * and /homepage/{id}/site.zip asks for a key once keys are set.
 */
export function siteView(s: JobStatusDto) {
  if (s.kind !== 'homepage' || s.status !== 'completed') return null;
  const r = s.result as unknown as HomepageResult;
  const url = (name: string) => s.artifacts.find((a) => a.name === name)?.url ?? null;
  const a = r.audit;
  const checks: AuditCheck[] = [
    { label: 'site.axe', value: String(a.axe.serious_or_critical), ok: a.axe.serious_or_critical === 0 },
    { label: 'site.html', value: String(a.html_validate.errors.length), ok: a.html_validate.errors.length === 0 },
    { label: 'site.outside', value: String(a.outside_requests.length), ok: a.outside_requests.length === 0 },
    { label: 'site.csp', value: String(a.csp_violations.length), ok: a.csp_violations.length === 0 },
    { label: 'site.scroll', value: '', valueKey: a.horizontal_scroll_390 ? 'job.yes' : 'job.no', ok: !a.horizontal_scroll_390 },
    // No budget is set for the weight (docs/homepage.md): shown, not judged.
    { label: 'site.weight', value: `${Math.round(a.page_weight_bytes / 1024)} KB`, ok: null },
  ];
  return {
    url: r.site_url,
    zip: url('site.zip'),
    zipName: `site-${s.job_id.slice(0, 8)}.zip`,
    desktop: url(r.screenshots.desktop),
    phone: url(r.screenshots.phone),
    theme: r.theme,
    accent: /^#[0-9a-f]{6}$/i.test(r.colors?.accent ?? '') ? r.colors.accent : null,
    generator: r.generator,
    files: r.files.length,
    kb: Math.round(r.files.reduce((sum, f) => sum + f.bytes, 0) / 1024),
    madeAds: r.made_ads.map((name) => ({ name, url: url(name) })),
    // The card is always made; without a public URL the page cannot point shared links at it.
    shareCard: r.share_card ? { image: url(`${SITE_PREFIX}${r.share_card.file}`), published: r.share_card.url !== null } : null,
    checks,
    passed: checks.every((c) => c.ok !== false),
    violations: a.axe.violations,
    axePasses: a.axe.passes,
    htmlErrors: a.html_validate.errors,
    htmlWarnings: a.html_validate.warnings,
    outside: a.outside_requests,
    csp: a.csp_violations,
  };
}

/** A homepage job's inputs for the job page's "Inputs" panel, every line with its label. */
export function homepageInputs(params: object, ctx: Pick<ViewContext, 'label' | 't'>): Array<[MessageKey, string]> {
  const p = params as HomepageParameters;
  const b = p.business ?? ({} as HomepageParameters['business']);
  return [
    ['hp.name', b.name ?? ''],
    ['hp.category', b.category ?? ''],
    ['hp.tagline', b.tagline ?? ''],
    ['hp.phone', b.phone ?? ''],
    ['hp.address', b.address ?? ''],
    ['hp.style', b.style ?? ''],
    ['hp.language', ctx.label('lang.', b.language ?? 'ko')],
    ['hp.products', (p.products ?? []).map((x) => x.name).join(', ')],
    ['input.make_ads', ctx.t(p.make_ads ? 'job.yes' : 'job.no')],
    ['input.seed', p.seed === undefined ? '' : String(p.seed)],
  ];
}
