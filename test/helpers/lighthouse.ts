import { findChromium } from '../../src/pipeline/renderer/chromium-launch';

export type LighthouseScores = Record<'performance' | 'accessibility' | 'best-practices' | 'seo', number>;

/**
 * Lighthouse's mobile run (its default: a Moto G class phone, simulated slow 4G) against a real
 * URL, in Debian's Chromium, offline: the four category scores, 0-100.
 */
export async function lighthouseScores(url: string): Promise<{ scores: LighthouseScores; failing: string[] }> {
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
    return { scores, failing };
  } finally {
    chrome.kill();
  }
}
