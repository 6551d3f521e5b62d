import { Injectable } from '@nestjs/common';
import sharp from 'sharp';
import { DomainException, throwIfAborted } from '../../common/errors/domain.exception';
import { ErrorCode } from '../../common/errors/error-codes';
import { dominantColors } from '../background/palette';
import type { RawImage } from '../../vision/image.types';
import type { Stage, StageContext } from '../pipeline.types';
import { SegmentationService } from '../../vision/segmentation/segmentation.service';
import { cutoutConfidence } from '../../quality/quality-checks';
import { frameCuts, NO_CUTS } from '../compositing/frame-cuts';
import { chooseSubjectLayout, photoCard } from '../compositing/photo-card';
import { keepSubjectParts } from '../compositing/subject-parts';
import { encodePng } from './encode';

/** Longest side the cutout is worked at; larger photos are reduced first (the canvas is at most 4096). */
export const MAX_WORKING_SIDE = 3072;

/** Stage 1a: the product's alpha matte and a decontaminated cutout at the photo's resolution. */
@Injectable()
export class SegmentStage implements Stage {
  readonly name = 'segment';
  readonly step = 1 as const;
  readonly scope = 'job' as const;
  readonly label = 'step1_segment';
  readonly defaultSeconds = 3;

  constructor(private readonly segmentation: SegmentationService) {}

  async run(ctx: StageContext): Promise<void> {
    const bytes = ctx.input.productImage;
    if (!bytes) throw new DomainException(ErrorCode.INVALID_PARAMETER, 'product_image is required when start_step is 1');
    ctx.report(0.02, 'decode', 'Reading the product photo');
    const source = await decodeRgb(bytes);
    throwIfAborted(ctx.signal);

    const result = await this.segmentation.segment(source, {
      signal: ctx.signal,
      onProgress: (fraction, subStep) => ctx.report(0.05 + fraction * 0.8, subStep, `Cutting out the product: ${subStep}`),
    });
    if (!result.box) throw new DomainException(ErrorCode.INVALID_IMAGE, 'No product was found in the photo');
    // A set of products stays one subject; stray fragments of the matte go.
    const parts = keepSubjectParts(result.matte, result.cutout);
    const box = parts?.box ?? result.box;
    // A product already cut out (transparent PNG) touches its canvas because it was cropped, not cut.
    const cuts = (await hasTransparency(bytes)) ? NO_CUTS : frameCuts(result.matte, box);
    const check = cutoutConfidence(result.matte, box);
    const layout = chooseSubjectLayout(ctx.input.subjectLayout ?? 'auto', check);
    // A card is the photo itself: it is placed, shadowed and layered as the "product" from here on.
    const card = layout.used === 'card' ? await photoCard(source, box) : null;
    Object.assign(ctx.job, {
      source,
      cutout: card?.image ?? result.cutout,
      matte: result.matte,
      productBox: card?.box ?? box,
      strayParts: parts?.dropped ?? 0,
      frameCuts: card ? NO_CUTS : cuts,
      subjectLayout: layout,
      cutoutCheck: check,
      segmentModel: result.modelId,
      palette: dominantColors(result.cutout),
    });

    ctx.persist('cutout.png', encodePng(result.cutout), 'image/png');
    ctx.persist('matte.png', encodePng(result.matte), 'image/png');
  }
}

async function hasTransparency(bytes: Buffer): Promise<boolean> {
  const image = sharp(bytes);
  if (!(await image.metadata()).hasAlpha) return false;
  const { channels } = await image.stats();
  return channels[channels.length - 1].min < 255;
}

export async function decodeRgb(bytes: Buffer): Promise<RawImage> {
  const { data, info } = await sharp(bytes, { failOn: 'truncated' })
    .rotate() // honour EXIF orientation: phone photos are often stored sideways
    .resize({ width: MAX_WORKING_SIDE, height: MAX_WORKING_SIDE, fit: 'inside', withoutEnlargement: true })
    // A PNG that is already cut out gets a white ground, which segments cleanly.
    .flatten({ background: '#ffffff' })
    .raw()
    .toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height, channels: 3 };
}
