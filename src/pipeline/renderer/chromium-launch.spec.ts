import { describe, it } from 'node:test';
import { expect } from 'expect';
import { DomainException } from '../../common/errors/domain.exception';
import { ErrorCode } from '../../common/errors/error-codes';
import { CHROMIUM_ARGS, findChromium } from './chromium-launch';

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
