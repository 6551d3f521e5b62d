import { findChromium } from '../../src/renderer/chromium-launch';

export type LighthouseScores = Record<'performance' | 'accessibility' | 'best-practices' | 'seo', number>;

/**
 * Lighthouse's mobile run (its default: a Moto G class phone, simulated slow 4G) against a real
 * URL, in Debian's Chromium, offline: the four category scores, 0-100.
 */
export async function lighthouseScores(url: string): Promise<{ scores: LighthouseScores; failing: string[]; unscored: string[] }> {
  const { launch } = await import('chrome-launcher');
  const lighthouse = (await import('lighthouse')).default;
  const chrome = await launch({ chromePath: findChromium(undefined), chromeFlags: ['--headless=new', '--no-sandbox', '--disable-gpu', '--no-first-run'] });
  try {
    const run = await lighthouse(url, { port: chrome.port, output: 'json', logLevel: 'error', onlyCategories: ['performance', 'accessibility', 'best-practices', 'seo'] });
    const lhr = run!.lhr;
    const scores = Object.fromEntries(Object.entries(lhr.categories).map(([id, c]) => [id, Math.round((c.score ?? 0) * 100)])) as LighthouseScores;
    // What cost points, for the failure message.
    const failing = Object.values(lhr.categories)
      .flatMap((c) => c.auditRefs.filter((r) => r.weight > 0).map((r) => lhr.audits[r.id]))
      .filter((a) => a.score !== null && a.score < 0.9)
      .map((a) => `${a.id}: ${a.score} ${JSON.stringify(a.details ?? a.explanation ?? '').slice(0, 300)}`);
    // A category Lighthouse could not score (a gatherer timed out on a loaded host) reads 0
    // above; this says which and why, so a bench row is not taken for a page's fault.
    const unscored = Object.values(lhr.categories)
      .filter((c) => c.score === null)
      .map((c) => `${c.id} not scored${lhr.runtimeError ? `: ${lhr.runtimeError.code}` : ''}${lhr.runWarnings.length ? ` (${lhr.runWarnings.join('; ').slice(0, 200)})` : ''}`);
    return { scores, failing, unscored };
  } finally {
    chrome.kill();
  }
}
