/**
 * Just enough of the OpenType container format to hand Chromium a face it will accept.
 *
 * Two things were verified against Chromium 156 on this project's Debian image:
 *  - @font-face with a TTC loads, but always uses face 0 (CSS has no way to pick another), so
 *    "Noto Sans CJK KR" (face 1 of NotoSansCJK.ttc) would silently render as the JP face.
 *  - Chromium's sanitizer (OTS) refuses a whole font that has a zero-length table: Debian's
 *    NanumGothic.ttf and NanumGothicBold.ttf carry an empty TSI3 table and fail with
 *    "OTS parsing error: TSI3: zero-length table", so the default Korean font would not load.
 * Both are fixed the same way: copy the face's non-empty tables into a standalone font file.
 */

/** Reads `length` bytes at `offset`; throws if the file is shorter. */
export type ByteReader = (offset: number, length: number) => Buffer;

export type FontContainer = 'sfnt' | 'collection' | 'woff' | 'woff2' | 'unknown';

export interface TableRecord {
  tag: string;
  checksum: number;
  offset: number;
  length: number;
}

export interface FaceDirectory {
  /** 0x00010000 or 'true' for TrueType outlines, 'OTTO' for CFF outlines. */
  sfntVersion: number;
  tables: TableRecord[];
}

const OTTO = 0x4f54544f;
const MAX_TABLES = 512;
const MAX_FACES = 4096;

export function containerOf(magic: Buffer): FontContainer {
  switch (magic.toString('latin1', 0, 4)) {
    case 'ttcf':
      return 'collection';
    case 'wOFF':
      return 'woff';
    case 'wOF2':
      return 'woff2';
    case 'OTTO':
    case 'true':
    case '\u0000\u0001\u0000\u0000':
      return 'sfnt';
    default:
      return 'unknown';
  }
}

/** The table directory of face `faceIndex` (0 for a single font). */
export function readFaceDirectory(read: ByteReader, faceIndex: number): FaceDirectory {
  const head = read(0, 12);
  const container = containerOf(head);
  let directoryOffset = 0;
  if (container === 'collection') {
    const faces = head.readUInt32BE(8);
    if (faces > MAX_FACES || faceIndex >= faces) throw new Error(`the collection has ${faces} faces, not face ${faceIndex}`);
    directoryOffset = read(12 + 4 * faceIndex, 4).readUInt32BE(0);
  } else if (container !== 'sfnt' || faceIndex !== 0) {
    throw new Error(`not an OpenType font or face ${faceIndex} of one`);
  }
  const header = read(directoryOffset, 12);
  const count = header.readUInt16BE(4);
  if (count === 0 || count > MAX_TABLES) throw new Error(`implausible table count ${count}`);
  const records = read(directoryOffset + 12, 16 * count);
  const tables: TableRecord[] = [];
  for (let i = 0; i < count; i++) {
    const at = 16 * i;
    tables.push({
      tag: records.toString('latin1', at, at + 4),
      checksum: records.readUInt32BE(at + 4),
      offset: records.readUInt32BE(at + 8),
      length: records.readUInt32BE(at + 12),
    });
  }
  return { sfntVersion: header.readUInt32BE(0), tables };
}

export function isCff(directory: FaceDirectory): boolean {
  return directory.sfntVersion === OTTO;
}

/** True when Chromium needs a rewritten copy: a face of a collection, or a face with an empty table. */
export function needsStandaloneCopy(container: FontContainer, directory: FaceDirectory): boolean {
  return container === 'collection' || directory.tables.some((t) => t.length === 0);
}

/**
 * A standalone font with the face's non-empty tables, in their original order, each 4-byte
 * aligned. Checksums are copied as they were: neither Chromium nor FreeType verifies them.
 */
export function buildStandaloneFace(read: ByteReader, directory: FaceDirectory): Buffer {
  const tables = directory.tables.filter((t) => t.length > 0);
  const headerLength = 12 + 16 * tables.length;
  const header = Buffer.alloc(headerLength);
  const entrySelector = Math.floor(Math.log2(tables.length));
  const searchRange = 16 * 2 ** entrySelector;
  header.writeUInt32BE(directory.sfntVersion, 0);
  header.writeUInt16BE(tables.length, 4);
  header.writeUInt16BE(searchRange, 6);
  header.writeUInt16BE(entrySelector, 8);
  header.writeUInt16BE(16 * tables.length - searchRange, 10);
  const chunks: Buffer[] = [header];
  let offset = headerLength;
  tables.forEach((table, i) => {
    const at = 12 + 16 * i;
    header.write(table.tag, at, 'latin1');
    header.writeUInt32BE(table.checksum, at + 4);
    header.writeUInt32BE(offset, at + 8);
    header.writeUInt32BE(table.length, at + 12);
    const padded = Buffer.alloc((table.length + 3) & ~3);
    read(table.offset, table.length).copy(padded);
    chunks.push(padded);
    offset += padded.length;
  });
  return Buffer.concat(chunks);
}

/** A ByteReader over a buffer; tests build fonts in memory with it. */
export function bufferReader(buffer: Buffer): ByteReader {
  return (offset, length) => {
    if (offset + length > buffer.length) throw new Error('the font file is truncated');
    return buffer.subarray(offset, offset + length);
  };
}
