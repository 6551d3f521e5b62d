import { before, describe, it } from 'node:test';
import { expect } from 'expect';
import type { Tensor } from 'onnxruntime-node';
import sharp from 'sharp';
import { DomainException } from '../common/errors/domain.exception';
import { ErrorCode } from '../common/errors/error-codes';
import { fixIntegerShortestEdge, loadClipAssets, type ClipAssets } from './clip-assets';
import { clipPixelValues } from './clip-image';
import { TINY_CLIP_DIR } from './tiny-clip.testing';

const MAX_PIXELS = 40_000_000;
const png = (raw: Buffer, width: number, height: number, channels: 3 | 4) => sharp(raw, { raw: { width, height, channels } }).png().toBuffer();
const solid = (width: number, height: number, value: number) => sharp({ create: { width, height, channels: 3, background: { r: value, g: value, b: value } } }).png().toBuffer();

/** A deterministic busy picture, so that any pixel moved or mixed up shows. */
function pattern(width: number, height: number, channels: 3 | 4): Buffer {
  const raw = Buffer.alloc(width * height * channels);
  for (let i = 0; i < raw.length; i++) raw[i] = (i * 2654435761) % 253;
  return raw;
}

/** Channel c of image n as plain numbers. */
function plane(tensor: Tensor, n: number, c: number): Float32Array {
  const [, channels, h, w] = tensor.dims;
  const data = tensor.data as Float32Array;
  return data.subarray((n * channels + c) * h * w, (n * channels + c + 1) * h * w);
}

describe('CLIP image preprocessing', () => {
  let assets: ClipAssets;
  let mean: number[];
  let std: number[];

  before(async () => {
    assets = await loadClipAssets(TINY_CLIP_DIR);
    mean = assets.imageProcessor.image_mean as number[];
    std = assets.imageProcessor.image_std as number[];
  });

  it('gives [images, 3, 224, 224] with CLIP mean/std normalisation, whatever the aspect ratio', async () => {
    const tensor = await clipPixelValues([await solid(640, 360, 255), await solid(120, 500, 0)], assets.imageProcessor, MAX_PIXELS);
    expect(tensor.dims).toEqual([2, 3, 224, 224]);
    const furthest = (values: Float32Array, target: number) => values.reduce((worst, v) => Math.max(worst, Math.abs(v - target)), 0);
    for (let c = 0; c < 3; c++) {
      expect(furthest(plane(tensor, 0, c), (1 - mean[c]) / std[c])).toBeLessThan(1e-4);
      expect(furthest(plane(tensor, 1, c), -mean[c] / std[c])).toBeLessThan(1e-4);
    }
  });

  it('averages detail finer than the output grid instead of aliasing it (antialiased bicubic resize)', async () => {
    // One-pixel black and white columns shrunk 5x: a proper downscale is an even grey.
    const side = 1120;
    const raw = Buffer.alloc(side * side * 3);
    for (let i = 0; i < side * side; i++) raw.fill(i % 2 ? 255 : 0, i * 3, i * 3 + 3);
    const tensor = await clipPixelValues([await png(raw, side, side, 3)], assets.imageProcessor, MAX_PIXELS);
    const grey = [...plane(tensor, 0, 0)].map((v) => v * std[0] + mean[0]);
    const average = grey.reduce((s, v) => s + v, 0) / grey.length;
    const spread = Math.sqrt(grey.reduce((s, v) => s + (v - average) ** 2, 0) / grey.length);
    expect(average).toBeCloseTo(0.5, 1);
    expect(spread).toBeLessThan(0.05);
  });

  it('applies EXIF orientation like Hugging Face load_image does', async () => {
    const raw = pattern(300, 200, 3);
    const tagged = await sharp(raw, { raw: { width: 300, height: 200, channels: 3 } }).withMetadata({ orientation: 6 }).png().toBuffer();
    const upright = await sharp(tagged).rotate().png().toBuffer();
    const [a, b] = await Promise.all([tagged, upright].map((img) => clipPixelValues([img], assets.imageProcessor, MAX_PIXELS)));
    expect(a.data).toEqual(b.data);
  });

  it('drops alpha without compositing, like PIL convert("RGB"), and reads greyscale as three channels', async () => {
    const rgba = pattern(200, 150, 4);
    const rgb = Buffer.alloc(200 * 150 * 3);
    for (let i = 0; i < 200 * 150; i++) rgba.copy(rgb, i * 3, i * 4, i * 4 + 3);
    const [withAlpha, without] = await Promise.all(
      [png(rgba, 200, 150, 4), png(rgb, 200, 150, 3)].map(async (img) => clipPixelValues([await img], assets.imageProcessor, MAX_PIXELS)),
    );
    expect(withAlpha.data).toEqual(without.data);
    const grey = await sharp(rgb, { raw: { width: 200, height: 150, channels: 3 } }).toColourspace('b-w').png().toBuffer();
    const g = await clipPixelValues([grey], assets.imageProcessor, MAX_PIXELS);
    const unnormalised = [0, 1, 2].map((c) => plane(g, 0, c)[1000] * std[c] + mean[c]);
    expect(unnormalised[1]).toBeCloseTo(unnormalised[0], 4);
    expect(unnormalised[2]).toBeCloseTo(unnormalised[0], 4);
  });

  it('reads an integer "size" in preprocessor_config.json as the shortest edge, as Hugging Face does', async () => {
    const image = await png(pattern(330, 220, 3), 330, 220, 3);
    const reference = await clipPixelValues([image], assets.imageProcessor, MAX_PIXELS);
    const legacy = (await loadClipAssets(TINY_CLIP_DIR)).imageProcessor;
    legacy.size = 224;
    fixIntegerShortestEdge(legacy);
    expect(legacy.size).toEqual({ shortest_edge: 224 });
    expect((await clipPixelValues([image], legacy, MAX_PIXELS)).data).toEqual(reference.data);
  });

  it('refuses an image over MAX_IMAGE_PIXELS with IMAGE_TOO_LARGE before decoding it', async () => {
    const error = await clipPixelValues([await solid(400, 300, 9)], assets.imageProcessor, 100_000).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DomainException);
    expect((error as DomainException).code).toBe(ErrorCode.IMAGE_TOO_LARGE);
  });
});
