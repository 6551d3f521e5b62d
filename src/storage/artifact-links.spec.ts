import { describe, it } from 'node:test';
import { expect } from 'expect';
import { loadConfig } from '../config/app-config';
import { ArtifactLinks } from './artifact-links';

const JOB = '550e8400-e29b-41d4-a716-446655440000';

describe('ArtifactLinks', () => {
  const keyed = loadConfig({ API_KEYS: 'a:aaaaaaaaaaaaaaaa1', LINK_TTL_SECONDS: '3600' });

  it('signs links that verify, expire on the hour after the TTL, and stay the same within the hour', () => {
    const links = new ArtifactLinks(keyed);
    const now = Date.UTC(2026, 10, 30, 12, 10);
    const url = links.url(JOB, 'final.png', now);
    expect(url).toMatch(new RegExp(`^/jobs/${JOB}/artifacts/final\\.png\\?expires=\\d+&signature=[\\w-]{43}$`));
    const query = Object.fromEntries(new URL(url, 'http://x').searchParams);
    expect(Number(query.expires)).toBe(Date.UTC(2026, 10, 30, 14) / 1000);
    expect(links.url(JOB, 'final.png', now + 40 * 60_000)).toBe(url);
    expect(() => links.verify(JOB, 'final.png', query, now)).not.toThrow();
    expect(() => links.verify(JOB.toUpperCase(), 'final.png', query, now)).not.toThrow();
    expect(() => links.verify(JOB, 'step1.png', query, now)).toThrow(expect.objectContaining({ code: 'LINK_INVALID' }));
    expect(() => links.verify(JOB, 'final.png', { ...query, expires: '99999999999' }, now)).toThrow(expect.objectContaining({ code: 'LINK_INVALID' }));
    expect(() => links.verify(JOB, 'final.png', query, now + 3 * 3600_000)).toThrow(expect.objectContaining({ code: 'LINK_EXPIRED' }));
  });

  it('leaves links plain on an open server, where files are open', () => {
    expect(new ArtifactLinks(loadConfig({})).url(JOB, 'final.png')).toBe(`/jobs/${JOB}/artifacts/final.png`);
  });

  it('is accepted by every instance with the same keys, and by none with others', () => {
    const url = new ArtifactLinks(keyed).url(JOB, 'final.png');
    const query = Object.fromEntries(new URL(url, 'http://x').searchParams);
    expect(() => new ArtifactLinks(loadConfig({ API_KEYS: 'a:aaaaaaaaaaaaaaaa1' })).verify(JOB, 'final.png', query)).not.toThrow();
    expect(() => new ArtifactLinks(loadConfig({ API_KEYS: 'a:aaaaaaaaaaaaaaaa2' })).verify(JOB, 'final.png', query)).toThrow();
    const secret = 'x'.repeat(40);
    const pinned = new ArtifactLinks(loadConfig({ API_KEYS: 'a:aaaaaaaaaaaaaaaa1', LINK_SECRET: secret })).url(JOB, 'final.png');
    const rotated = loadConfig({ API_KEYS: 'b:bbbbbbbbbbbbbbbb1', LINK_SECRET: secret });
    expect(() => new ArtifactLinks(rotated).verify(JOB, 'final.png', Object.fromEntries(new URL(pinned, 'http://x').searchParams))).not.toThrow();
  });
});
