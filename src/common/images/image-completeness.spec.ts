import { describe, it } from 'node:test';
import { expect } from 'expect';
import sharp from 'sharp';
import { imageDecodeFailure, INPUT_DECODE, openImage, validateImage } from './image-input';
import { jpegReachesEnd, pngReachesEnd } from './image-completeness';

/** A photo-like picture (gradients and noise), so the encoders write real entropy data. */
async function picture(seed: number, width = 160, height = 120): Promise<sharp.Sharp> {
  const data = Buffer.alloc(width * height * 3);
  let state = seed;
  for (let i = 0; i < data.length; i++) {
    state = (state * 1103515245 + 12345) >>> 0;
    data[i] = ((i % (width * 3)) / 2 + (state >>> 26)) & 0xff;
  }
  return sharp(data, { raw: { width, height, channels: 3 } });
}

const decodes = (bytes: Buffer) => sharp(bytes, INPUT_DECODE).raw().toBuffer().then(() => true, () => false);

async function wholeFiles(): Promise<Array<{ name: string; bytes: Buffer; reachesEnd: (b: Buffer) => boolean }>> {
  return [
    { name: 'baseline JPEG', bytes: await (await picture(1)).jpeg({ quality: 90 }).toBuffer(), reachesEnd: jpegReachesEnd },
    { name: 'progressive JPEG', bytes: await (await picture(2)).jpeg({ progressive: true }).toBuffer(), reachesEnd: jpegReachesEnd },
    { name: 'JPEG with EXIF and ICC', bytes: await (await picture(3)).withMetadata({ exif: { IFD0: { Copyright: 'shop' } } }).withIccProfile('srgb').jpeg().toBuffer(), reachesEnd: jpegReachesEnd },
    { name: 'JPEG with restart markers', bytes: await (await picture(4)).jpeg({ quality: 80, mozjpeg: true }).toBuffer(), reachesEnd: jpegReachesEnd },
    { name: 'PNG', bytes: await (await picture(5)).png().toBuffer(), reachesEnd: pngReachesEnd },
    { name: 'interlaced palette PNG', bytes: await (await picture(6)).png({ progressive: true, palette: true }).toBuffer(), reachesEnd: pngReachesEnd },
  ];
}

describe('image completeness: whole proven from the structure, never a truncated file', () => {
  it('proves whole JPEGs and PNGs whole, with a tail after their end', async () => {
    for (const { name, bytes, reachesEnd } of await wholeFiles()) {
      expect([name, reachesEnd(bytes)]).toEqual([name, true]);
      expect([name, reachesEnd(Buffer.concat([bytes, Buffer.from('trailing junk after the end')]))]).toEqual([name, true]);
    }
  });

  it('proves no cut-off file whole: every cut the decoder refuses, and the last bytes one by one', async () => {
    let state = 7;
    for (const { name, bytes, reachesEnd } of await wholeFiles()) {
      const cuts = new Set<number>([1, 2, 3, 4, 8, 20]);
      for (let i = 1; i <= 16; i++) cuts.add(bytes.length - i);
      for (let i = 0; i < 24; i++) cuts.add(1 + ((state = (state * 48271) % 2147483647) % (bytes.length - 1)));
      for (const cut of cuts) {
        const prefix = bytes.subarray(0, cut);
        // A PNG cut inside IEND is still proven (its image data are complete), and decodes: what matters is agreement.
        if (reachesEnd(prefix)) expect([name, cut, await decodes(prefix)]).toEqual([name, cut, true]);
      }
      const head = bytes.subarray(0, Math.floor(bytes.length * 0.6));
      expect([name, reachesEnd(head), await decodes(head)]).toEqual([name, false, false]);
    }
  });

  it('walks past junk before a JPEG marker, as libjpeg does', async () => {
    const jpeg = await (await picture(8)).jpeg().toBuffer();
    const sos = jpeg.indexOf(Buffer.from([0xff, 0xda]));
    expect(jpegReachesEnd(Buffer.concat([jpeg.subarray(0, sos), Buffer.alloc(300, 0x41), jpeg.subarray(sos)]))).toBe(true);
  });

  it('leaves a damaged PNG chunk and a PNG that stops after its image data to the decoder', async () => {
    const png = await (await picture(9)).png().toBuffer();
    const idat = png.indexOf('IDAT');
    const flipped = Buffer.from(png);
    flipped[idat + 40] ^= 0x10;
    expect(pngReachesEnd(flipped)).toBe(false);
    expect(pngReachesEnd(png.subarray(0, png.length - 12))).toBe(false); // IEND gone: the decoder decides
    expect(pngReachesEnd(Buffer.from('not a png at all'))).toBe(false);
  });
});

describe('validateImage on a file proven whole', () => {
  it('lets in a JPEG whose structure is whole though a later scan is bogus; the job refuses it with INVALID_IMAGE', async () => {
    const jpeg = Buffer.from(await (await picture(10)).jpeg({ progressive: true }).toBuffer());
    const first = jpeg.indexOf(Buffer.from([0xff, 0xda]));
    const second = jpeg.indexOf(Buffer.from([0xff, 0xda]), first + 2);
    jpeg[second + 5] = 0x7f; // the scan names a component the frame does not have (the header read stops at the first scan)
    expect(jpegReachesEnd(jpeg)).toBe(true);
    await expect(validateImage(jpeg, 'product_image', 1e7)).resolves.toMatchObject({ format: 'jpeg', width: 160 });
    const error = await openImage(jpeg).raw().toBuffer().catch((e: unknown) => e);
    expect(imageDecodeFailure(error)?.code).toBe('INVALID_IMAGE');
  });

  it('still refuses a truncated JPEG and PNG at the door', async () => {
    for (const bytes of [await (await picture(11)).jpeg().toBuffer(), await (await picture(12)).png().toBuffer()]) {
      const cut = bytes.subarray(0, Math.floor(bytes.length * 0.7));
      await expect(validateImage(cut, 'product_image', 1e7)).rejects.toMatchObject({ code: 'INVALID_IMAGE' });
    }
  });
});
