import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import puppeteer, { type Browser } from 'puppeteer-core';
import { DomainException } from '../common/errors/domain.exception';
import { ErrorCode } from '../common/errors/error-codes';

/** Where distributions put Chromium, in the order we try them when CHROMIUM_PATH is unset. */
export const CHROMIUM_CANDIDATES = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'];

/**
 * Flags beyond puppeteer's defaults (which already add --disable-background-networking,
 * --disable-sync, --no-first-run, --disable-dev-shm-usage, --hide-scrollbars, --headless=new).
 * Stated anyway where STACK.md names them, so the intent survives a puppeteer upgrade.
 */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  // The offline machine: without these Chromium keeps trying to reach Google services.
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
  '--disable-domain-reliability',
  '--no-pings',
  '--disable-extensions',
  '--disable-default-apps',
  // Defence in depth behind request interception: anything that still tried to fetch (a
  // prefetch, a browser-initiated request) goes to a closed local port, never the network.
  '--proxy-server=http://127.0.0.1:9',
  '--proxy-bypass-list=<-loopback>',
  // Docker gives /dev/shm 64 MB; big screenshots there crash the renderer.
  '--disable-dev-shm-usage',
  // Text pixels that do not depend on the host's fontconfig hinting settings.
  '--font-render-hinting=none',
  '--force-color-profile=srgb',
  '--hide-scrollbars',
  '--mute-audio',
  // Memory: no spare renderer warmed for a next tab, no back/forward cache of old documents.
  '--disable-features=SpareRendererForSitePerProcess,BackForwardCache,MediaRouter,OptimizationHints,Translate,AutofillServerCommunication,CertificateTransparencyComponentUpdater,InterestFeedContentSuggestions',
];

/** CHROMIUM_PATH when set, else the first candidate that exists; RENDER_ERROR when none does. */
export function findChromium(configured: string | undefined, exists: (file: string) => boolean = existsSync): string {
  if (configured) {
    if (!exists(configured)) {
      throw new DomainException(
        ErrorCode.RENDER_ERROR,
        `CHROMIUM_PATH=${configured} does not exist: install Chromium (apt-get install chromium fonts-nanum) or fix the path`,
      );
    }
    return configured;
  }
  const found = CHROMIUM_CANDIDATES.find((candidate) => exists(candidate));
  if (!found) {
    throw new DomainException(
      ErrorCode.RENDER_ERROR,
      `No Chromium found (tried ${CHROMIUM_CANDIDATES.join(', ')}): install it with apt-get install chromium fonts-nanum, or set CHROMIUM_PATH`,
    );
  }
  return found;
}

export interface LaunchedChromium {
  browser: Browser;
  /** A fresh profile per launch, removed once the process has gone. */
  userDataDir: string;
  pid: number | null;
}

const PROFILE_PREFIX = 'nanococoa-chromium-';
/** The node process that launched a profile's Chromium: a profile whose owner is gone is dead. */
const OWNER_FILE = 'nanococoa-owner.pid';

/**
 * Starts one headless Chromium over a pipe (no DevTools port is opened). Signal handling stays
 * with Nest's shutdown hooks: puppeteer's own SIGINT handler would exit the process mid-shutdown.
 */
export async function launchChromium(executablePath: string): Promise<LaunchedChromium> {
  const userDataDir = await mkdtemp(path.join(os.tmpdir(), PROFILE_PREFIX));
  try {
    await writeFile(path.join(userDataDir, OWNER_FILE), String(process.pid));
    // Chromium makes scratch dirs of its own (org.chromium.Chromium.*) in TMPDIR and leaves them
    // when killed: inside the profile they go with it.
    await mkdir(path.join(userDataDir, 'tmp'));
    const browser = await puppeteer.launch({
      env: { ...process.env, TMPDIR: path.join(userDataDir, 'tmp') },
      executablePath,
      headless: true,
      pipe: true,
      userDataDir,
      args: CHROMIUM_ARGS,
      handleSIGINT: false,
      handleSIGTERM: false,
      handleSIGHUP: false,
      timeout: 30_000,
      // Our own deadlines bound each render; this only stops a wedged call from hanging forever.
      protocolTimeout: 60_000,
    });
    return { browser, userDataDir, pid: browser.process()?.pid ?? null };
  } catch (error) {
    await removeProfile(userDataDir);
    const message = error instanceof Error ? error.message : String(error);
    throw new DomainException(ErrorCode.RENDER_ERROR, `Chromium (${executablePath}) failed to start: ${message}`);
  }
}

export async function removeProfile(userDataDir: string): Promise<void> {
  // Chromium may still be flushing the profile as it exits: a couple of retries, then give up.
  await rm(userDataDir, { recursive: true, force: true, maxRetries: 3, retryDelay: 100 }).catch(() => undefined);
}

/**
 * Removes the profiles of servers that died without closing their Chromium (SIGKILL, a crash):
 * each is owned by a pid that no longer runs. Profiles of live servers, this machine's other
 * instances included, stay; one without an owner file (being created) is left for a minute.
 */
export async function removeDeadProfiles(): Promise<number> {
  let removed = 0;
  for (const name of await readdir(os.tmpdir()).catch(() => [] as string[])) {
    if (!name.startsWith(PROFILE_PREFIX)) continue;
    const dir = path.join(os.tmpdir(), name);
    const owner = Number(await readFile(path.join(dir, OWNER_FILE), 'utf8').catch(() => NaN));
    const age = Date.now() - ((await stat(dir).catch(() => null))?.mtimeMs ?? Date.now());
    const dead = Number.isInteger(owner) ? !processExists(owner) : age > 60_000;
    if (!dead) continue;
    await removeProfile(dir);
    removed += 1;
  }
  return removed;
}

function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'; // alive, another user's
  }
}

/**
 * SIGKILLs the browser and every process it started. Puppeteer spawns Chromium as the leader of
 * its own process group, so one signal to the group also takes the zygotes and renderers, which
 * would otherwise linger as orphans after the browser process alone was killed.
 */
export function killChromium(launched: LaunchedChromium): void {
  const child = launched.browser.process();
  if (launched.pid === null) return;
  try {
    process.kill(-launched.pid, 'SIGKILL');
  } catch {
    // The group is already gone, or was never ours to signal: fall back to the process itself.
    child?.kill('SIGKILL');
  }
}

/** Resolves once the browser process has exited (immediately when it already has, or has none). */
export function processExited(launched: LaunchedChromium): Promise<void> {
  const child = launched.browser.process();
  if (!child || child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}
