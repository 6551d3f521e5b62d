import { createHash } from 'node:crypto';
import { closeSync, existsSync, fstatSync, mkdirSync, openSync, readSync, renameSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import type { FontAsset } from '../renderer/renderer.types';
import { buildStandaloneFace, containerOf, isCff, needsStandaloneCopy, readFaceDirectory, type ByteReader } from './sfnt';

/** A host no network resolves: the renderer answers these URLs itself, from FontAsset.path. */
export const FONT_ASSET_ORIGIN = 'https://fonts.nanococoa.internal';

export type CssFontFormat = 'truetype' | 'opentype' | 'woff' | 'woff2';

export interface ServedFont extends FontAsset {
  format: CssFontFormat;
}

/**
 * Turns (file, fontconfig index) into a URL the page loads and the path the renderer serves.
 * Most files are served as they are. A face of a collection, or a font Chromium's sanitizer
 * refuses for an empty table (see sfnt.ts), is copied once into `cacheDir` as a standalone font.
 *
 * Synchronous on purpose: FontsService.faceBundle is synchronous. The cost is a 12-byte header
 * read and a stat per file, once per process; a copy is written once per cache directory.
 */
export class FontAssetStore {
  private readonly memo = new Map<string, ServedFont | Error>();

  constructor(private readonly cacheDir: string) {}

  /** The asset for face `fcIndex` of `file`, or an Error saying why it cannot be served. */
  serve(file: string, fcIndex: number): ServedFont | Error {
    // The high 16 bits of a fontconfig index name a variable font's instance, not a face.
    const face = fcIndex & 0xffff;
    const key = `${file}\u0000${face}`;
    let served = this.memo.get(key);
    // A copy deleted under us (DATA_DIR cleaned while running) is written again.
    if (served && !(served instanceof Error) && served.path !== file && !existsSync(served.path)) served = undefined;
    if (!served) {
      try {
        served = this.prepare(file, face);
      } catch (error) {
        served = new Error(`${path.basename(file)} (face ${face}): ${error instanceof Error ? error.message : String(error)}`);
      }
      this.memo.set(key, served);
    }
    return served;
  }

  private prepare(file: string, face: number): ServedFont {
    const fd = openSync(file, 'r');
    try {
      const { size, mtimeMs } = fstatSync(fd);
      // Size and mtime in the id: a replaced file gets a new URL, so no cache serves the old bytes.
      const id = createHash('sha256').update(`${path.resolve(file)}\u0000${face}\u0000${size}\u0000${mtimeMs}`).digest('hex').slice(0, 24);
      const read = fdReader(fd, size);
      const container = containerOf(read(0, 4));
      if (container === 'woff' || container === 'woff2') return { url: `${FONT_ASSET_ORIGIN}/${id}.${container}`, path: file, format: container };
      if (container === 'unknown') throw new Error('not a TrueType, OpenType, collection or WOFF file');
      const directory = readFaceDirectory(read, face);
      const ext = isCff(directory) ? 'otf' : 'ttf';
      const format: CssFontFormat = isCff(directory) ? 'opentype' : 'truetype';
      const url = `${FONT_ASSET_ORIGIN}/${id}.${ext}`;
      if (!needsStandaloneCopy(container, directory)) return { url, path: file, format };
      const copy = path.join(this.cacheDir, `${id}.${ext}`);
      if (!existsSync(copy)) {
        mkdirSync(this.cacheDir, { recursive: true });
        // Write then rename: an instance sharing DATA_DIR never serves a half-written file.
        const partial = `${copy}.${process.pid}.partial`;
        writeFileSync(partial, buildStandaloneFace(read, directory));
        renameSync(partial, copy);
      }
      return { url, path: copy, format };
    } finally {
      closeSync(fd);
    }
  }
}

function fdReader(fd: number, size: number): ByteReader {
  return (offset, length) => {
    if (offset + length > size) throw new Error('the font file is truncated');
    const buffer = Buffer.alloc(length);
    let done = 0;
    while (done < length) {
      const n = readSync(fd, buffer, done, length - done, offset + done);
      if (n === 0) throw new Error('the font file is truncated');
      done += n;
    }
    return buffer;
  };
}
