import { describe, it } from 'node:test';
import { expect } from 'expect';
import { DomainException } from '../common/errors/domain.exception';
import { ErrorCode } from '../common/errors/error-codes';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { CHROMIUM_ARGS, findChromium, launchChromium, removeDeadProfiles, removeProfile } from './chromium-launch';

describe('findChromium', () => {
  it('prefers CHROMIUM_PATH, else the first candidate that exists', () => {
    expect(findChromium('/opt/chrome/chrome', (file) => file === '/opt/chrome/chrome')).toBe('/opt/chrome/chrome');
    expect(findChromium(undefined, (file) => file === '/usr/bin/chromium-browser' || file === '/usr/bin/google-chrome')).toBe('/usr/bin/chromium-browser');
  });

  it('fails with RENDER_ERROR telling how to install Chromium', () => {
    for (const configured of [undefined, '/missing/chromium']) {
      let caught: unknown;
      try {
        findChromium(configured, () => false);
      } catch (error) {
        caught = error;
      }
      expect(caught).toBeInstanceOf(DomainException);
      expect((caught as DomainException).code).toBe(ErrorCode.RENDER_ERROR);
      expect((caught as DomainException).message).toContain('apt-get install chromium fonts-nanum');
    }
  });

  it('launches with the offline and sandbox flags STACK.md names', () => {
    for (const flag of ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic']) {
      expect(CHROMIUM_ARGS).toContain(flag);
    }
  });
});

describe('Chromium profiles in the temp folder', () => {
  it("keeps Chromium's own scratch dirs inside its profile, so they go with it", async () => {
    const launched = await launchChromium(findChromium(process.env.CHROMIUM_PATH));
    try {
      expect(readFileSync(path.join(launched.userDataDir, 'nanococoa-owner.pid'), 'utf8')).toBe(String(process.pid));
      const page = await launched.browser.newPage();
      await page.setContent('<p>한글</p>');
      await page.screenshot();
      // Chromium makes org.chromium.Chromium.* in TMPDIR while it draws: here, inside the profile.
      expect(readdirSync(path.join(launched.userDataDir, 'tmp')).some((name) => name.startsWith('org.chromium.'))).toBe(true);
    } finally {
      await launched.browser.close();
      await removeProfile(launched.userDataDir);
    }
    expect(existsSync(launched.userDataDir)).toBe(false);
  });

  it('removes the profiles of servers that are gone, keeps those of live ones and one being created', async () => {
    const gone = spawnSync(process.execPath, ['-e', '']).pid!; // a pid that has exited
    const profile = (owner: number | null) => {
      const dir = mkdtempSync(path.join(tmpdir(), 'nanococoa-chromium-'));
      if (owner !== null) writeFileSync(path.join(dir, 'nanococoa-owner.pid'), String(owner));
      return dir;
    };
    const dead = profile(gone);
    const live = profile(process.pid);
    const starting = profile(null);
    try {
      expect(await removeDeadProfiles()).toBeGreaterThanOrEqual(1);
      expect([existsSync(dead), existsSync(live), existsSync(starting)]).toEqual([false, true, true]);
    } finally {
      for (const dir of [dead, live, starting]) rmSync(dir, { recursive: true, force: true });
    }
  });
});
