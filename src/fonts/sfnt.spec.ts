import { describe, it, before, after } from 'node:test';
import { expect } from 'expect';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { FONT_ASSET_ORIGIN, FontAssetStore, type ServedFont } from './font-assets';
import { buildStandaloneFace, bufferReader, containerOf, needsStandaloneCopy, readFaceDirectory } from './sfnt';

const fontFile = (pattern: string): string => execFileSync('fc-match', ['--format', '%{file}', pattern], { encoding: 'utf8' });
const scan = (file: string): string[] => execFileSync('fc-scan', ['--format', '%{index}|%{family[0]}\n', file], { encoding: 'utf8' }).trim().split('\n');

/** A TrueType Collection of whole fonts, laid out as in the spec (each font's tables copied once). */
function collectionOf(fonts: Buffer[]): Buffer {
  const directories = fonts.map((font) => readFaceDirectory(bufferReader(font), 0));
  const headerLength = 12 + 4 * fonts.length;
  let offset = headerLength + directories.reduce((sum, d) => sum + 12 + 16 * d.tables.length, 0);
  const header = Buffer.alloc(headerLength);
  header.write('ttcf', 0, 'latin1');
  header.writeUInt32BE(0x00010000, 4);
  header.writeUInt32BE(fonts.length, 8);
  const dirs: Buffer[] = [];
  const data: Buffer[] = [];
  let dirOffset = headerLength;
  directories.forEach((directory, i) => {
    header.writeUInt32BE(dirOffset, 12 + 4 * i);
    const dir = Buffer.alloc(12 + 16 * directory.tables.length);
    fonts[i].copy(dir, 0, 0, 12);
    directory.tables.forEach((table, t) => {
      dir.write(table.tag, 12 + 16 * t, 'latin1');
      dir.writeUInt32BE(table.checksum, 16 + 16 * t);
      dir.writeUInt32BE(offset, 20 + 16 * t);
      dir.writeUInt32BE(table.length, 24 + 16 * t);
      const padded = Buffer.alloc((table.length + 3) & ~3);
      fonts[i].copy(padded, 0, table.offset, table.offset + table.length);
      data.push(padded);
      offset += padded.length;
    });
    dirs.push(dir);
    dirOffset += dir.length;
  });
  return Buffer.concat([header, ...dirs, ...data]);
}

describe('sfnt', () => {
  let dir: string;
  let sans: Buffer;
  let nanum: Buffer;
  let ttc: string;

  before(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'sfnt-'));
    sans = readFileSync(fontFile('DejaVu Sans'));
    nanum = readFileSync(fontFile('NanumGothic'));
    ttc = path.join(dir, 'pair.ttc');
    writeFileSync(ttc, collectionOf([sans, nanum]));
    // fontconfig reads our collection as two faces: the fixture itself is sound.
    expect(scan(ttc)).toEqual(['0|DejaVu Sans', '1|NanumGothic']);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('tells containers apart by their magic', () => {
    expect(containerOf(sans)).toBe('sfnt');
    expect(containerOf(readFileSync(ttc))).toBe('collection');
    expect(containerOf(Buffer.from('wOF2....'))).toBe('woff2');
    expect(containerOf(Buffer.from('<html>'))).toBe('unknown');
  });

  it('extracts one face of a collection, table for table', () => {
    const read = bufferReader(readFileSync(ttc));
    const face = readFaceDirectory(read, 1);
    expect(needsStandaloneCopy('collection', face)).toBe(true);
    const standalone = buildStandaloneFace(read, face);
    const original = readFaceDirectory(bufferReader(nanum), 0);
    const extracted = readFaceDirectory(bufferReader(standalone), 0);
    // Empty tables are dropped (NanumGothic's TSI3); every other table comes through byte for byte.
    const nonEmpty = original.tables.filter((t) => t.length > 0);
    expect(extracted.tables.map((t) => t.tag)).toEqual(nonEmpty.map((t) => t.tag));
    extracted.tables.forEach((table, i) => {
      expect(table.offset % 4).toBe(0);
      expect(standalone.subarray(table.offset, table.offset + table.length).equals(nanum.subarray(nonEmpty[i].offset, nonEmpty[i].offset + nonEmpty[i].length))).toBe(true);
    });
    expect(() => readFaceDirectory(read, 2)).toThrow('2 faces');
  });

  it('serves a collection face as a standalone font fontconfig reads as that face', () => {
    const store = new FontAssetStore(path.join(dir, 'cache'));
    const second = store.serve(ttc, 1) as ServedFont;
    expect(second).toMatchObject({ format: 'truetype', url: expect.stringMatching(new RegExp(`^${FONT_ASSET_ORIGIN}/[0-9a-f]{24}\\.ttf$`)) });
    expect(path.dirname(second.path)).toBe(path.join(dir, 'cache'));
    expect(scan(second.path)).toEqual(['0|NanumGothic']);
    const first = store.serve(ttc, 0) as ServedFont;
    expect(scan(first.path)).toEqual(['0|DejaVu Sans']);
    expect(first.url).not.toBe(second.url);
    // A named instance (high bits of fontconfig's index) is the same face and the same file.
    expect(store.serve(ttc, 0x10001)).toEqual(second);
  });

  it('serves a clean single font as it is, and refuses what is not a font', () => {
    const store = new FontAssetStore(path.join(dir, 'cache'));
    expect((store.serve(fontFile('DejaVu Sans'), 0) as ServedFont).path).toBe(fontFile('DejaVu Sans'));
    const junk = path.join(dir, 'junk.ttf');
    writeFileSync(junk, 'this is not a font');
    expect(store.serve(junk, 0)).toBeInstanceOf(Error);
    expect(store.serve(path.join(dir, 'gone.ttf'), 0)).toBeInstanceOf(Error);
  });
});
