import { readFile } from 'node:fs/promises';
import * as path from 'node:path';

/** Content types Chromium expects for @font-face sources, by file extension. */
const FONT_CONTENT_TYPES: Record<string, string> = {
  '.ttf': 'font/ttf',
  '.otf': 'font/otf',
  '.woff2': 'font/woff2',
  '.woff': 'font/woff',
  '.ttc': 'font/collection',
};

export function fontContentType(filePath: string): string {
  return FONT_CONTENT_TYPES[path.extname(filePath).toLowerCase()] ?? 'application/octet-stream';
}

const SFNT_TRUETYPE = 0x00010000;
const SFNT_OPENTYPE_CFF = 0x4f54544f; // 'OTTO'
const SFNT_APPLE_TRUE = 0x74727565; // 'true'
const TABLE_RECORD_SIZE = 16;
const HEADER_SIZE = 12;

/**
 * Makes a TrueType/OpenType file acceptable to Chromium's font sanitizer (OTS), which rejects a
 * whole web font over one zero-length table. Debian's NanumGothic.ttf and NanumGothicBold.ttf
 * ship an empty TSI3 (Visual TrueType hinting *source*): served as-is they fail with "OTS parsing
 * error: TSI3: zero-length table" and the page silently falls back to another font. Dropping
 * empty tables and the VTT source tables (TSI*, never used to draw) keeps every glyph and its
 * compiled hinting. Anything that is not a plain sfnt (WOFF, WOFF2, collections) is returned
 * untouched.
 */
export function webSafeFontBytes(bytes: Buffer): Buffer {
  if (bytes.length < HEADER_SIZE) return bytes;
  const version = bytes.readUInt32BE(0);
  if (version !== SFNT_TRUETYPE && version !== SFNT_OPENTYPE_CFF && version !== SFNT_APPLE_TRUE) return bytes;
  const numTables = bytes.readUInt16BE(4);
  if (bytes.length < HEADER_SIZE + numTables * TABLE_RECORD_SIZE) return bytes;

  const tables: Array<{ tag: string; checksum: number; data: Buffer }> = [];
  let dropped = 0;
  for (let i = 0; i < numTables; i += 1) {
    const record = HEADER_SIZE + i * TABLE_RECORD_SIZE;
    const tag = bytes.toString('latin1', record, record + 4);
    const offset = bytes.readUInt32BE(record + 8);
    const length = bytes.readUInt32BE(record + 12);
    if (length === 0 || tag.startsWith('TSI') || offset + length > bytes.length) {
      dropped += 1;
      continue;
    }
    tables.push({ tag, checksum: bytes.readUInt32BE(record + 4), data: bytes.subarray(offset, offset + length) });
  }
  if (dropped === 0) return bytes;

  // The table directory must stay sorted by tag; each table starts on a 4-byte boundary.
  tables.sort((a, b) => (a.tag < b.tag ? -1 : a.tag > b.tag ? 1 : 0));
  const directorySize = HEADER_SIZE + tables.length * TABLE_RECORD_SIZE;
  const padded = (n: number) => (n + 3) & ~3;
  const total = tables.reduce((sum, table) => sum + padded(table.data.length), directorySize);
  const out = Buffer.alloc(total);
  const entrySelector = Math.floor(Math.log2(tables.length));
  const searchRange = 2 ** entrySelector * 16;
  out.writeUInt32BE(version, 0);
  out.writeUInt16BE(tables.length, 4);
  out.writeUInt16BE(searchRange, 6);
  out.writeUInt16BE(entrySelector, 8);
  out.writeUInt16BE(tables.length * 16 - searchRange, 10);
  let offset = directorySize;
  tables.forEach((table, i) => {
    const record = HEADER_SIZE + i * TABLE_RECORD_SIZE;
    out.write(table.tag, record, 4, 'latin1');
    // Table bytes are unchanged, so their own checksums still hold; OTS does not check the
    // whole-file checkSumAdjustment in 'head'.
    out.writeUInt32BE(table.checksum, record + 4);
    out.writeUInt32BE(offset, record + 8);
    out.writeUInt32BE(table.data.length, record + 12);
    table.data.copy(out, offset);
    offset += padded(table.data.length);
  });
  return out;
}

export interface FontFileBody {
  body: Buffer;
  contentType: string;
}

/**
 * Font bytes by path, read and sanitized once: a Hangul font is 4-5 MB and every render of a
 * fresh document asks for it again. A small LRU bounds memory when FONTS_DIR holds many files.
 */
export class FontFileCache {
  private readonly entries = new Map<string, Promise<FontFileBody>>();

  constructor(private readonly maxEntries = 24) {}

  get(filePath: string): Promise<FontFileBody> {
    const cached = this.entries.get(filePath);
    if (cached) {
      this.entries.delete(filePath);
      this.entries.set(filePath, cached);
      return cached;
    }
    const loading = readFile(filePath).then((bytes) => ({ body: webSafeFontBytes(bytes), contentType: fontContentType(filePath) }));
    // A failed read is not cached: the file may appear (fonts dir synced) before the next render.
    void loading.catch(() => this.entries.delete(filePath));
    this.entries.set(filePath, loading);
    while (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next().value;
      if (oldest === undefined) break;
      this.entries.delete(oldest);
    }
    return loading;
  }

  get size(): number {
    return this.entries.size;
  }
}
