import { tmpdir } from 'node:os';
import { Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import type { Page } from 'puppeteer-core';
import { DomainException, JobAbortedError, throwIfAborted } from '../common/errors/domain.exception';
import { ErrorCode } from '../common/errors/error-codes';
import { FairSemaphore } from '../common/fair-semaphore';
import { AppConfig } from '../config/app-config';
import { findChromium, killChromium, launchChromium, processExited, removeDeadProfiles, removeProfile, type LaunchedChromium } from './chromium-launch';
import { FontFileCache } from './font-file-cache';
import { PooledPage, type PageTraffic } from './pooled-page';
import type { FontAsset } from './renderer.types';

/** How long a recycled tab may take to close before the browser is judged wedged and killed. */
const CLOSE_GRACE_MS = 3_000;
/** How long a replacement tab may take to open; past it the next render opens one itself. */
const OPEN_GRACE_MS = 10_000;

export interface PageJob {
  fonts: FontAsset[];
  timeoutMs?: number;
  signal?: AbortSignal;
}

/** What /system shows about the renderer. Counters run since the process started. */
export interface ChromiumPoolStats {
  /** A browser is up (false before the first render and between a crash and the next render). */
  running: boolean;
  pid: number | null;
  /** Tabs open now (at most RENDER_PAGES), of which busy rendering. */
  pages: number;
  pagesBusy: number;
  /** Renders waiting for a tab. */
  queued: number;
  launches: number;
  /** Browsers that went away without being asked to (killed, crashed, OOM). */
  crashes: number;
  renders: number;
  /** Renders that failed, timeouts included, aborts not. */
  failures: number;
  timeouts: number;
  aborted: number;
  /** Tabs closed and replaced after a timeout, abort or failure. */
  pageRecycles: number;
  blockedRequests: number;
  fontsServed: number;
  fontFailures: number;
  fontFilesCached: number;
}

interface LiveBrowser extends LaunchedChromium {
  generation: number;
}

/**
 * Owns the one headless Chromium and its warm tabs. Chromium starts on the first render, not
 * at boot: a deployment that never renders text never pays its ~300 MB. Up to RENDER_PAGES
 * renders run at once, each on its own tab (its own renderer process); later ones queue in
 * arrival order. A tab that timed out, was aborted or failed mid-render is closed and replaced,
 * a browser that died is relaunched by the next render.
 */
@Injectable()
export class ChromiumPool implements OnApplicationShutdown {
  private readonly logger = new Logger(ChromiumPool.name);
  private readonly permits: FairSemaphore;
  private readonly fontCache = new FontFileCache();
  private readonly traffic: PageTraffic = { blockedRequests: 0, fontsServed: 0, fontFailures: 0 };
  private readonly counters = { launches: 0, crashes: 0, renders: 0, failures: 0, timeouts: 0, aborted: 0, pageRecycles: 0 };
  private live: LiveBrowser | null = null;
  private launching: Promise<LiveBrowser> | null = null;
  private idle: PooledPage[] = [];
  private readonly busy = new Set<PooledPage>();
  private generation = 0;
  private closed = false;

  constructor(private readonly config: AppConfig) {
    this.permits = new FairSemaphore(config.RENDER_PAGES);
  }

  /**
   * Runs `work` on a warm tab under the job's deadline (timeoutMs, else RENDER_TIMEOUT_MS,
   * counted from when the tab is handed over, so queueing and launching do not eat into it).
   */
  async withPage<T>(job: PageJob, work: (page: PooledPage) => Promise<T>): Promise<T> {
    throwIfAborted(job.signal);
    const release = await this.permits.acquire(job.signal);
    let page: PooledPage | null = null;
    let reusable = false;
    try {
      page = await this.takePage();
      if (job.signal?.aborted) {
        // Stopped while the tab was being fetched: the tab itself is untouched and goes back.
        reusable = true;
        throw new JobAbortedError();
      }
      page.allowFonts(job.fonts);
      this.busy.add(page);
      const result = await this.underDeadline(page, job, work);
      this.counters.renders += 1;
      reusable = true;
      return result;
    } catch (error) {
      // A refusal the work raised itself (a missing fit selector) leaves the tab in a known state.
      reusable ||= error instanceof DomainException && error.code === ErrorCode.RENDER_ERROR && page !== null && !page.broken;
      throw this.classify(error);
    } finally {
      if (page) {
        this.busy.delete(page);
        page.allowFonts([]);
      }
      if (page && reusable && this.isCurrent(page)) {
        this.idle.push(page);
        release();
      } else if (page) {
        // The permit stays held until the replacement tab is open, so the pool never overshoots.
        void this.recycle(page).finally(release);
      } else {
        release();
      }
    }
  }

  /**
   * Runs `work` on a fresh page in its own incognito context of the same browser, with page
   * JavaScript on: for auditing a whole page (axe-core), which the locked-down render tabs
   * cannot do. It takes a render permit like any render; the context is closed after.
   */
  async withIsolatedPage<T>(signal: AbortSignal | undefined, work: (page: Page) => Promise<T>): Promise<T> {
    throwIfAborted(signal);
    const release = await this.permits.acquire(signal);
    try {
      const live = await this.ensureBrowser();
      const context = await live.browser.createBrowserContext();
      try {
        const page = await context.newPage();
        const onAbort = () => void context.close().catch(() => undefined);
        signal?.addEventListener('abort', onAbort, { once: true });
        try {
          return await work(page);
        } finally {
          signal?.removeEventListener('abort', onAbort);
        }
      } finally {
        await context.close().catch(() => undefined);
      }
    } catch (error) {
      if (signal?.aborted) throw new JobAbortedError();
      throw error;
    } finally {
      release();
    }
  }

  stats(): ChromiumPoolStats {
    return {
      running: this.live !== null,
      pid: this.live?.pid ?? null,
      pages: this.idle.length + this.busy.size,
      pagesBusy: this.busy.size,
      queued: this.permits.queued,
      ...this.counters,
      ...this.traffic,
      fontFilesCached: this.fontCache.size,
    };
  }

  /** The browser's process id, null before the first render or after a crash. */
  browserPid(): number | null {
    return this.live?.pid ?? null;
  }

  async onApplicationShutdown(): Promise<void> {
    await this.close();
  }

  /** Closes the browser for good; later renders fail with RENDER_ERROR. */
  async close(): Promise<void> {
    this.closed = true;
    const live = this.live ?? (await this.launching?.catch(() => null)) ?? null;
    this.idle = [];
    if (!live) return;
    this.retire(live);
    let timer: NodeJS.Timeout | undefined;
    const graceful = live.browser.close().then(() => true, () => false);
    const expired = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), CLOSE_GRACE_MS)));
    if (!(await Promise.race([graceful, expired]))) killChromium(live);
    clearTimeout(timer);
    await processExited(live);
    await removeProfile(live.userDataDir);
  }

  private async takePage(): Promise<PooledPage> {
    const live = await this.ensureBrowser();
    while (this.idle.length > 0) {
      const page = this.idle.pop();
      if (page && !page.broken && page.generation === live.generation) return page;
    }
    return PooledPage.open(live.browser, live.generation, this.fontCache, this.traffic);
  }

  private ensureBrowser(): Promise<LiveBrowser> {
    if (this.closed) return Promise.reject(new DomainException(ErrorCode.RENDER_ERROR, 'The renderer has shut down'));
    if (this.live?.browser.connected) return Promise.resolve(this.live);
    // Renders that arrive while Chromium starts share the one launch.
    this.launching ??= this.launch().finally(() => (this.launching = null));
    return this.launching;
  }

  private async launch(): Promise<LiveBrowser> {
    const executable = findChromium(this.config.CHROMIUM_PATH);
    if (this.generation === 0) {
      const swept = await removeDeadProfiles();
      if (swept) this.logger.log(`removed ${swept} Chromium profile(s) left in ${tmpdir()} by servers that did not stop cleanly`);
    }
    const started = Date.now();
    const launched = await launchChromium(executable);
    const live: LiveBrowser = { ...launched, generation: ++this.generation };
    this.counters.launches += 1;
    if (this.closed) {
      await launched.browser.close().catch(() => undefined);
      await removeProfile(launched.userDataDir);
      throw new DomainException(ErrorCode.RENDER_ERROR, 'The renderer has shut down');
    }
    live.browser.once('disconnected', () => {
      if (this.live !== live) return;
      this.counters.crashes += 1;
      this.logger.warn(`Chromium (pid ${live.pid ?? '?'}) went away; the next render starts a new one`);
      this.retire(live);
      // Whatever of it still runs (renderers of a browser that lost its pipe) goes too.
      killChromium(live);
      void processExited(live).then(() => removeProfile(live.userDataDir));
    });
    this.live = live;
    // The launch's own about:blank tab would otherwise idle beside ours, costing a renderer.
    const [initial] = await live.browser.pages();
    if (initial) {
      await PooledPage.open(live.browser, live.generation, this.fontCache, this.traffic, initial).then(
        (page) => this.idle.push(page),
        (error: unknown) => this.logger.debug(`initial tab not adopted: ${String(error)}`),
      );
    }
    this.logger.log(`Chromium ${executable} (pid ${live.pid ?? '?'}) started in ${Date.now() - started} ms`);
    return live;
  }

  /** Forgets a browser: its tabs are useless, and renders still on them fail now, not at their deadline. */
  private retire(live: LiveBrowser): void {
    if (this.live === live) this.live = null;
    this.idle = this.idle.filter((page) => page.generation !== live.generation);
    for (const page of this.busy) if (page.generation === live.generation) page.markBroken('Chromium exited');
  }

  private isCurrent(page: PooledPage): boolean {
    return !page.broken && this.live !== null && page.generation === this.live.generation && this.live.browser.connected;
  }

  /** Closes a tab whose state is unknown and opens a fresh one in its place. Never rejects. */
  private async recycle(page: PooledPage): Promise<void> {
    this.counters.pageRecycles += 1;
    const closed = await page.close(CLOSE_GRACE_MS);
    const live = this.live;
    if (!live || live.generation !== page.generation || this.closed) return;
    if (!closed) {
      // The browser itself stopped answering (seen: compositing a frame with thousands of
      // filters). Killing it is the only way back; the next render relaunches.
      this.logger.warn(`A Chromium tab did not close within ${CLOSE_GRACE_MS} ms; killing the browser (pid ${live.pid ?? '?'})`);
      this.retire(live);
      killChromium(live);
      void processExited(live).then(() => removeProfile(live.userDataDir));
      return;
    }
    let timer: NodeJS.Timeout | undefined;
    const opening = PooledPage.open(live.browser, live.generation, this.fontCache, this.traffic);
    const expired = new Promise<null>((resolve) => (timer = setTimeout(() => resolve(null), OPEN_GRACE_MS)));
    const fresh = await Promise.race([opening, expired]).catch(() => null);
    clearTimeout(timer);
    if (!fresh) {
      // Too slow or failed: if it opens later anyway, close it rather than let it exceed the pool.
      void opening.then((late) => late.close(CLOSE_GRACE_MS)).catch(() => undefined);
      return;
    }
    if (this.isCurrent(fresh)) this.idle.push(fresh);
    else await fresh.close(CLOSE_GRACE_MS);
  }

  private underDeadline<T>(page: PooledPage, job: PageJob, work: (page: PooledPage) => Promise<T>): Promise<T> {
    const timeoutMs = job.timeoutMs ?? this.config.RENDER_TIMEOUT_MS;
    return new Promise<T>((resolve, reject) => {
      let settled = false;
      let unsubscribe = () => {};
      const finish = (settle: () => void) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        job.signal?.removeEventListener('abort', onAbort);
        unsubscribe();
        settle();
      };
      const timer = setTimeout(() => {
        this.counters.timeouts += 1;
        finish(() => reject(new DomainException(ErrorCode.RENDER_TIMEOUT, `Rendering the text layer took longer than ${timeoutMs} ms`, { timeoutMs })));
      }, timeoutMs);
      const onAbort = () => finish(() => reject(new JobAbortedError()));
      job.signal?.addEventListener('abort', onAbort, { once: true });
      unsubscribe = page.onBroken((error) => finish(() => reject(error)));
      // When the deadline won, the work's late outcome lands here and is dropped.
      work(page).then(
        (value) => finish(() => resolve(value)),
        (error: unknown) => finish(() => reject(error)),
      );
    });
  }

  /** Our own errors pass through; anything from puppeteer becomes RENDER_ERROR. Counts as it goes. */
  private classify(error: unknown): Error {
    if (error instanceof JobAbortedError) {
      this.counters.aborted += 1;
      return error;
    }
    this.counters.failures += 1;
    if (error instanceof DomainException) return error;
    const message = error instanceof Error ? error.message : String(error);
    return new DomainException(ErrorCode.RENDER_ERROR, `Chromium failed to render: ${message}`);
  }
}
