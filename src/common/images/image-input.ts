import sharp from 'sharp';
import { DomainException } from '../errors/domain.exception';
import { ErrorCode } from '../errors/error-codes';
import { provenWhole } from './image-completeness';

export interface DecodedImage {
  buffer: Buffer;
  format: string;
  width: number;
  height: number;
  hasAlpha: boolean;
}

const FORMATS = new Set(['png', 'jpeg', 'webp', 'avif', 'heif', 'tiff', 'gif']);
const DATA_URL = /^data:([a-z]+\/[a-z0-9.+-]+)?(;[a-z0-9-]+=[^;,]+)*;base64,/i;

export const MIME_BY_FORMAT: Record<string, string> = {
  png: 'image/png',
  jpeg: 'image/jpeg',
  webp: 'image/webp',
  avif: 'image/avif',
  heif: 'image/heif',
  tiff: 'image/tiff',
  gif: 'image/gif',
};

/**
 * How every job opens an uploaded image, and how the door checks it: one tolerance, so a file the
 * door accepts is one every job can read. libjpeg's recoverable warnings (junk before a marker, a
 * damaged entropy segment) decode on, as browsers show such files; a truncated file fails.
 */
export const INPUT_DECODE = { failOn: 'truncated' } as const satisfies sharp.SharpOptions;

/** An uploaded image, opened with the door's tolerance (`maxPixels` false: the door checked it). */
export const openImage = (bytes: Buffer, maxPixels: number | false = false): sharp.Sharp => sharp(bytes, { ...INPUT_DECODE, limitInputPixels: maxPixels });

/** libvips' and sharp's own words for a file it cannot decode (as opposed to a bug of ours). */
const DECODE_FAILURE = /^(Vips(Jpeg|Png|Spng|Webp|Gif|Tiff|Heif|Foreign)|Input (buffer|file) (contains|has|is)|\w+load(_buffer|_source)?: )/i;

/**
 * An error thrown while a job decodes its input, as the job's end: INVALID_IMAGE with what the
 * decoder said, never INTERNAL. Null when the error is not an image decoding failure.
 */
export function imageDecodeFailure(error: unknown): DomainException | null {
  const message = error instanceof Error ? error.message : '';
  if (!DECODE_FAILURE.test(message)) return null;
  const said = message.split('\n')[0].replace(/^Vips\w*: /, '').trim();
  return new DomainException(ErrorCode.INVALID_IMAGE, `The image could not be read to the end (${said}); save or export it again as PNG or JPEG and resubmit`);
}

/**
 * Accepts a data URL or bare base64 or base64url (whitespace allowed) and returns the bytes.
 * Node's decoder reads both alphabets and skips any other character, so the payload is checked
 * by what it decodes to: every one of its data characters counted, or it is not base64 (one
 * pass over a megabyte, where a regular expression took another).
 */
export function bytesFromBase64(value: string, field: string): Buffer {
  const match = DATA_URL.exec(value);
  const payload = (match ? value.slice(match[0].length) : value).replace(/\s+/g, '');
  const data = payload.length - (payload.endsWith('==') ? 2 : payload.endsWith('=') ? 1 : 0);
  // A lone last character holds no whole byte: such a payload is cut, and a skipped character could hide in it.
  const bytes = data % 4 === 1 ? null : Buffer.from(payload, 'base64');
  if (!data || !bytes || bytes.length !== Math.floor((data * 3) / 4)) {
    throw new DomainException(ErrorCode.INVALID_IMAGE, `${field} is not valid base64 or a base64 data URL`, { field });
  }
  return bytes;
}

/**
 * Checks an uploaded image before any job exists: the header first (so a small file that
 * declares 20000x20000 pixels is refused without allocating them), then that the file is whole.
 * A JPEG or PNG whose structure reaches its end is let in on that proof (image-completeness.ts);
 * anything else is decoded, which catches truncated or corrupt data. `minSide`: a product photo
 * needs 16 px; a poster to split may be 1 px.
 */
export async function validateImage(bytes: Buffer, field: string, maxPixels: number, minSide = 16): Promise<DecodedImage> {
  if (bytes.length === 0) throw new DomainException(ErrorCode.INVALID_IMAGE, `${field} is empty`, { field });
  let meta: sharp.Metadata;
  try {
    meta = await sharp(bytes, { limitInputPixels: false }).metadata();
  } catch {
    throw new DomainException(ErrorCode.INVALID_IMAGE, `${field} is not an image this service can read (PNG, JPEG, WebP, AVIF, TIFF, GIF)`, {
      field,
    });
  }
  const { format, width, height } = meta;
  if (!format || !FORMATS.has(format) || !width || !height) {
    throw new DomainException(ErrorCode.INVALID_IMAGE, `${field} has an unsupported format (${format ?? 'unknown'})`, { field, format });
  }
  if (width * height > maxPixels) {
    throw new DomainException(
      ErrorCode.IMAGE_TOO_LARGE,
      `${field} is ${width}x${height} (${width * height} pixels); the limit is ${maxPixels} pixels (MAX_IMAGE_PIXELS)`,
      { field, width, height, maxPixels },
    );
  }
  if (width < minSide || height < minSide) {
    throw new DomainException(ErrorCode.INVALID_IMAGE, `${field} is ${width}x${height}; at least ${minSide}x${minSide} pixels are needed`, { field });
  }
  const image = { buffer: bytes, format, width, height, hasAlpha: Boolean(meta.hasAlpha) };
  if (provenWhole(format, bytes)) return image;
  try {
    // A small output lets libjpeg decode at 1/8 scale (DCT scaling); it still reads every
    // entropy-coded byte, so truncation is caught at half the cost of a full decode.
    await openImage(bytes, maxPixels).resize({ width: 256, height: 256, fit: 'inside' }).raw().toBuffer();
  } catch (error) {
    throw new DomainException(ErrorCode.INVALID_IMAGE, `${field} is truncated or corrupt: ${(error as Error).message}`, { field });
  }
  return image;
}
