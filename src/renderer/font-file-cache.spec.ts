import { describe, it } from 'node:test';
import { expect } from 'expect';
import { readFileSync } from 'node:fs';
import { fontContentType, FontFileCache, webSafeFontBytes } from './font-file-cache';

const NANUM_GOTHIC = '/usr/share/fonts/truetype/nanum/NanumGothic.ttf';

interface TableRecord {
  tag: string;
  offset: number;
  length: number;
}

function tableDirectory(bytes: Buffer): TableRecord[] {
  const count = bytes.readUInt16BE(4);
  return Array.from({ length: count }, (_, i) => {
    const record = 12 + i * 16;
    return { tag: bytes.toString('latin1', record, record + 4), offset: bytes.readUInt32BE(record + 8), length: bytes.readUInt32BE(record + 12) };
  });
}

describe('webSafeFontBytes', () => {
  it('drops the empty TSI3 and the other VTT source tables that make Chromium reject NanumGothic', () => {
    const original = readFileSync(NANUM_GOTHIC);
    const before = tableDirectory(original);
    expect(before.some((table) => table.tag === 'TSI3' && table.length === 0)).toBe(true);

    const cleaned = webSafeFontBytes(original);
    const after = tableDirectory(cleaned);
    expect(after.some((table) => table.tag.startsWith('TSI') || table.length === 0)).toBe(false);
    expect(after.map((table) => table.tag)).toEqual([...after.map((table) => table.tag)].sort());
    // Every table that draws glyphs comes through byte for byte, 4-byte aligned.
    const kept = before.filter((table) => !table.tag.startsWith('TSI') && table.length > 0);
    expect(after.map((table) => table.tag).sort()).toEqual(kept.map((table) => table.tag).sort());
    for (const table of kept) {
      const copy = after.find((candidate) => candidate.tag === table.tag);
      expect(copy && copy.offset % 4).toBe(0);
      expect(copy && cleaned.subarray(copy.offset, copy.offset + copy.length).equals(original.subarray(table.offset, table.offset + table.length))).toBe(true);
    }
    expect(cleaned.length).toBeLessThan(original.length);
  });

  it('returns clean fonts and non-sfnt data untouched', () => {
    const clean = webSafeFontBytes(readFileSync(NANUM_GOTHIC));
    expect(webSafeFontBytes(clean)).toBe(clean);
    const woff2 = Buffer.from('wOF2 not an sfnt at all');
    expect(webSafeFontBytes(woff2)).toBe(woff2);
  });
});

describe('FontFileCache', () => {
  it('reads a file once and serves it with its font content type', async () => {
    const cache = new FontFileCache();
    const first = await cache.get(NANUM_GOTHIC);
    expect(first.contentType).toBe('font/ttf');
    expect(await cache.get(NANUM_GOTHIC)).toBe(first);
    expect(fontContentType('/x/Brand.OTF')).toBe('font/otf');
    expect(fontContentType('/x/brand.woff2')).toBe('font/woff2');
  });

  it('does not remember a failed read, and evicts the least recently used file', async () => {
    const cache = new FontFileCache(1);
    await expect(cache.get('/nonexistent/font.ttf')).rejects.toThrow();
    expect(cache.size).toBe(0);
    await cache.get(NANUM_GOTHIC);
    await cache.get('/usr/share/fonts/truetype/nanum/NanumGothicBold.ttf');
    expect(cache.size).toBe(1);
  });
});
