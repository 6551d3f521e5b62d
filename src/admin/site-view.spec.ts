import { describe, it } from 'node:test';
import { expect } from 'expect';
import type { JobStatusDto } from '../jobs/dto/job-status.dto';
import { siteView } from './site-view';

const ID = '550e8400-e29b-41d4-a716-446655440000';
const link = (name: string) => `/jobs/${ID}/artifacts/${name}?expires=1&signature=x`;

/** A finished homepage job as /status gives it, with an audit that found problems. */
function job(overrides: Partial<JobStatusDto> = {}): JobStatusDto {
  return {
    job_id: ID,
    kind: 'homepage',
    status: 'completed',
    artifacts: ['site.zip', 'screenshot_desktop.png', 'screenshot_phone.png', 'ad1_final.png'].map((name) => ({ name, mime: '', bytes: 1, sha256: '', url: link(name) })),
    result: {
      site_url: `https://sites.example.com/${ID}/`,
      zip_url: `/homepage/${ID}/site.zip`,
      files: [{ name: 'index.html', bytes: 3000 }, { name: 'p1-320.webp', bytes: 9288 }],
      theme: 'fresh',
      colors: { accent: '#1d6b44', surface: '#f5fbf7', ink: '#14241b', muted: '#45574b' },
      made_ads: ['ad1_final.png'],
      generator: 'embedded templates',
      screenshots: { desktop: 'screenshot_desktop.png', phone: 'screenshot_phone.png' },
      audit: {
        axe: { violations: [{ id: 'color-contrast', impact: 'serious', help: 'Elements must meet contrast thresholds', nodes: 3 }, { id: 'region', impact: 'moderate', help: 'Content in landmarks', nodes: 1 }], passes: 30, serious_or_critical: 1 },
        html_validate: { errors: [], warnings: 2 },
        outside_requests: ['https://fonts.example.com/a.css'],
        csp_violations: [],
        page_weight_bytes: 51_712,
        horizontal_scroll_390: true,
      },
    },
    ...overrides,
  } as unknown as JobStatusDto;
}

describe('siteView (the job page of a homepage job)', () => {
  it('fails each check the audit found a problem for, and the site as a whole', () => {
    const view = siteView(job())!;
    expect(view.checks.map((c) => [c.label, c.ok, c.valueKey ?? c.value])).toEqual([
      ['site.axe', false, '1'],
      ['site.html', true, '0'],
      ['site.outside', false, '1'],
      ['site.csp', true, '0'],
      ['site.scroll', false, 'job.yes'],
      ['site.weight', null, '51 KB'],
    ]);
    expect(view.passed).toBe(false);
    expect(view.violations).toHaveLength(2);
    expect(view.kb).toBe(12);
    expect(view.accent).toBe('#1d6b44');
  });

  it('links the files by their signed job-file URLs, which an admin session can open without a key', () => {
    const view = siteView(job())!;
    expect(view).toMatchObject({ url: `https://sites.example.com/${ID}/`, zip: link('site.zip'), zipName: 'site-550e8400.zip', desktop: link('screenshot_desktop.png'), phone: link('screenshot_phone.png') });
    expect(view.madeAds).toEqual([{ name: 'ad1_final.png', url: link('ad1_final.png') }]);
  });

  it('is for finished homepage jobs only', () => {
    expect(siteView(job({ status: 'running' }))).toBeNull();
    expect(siteView(job({ kind: 'ad' }))).toBeNull();
  });
});
