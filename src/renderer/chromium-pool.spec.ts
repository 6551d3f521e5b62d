import { after, describe, it } from 'node:test';
import { expect } from 'expect';
import { DomainException, JobAbortedError } from '../common/errors/domain.exception';
import { ErrorCode } from '../common/errors/error-codes';
import { loadConfig } from '../config/app-config';
import { ChromiumPool } from './chromium-pool';
import { HtmlRendererService } from './html-renderer.service';
import type { RenderRequest } from './renderer.types';

// Real Chromium, no mocks. A 100k-row table keeps a renderer busy parsing and laying out for
// seconds with no network and no script: a dependable way to outlast a short deadline.
const HEAVY_HTML = `<table>${'<tr><td>가나다 text</td><td>x</td></tr>'.repeat(100_000)}</table>`;
const LIGHT = (text: string) => `<!doctype html><p id="t" style="margin:0;font-size:40px;display:inline-block">${text}</p>`;

async function waitFor(condition: () => boolean, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > until) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function failure(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected the render to fail');
}

describe('ChromiumPool (real Chromium)', () => {
  const pool = new ChromiumPool(loadConfig({}, { RENDER_PAGES: 2 }));
  const renderer = new HtmlRendererService(pool);
  const render = (request: Partial<RenderRequest> & { html: string }) => renderer.render({ width: 320, height: 120, fonts: [], ...request });
  after(() => pool.close());

  it('times a slow render out with RENDER_TIMEOUT, replaces its tab, and serves the next render', async () => {
    await render({ html: LIGHT('warm') });
    const before = pool.stats();
    const started = Date.now();
    const error = await failure(render({ html: HEAVY_HTML, timeoutMs: 300 }));
    expect(error).toBeInstanceOf(DomainException);
    expect((error as DomainException).code).toBe(ErrorCode.RENDER_TIMEOUT);
    // The deadline answered, not the multi-second layout.
    expect(Date.now() - started).toBeLessThan(1500);

    const next = await render({ html: LIGHT('next'), measure: ['#t'] });
    expect(next.boxes['#t']?.width).toBeGreaterThan(0);
    const stats = pool.stats();
    expect(stats.timeouts).toBe(before.timeouts + 1);
    expect(stats.pageRecycles).toBe(before.pageRecycles + 1);
    expect(stats.launches).toBe(before.launches);
    expect(stats.pages).toBeLessThanOrEqual(2);
  });

  it('stops with JobAbortedError when the job is stopped mid-render, and keeps serving', async () => {
    const stop = new AbortController();
    setTimeout(() => stop.abort(), 200);
    const error = await failure(render({ html: HEAVY_HTML, signal: stop.signal, timeoutMs: 20_000 }));
    expect(error).toBeInstanceOf(JobAbortedError);
    await expect(render({ html: LIGHT('after stop') })).resolves.toMatchObject({ overflow: false });
    const stopped = new AbortController();
    stopped.abort();
    await expect(render({ html: LIGHT('never'), signal: stopped.signal })).rejects.toBeInstanceOf(JobAbortedError);
  });

  it('runs renders side by side on separate tabs without mixing their documents', async () => {
    const texts = ['가', '가나다라', '가나다라마바사', '가나다라마바사아자차카'];
    const results = await Promise.all(texts.map((text) => render({ html: LIGHT(text), measure: ['#t'] })));
    const widths = results.map((result) => result.boxes['#t']?.width ?? 0);
    // Each result measured its own document: width grows with the text.
    expect([...widths].sort((a, b) => a - b)).toEqual(widths);
    expect(new Set(widths).size).toBe(texts.length);
    expect(pool.stats().pages).toBeLessThanOrEqual(2);
  });

  it('fails a render in flight with RENDER_ERROR when Chromium dies, then relaunches', async () => {
    await render({ html: LIGHT('warm') });
    const pid = pool.browserPid() as number;
    const before = pool.stats();
    const inFlight = failure(render({ html: HEAVY_HTML, timeoutMs: 20_000 }));
    setTimeout(() => process.kill(pid, 'SIGKILL'), 300);
    const started = Date.now();
    const error = await inFlight;
    expect(error).toBeInstanceOf(DomainException);
    expect((error as DomainException).code).toBe(ErrorCode.RENDER_ERROR);
    expect(Date.now() - started).toBeLessThan(5000);

    const next = await render({ html: LIGHT('relaunched'), measure: ['#t'] });
    expect(next.boxes['#t']?.width).toBeGreaterThan(0);
    expect(pool.browserPid()).not.toBe(pid);
    expect(pool.stats().launches).toBe(before.launches + 1);
    expect(pool.stats().crashes).toBe(before.crashes + 1);
  });

  it('relaunches after the browser process is killed between renders', async () => {
    await render({ html: LIGHT('warm') });
    const pid = pool.browserPid() as number;
    process.kill(pid, 'SIGKILL');
    await waitFor(() => !pool.stats().running, 5000);
    const result = await render({ html: LIGHT('again'), measure: ['#t'] });
    expect(result.boxes['#t']?.width).toBeGreaterThan(0);
    expect(pool.browserPid()).not.toBe(pid);
  });

  it('closes Chromium on shutdown and refuses later renders', async () => {
    const own = new ChromiumPool(loadConfig({}, { RENDER_PAGES: 1 }));
    await new HtmlRendererService(own).render({ html: LIGHT('x'), width: 64, height: 64, fonts: [] });
    const pid = own.browserPid() as number;
    expect(isAlive(pid)).toBe(true);
    await own.onApplicationShutdown();
    await waitFor(() => !isAlive(pid), 5000);
    await expect(new HtmlRendererService(own).render({ html: LIGHT('x'), width: 64, height: 64, fonts: [] })).rejects.toMatchObject({
      code: ErrorCode.RENDER_ERROR,
    });
  });
});
