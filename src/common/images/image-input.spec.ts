import { describe, it } from 'node:test';
import { expect } from 'expect';
import sharp from 'sharp';
import { DomainException } from '../errors/domain.exception';
import { ErrorCode } from '../errors/error-codes';
import { bytesFromBase64, imageDecodeFailure, openImage, validateImage } from './image-input';

const png = (w: number, h: number) => sharp({ create: { width: w, height: h, channels: 3, background: '#c33' } }).png().toBuffer();
const codeOf = async (p: Promise<unknown>) => ((await p.catch((e: unknown) => e)) as DomainException).code;

describe('bytesFromBase64', () => {
  it('accepts bare base64, data URLs, line breaks and base64url', () => {
    const bytes = Buffer.from([0xfb, 0xff, 0x00, 0x10]);
    expect(bytesFromBase64(bytes.toString('base64'), 'f')).toEqual(bytes);
    expect(bytesFromBase64(`data:image/png;base64,${bytes.toString('base64')}`, 'f')).toEqual(bytes);
    expect(bytesFromBase64(`${bytes.toString('base64').slice(0, 4)}\n${bytes.toString('base64').slice(4)}`, 'f')).toEqual(bytes);
    expect(bytesFromBase64(bytes.toString('base64url'), 'f')).toEqual(bytes);
  });

  it('rejects text that is not base64, naming the field', () => {
    expect(() => bytesFromBase64('hello world!', 'product_image')).toThrow(/product_image/);
    expect(() => bytesFromBase64('', 'f')).toThrow(DomainException);
    // A character outside both alphabets is refused wherever it is, padding or not.
    for (const bad of ['2jCf!==', 'ab!c', 'abc.', 'ab=c', 'AAAA===', 'é+/A', 'GLCuc==', '=']) expect(() => bytesFromBase64(bad, 'f')).toThrow(DomainException);
  });
});

describe('validateImage', () => {
  it('returns format and size of a good image', async () => {
    await expect(validateImage(await png(40, 30), 'f', 1e6)).resolves.toMatchObject({ format: 'png', width: 40, height: 30 });
  });

  it('separates too large, too small, corrupt and truncated', async () => {
    const image = await png(300, 200);
    expect(await codeOf(validateImage(image, 'f', 300 * 200 - 1))).toBe(ErrorCode.IMAGE_TOO_LARGE);
    expect(await codeOf(validateImage(await png(8, 8), 'f', 1e6))).toBe(ErrorCode.INVALID_IMAGE);
    expect(await codeOf(validateImage(image.subarray(0, image.length - 40), 'f', 1e6))).toBe(ErrorCode.INVALID_IMAGE);
    expect(await codeOf(validateImage(Buffer.from('GIF89a nonsense'), 'f', 1e6))).toBe(ErrorCode.INVALID_IMAGE);
    expect(await codeOf(validateImage(Buffer.alloc(0), 'f', 1e6))).toBe(ErrorCode.INVALID_IMAGE);
  });
});

describe('one tolerance at the door and in the jobs', () => {
  it('decodes a JPEG with junk before a marker (libjpeg warns and goes on) at the door and when a job opens it', async () => {
    const jpeg = await sharp({ create: { width: 64, height: 48, channels: 3, background: '#3a6' } }).jpeg().toBuffer();
    const sos = jpeg.indexOf(Buffer.from([0xff, 0xda]));
    const damaged = Buffer.concat([jpeg.subarray(0, sos), Buffer.alloc(300, 0x41), jpeg.subarray(sos)]);
    await expect(sharp(damaged).raw().toBuffer()).rejects.toThrow(/extraneous bytes/); // sharp's default would fail it
    expect((await validateImage(damaged, 'image', 1e6)).width).toBe(64);
    expect((await openImage(damaged).raw().toBuffer({ resolveWithObject: true })).info.width).toBe(64);
  });

  it('names a decoder failure inside a job as INVALID_IMAGE in words a person reads; other errors stay internal', () => {
    const failure = imageDecodeFailure(new Error('VipsJpeg: Corrupt JPEG data: 578 extraneous bytes before marker 0xfe\nVipsJpeg: out of order'));
    expect(failure?.code).toBe('INVALID_IMAGE');
    expect(failure?.message).toMatch(/^The image could not be read to the end \(Corrupt JPEG data: 578 extraneous bytes before marker 0xfe\)/);
    expect(imageDecodeFailure(new Error('Input buffer contains unsupported image format'))?.code).toBe('INVALID_IMAGE');
    expect(imageDecodeFailure(new TypeError("Cannot read properties of undefined (reading 'width')"))).toBeNull();
  });
});
