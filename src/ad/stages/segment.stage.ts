import { Injectable } from '@nestjs/common';
import sharp from 'sharp';
import { DomainException, throwIfAborted } from '../../common/errors/domain.exception';
import { ErrorCode } from '../../common/errors/error-codes';
import type { Box, RawImage } from '../../vision/image.types';
import type { MaterialOutcome, Stage, StageContext, SubjectMaterial } from '../ad.types';
import { SegmentationService, type SegmentationResult } from '../../vision/segmentation/segmentation.service';
import { NO_CUTS } from '../compositing/frame-cuts';
import { chooseSubjectLayout, photoCard } from '../compositing/photo-card';
import { AdPixels } from './ad-pixels.service';
import { encodeCutoutPng, encodePng } from './encode';
import { openImage } from '../../common/images/image-input';

/** A subject under this share of the photo's area is cut a second time from a crop around it. */
const SMALL_SUBJECT = 0.08;
/** Mask IoU the second cut must reach with the first over the crop to replace it. */
const RECUT_AGREEMENT = 0.8;

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

  constructor(
    private readonly segmentation: SegmentationService,
    private readonly pixels: AdPixels,
  ) {}

  /** One segmentation pass, reported as the stage's [from, from + span] share; INVALID_IMAGE when nothing is found. */
  private async cut(image: RawImage, ctx: StageContext, from: number, span: number): Promise<SegmentationResult & { box: Box }> {
    const result = await this.segmentation.segment(image, {
      signal: ctx.signal,
      onProgress: (fraction, subStep) => ctx.report(from + fraction * span, subStep, `Cutting out the product: ${subStep}`),
      seeThrough: ctx.input.subjectMaterial === 'glass',
    });
    if (!result.box) throw new DomainException(ErrorCode.INVALID_IMAGE, 'No product was found in the photo');
    return { ...result, box: result.box };
  }

  /** The cutout tidied (stray fragments cleared) and where the frame cuts it, on the pixel worker. */
  private async tidy(result: SegmentationResult & { box: Box }, cutAlready: boolean) {
    const { outline, matte, cutout, ...tidied } = await this.pixels.tidy({
      outline: result.outline,
      matte: result.matte,
      cutout: result.cutout,
      seeThrough: Boolean(result.seeThrough?.made),
      box: result.box,
      cutAlready,
    });
    return { ...tidied, result: { ...result, outline, matte, cutout } };
  }

  async run(ctx: StageContext): Promise<void> {
    const bytes = ctx.input.productImage;
    if (!bytes) throw new DomainException(ErrorCode.INVALID_PARAMETER, 'product_image is required when start_step is 1');
    ctx.report(0.02, 'decode', 'Reading the product photo');
    // A product already cut out (a PNG with transparency) keeps its own alpha: a glass drawn at
    // 35% stays see-through, and its edges need no cutting where the PNG already has them.
    const cutAlready = await hasTransparency(bytes);
    let source = await decodePhoto(bytes, cutAlready);
    throwIfAborted(ctx.signal);

    // A set of products stays one subject; stray fragments of the matte go.
    let tidied = await this.tidy(await this.cut(source, ctx, 0.05, 0.45), cutAlready);
    const cuts = tidied.cuts;
    if (tidied.box.width * tidied.box.height < source.width * source.height * SMALL_SUBJECT) {
      // A small subject in a big photo: the model saw it at a few dozen pixels. Cut it again
      // from a crop of the original, where it fills the model's view (and keeps its pixels).
      const region = around(tidied.box, source);
      const crop = await decodeRegion(bytes, region, source, cutAlready);
      const again = await this.cut(crop, ctx, 0.5, 0.35).catch((error: unknown) => {
        if (error instanceof DomainException && error.code === ErrorCode.INVALID_IMAGE) return null;
        throw error;
      });
      // Closer up, the model may see a different subject (the cup without its saucer): the
      // second cut is taken only when it outlines the same thing, more finely.
      if (again && (await agreement(tidied.result.outline, region, again.outline)) >= RECUT_AGREEMENT) {
        ctx.job.recut = true;
        source = crop;
        tidied = await this.tidy(again, cutAlready);
      }
    }
    const { result, parts, box } = tidied;
    // The outline's edges are judged; a glass's see-through body is not a hesitant edge.
    const { check, palette } = await this.pixels.judge({ outline: result.outline, box, cutout: result.cutout });
    const layout = chooseSubjectLayout(ctx.input.subjectLayout ?? 'auto', check, cutAlready);
    // A card is the photo itself: it is placed, shadowed and layered as the "product" from here on.
    const card = layout.used === 'card' ? await photoCard(source, box) : null;
    Object.assign(ctx.job, {
      source,
      cutout: card?.image ?? result.cutout,
      matte: result.matte,
      productBox: card?.box ?? box,
      strayParts: parts?.dropped ?? 0,
      cutAlready,
      contrastStretch: result.contrastGain,
      material: subjectMaterial(ctx.input.subjectMaterial, result.seeThrough, cutAlready),
      frameCuts: card ? NO_CUTS : cuts,
      subjectLayout: layout,
      cutoutCheck: check,
      segmentModel: result.modelId,
      palette,
    });

    ctx.persist('cutout.png', encodeCutoutPng(result.cutout), 'image/png');
    ctx.persist('matte.png', encodePng(result.matte), 'image/png');
  }
}

/** result.subject_material: what was asked, what the matte is, and why. */
function subjectMaterial(asked: SubjectMaterial = 'opaque', glass: SegmentationResult['seeThrough'], cutAlready: boolean): MaterialOutcome {
  if (asked === 'opaque') return { requested: asked, used: 'opaque', why: 'subject_material=opaque (the default): the product is cut out solid' };
  // A PNG already cut out is as see-through as its own alpha says.
  return { requested: asked, used: glass?.made || cutAlready ? 'glass' : 'opaque', why: glass?.why ?? 'no see-through matte was made' };
}

async function hasTransparency(bytes: Buffer): Promise<boolean> {
  const image = sharp(bytes);
  if (!(await image.metadata()).hasAlpha) return false;
  const { channels } = await image.stats();
  return channels[channels.length - 1].min < 255;
}

/** The subject's box with room around it (a third of its longer side), inside the photo. */
function around(box: Box, photo: { width: number; height: number }): Box {
  const pad = Math.round(Math.max(box.width, box.height) / 3);
  const x = Math.max(0, box.x - pad);
  const y = Math.max(0, box.y - pad);
  return { x, y, width: Math.min(photo.width, box.x + box.width + pad) - x, height: Math.min(photo.height, box.y + box.height + pad) - y };
}

/** IoU (alpha >= 128) of the first matte over `region` and the second one, brought to the region's size. */
async function agreement(first: RawImage, region: Box, second: RawImage): Promise<number> {
  // sharp widens a one-channel raw image to three on output; extractChannel keeps one.
  const resized = await sharp(second.data, { raw: { width: second.width, height: second.height, channels: 1 } }).resize(region.width, region.height, { fit: 'fill' }).extractChannel(0).raw().toBuffer();
  let both = 0;
  let either = 0;
  for (let y = 0; y < region.height; y++) {
    for (let x = 0; x < region.width; x++) {
      const a = first.data[(region.y + y) * first.width + region.x + x] >= 128;
      const b = resized[y * region.width + x] >= 128;
      if (a && b) both++;
      if (a || b) either++;
    }
  }
  return either === 0 ? 0 : both / either;
}

/** A region of the working image, decoded again from the original at up to its full resolution. */
async function decodeRegion(bytes: Buffer, region: Box, working: { width: number; height: number }, keepAlpha: boolean): Promise<RawImage> {
  const meta = await sharp(bytes).metadata();
  const upright = (meta.orientation ?? 1) >= 5 ? meta.height : meta.width;
  const scale = (upright ?? working.width) / working.width;
  const left = Math.floor(region.x * scale);
  const top = Math.floor(region.y * scale);
  const fullHeight = Math.round(working.height * scale);
  const image = openImage(bytes)
    .rotate() // before extract: the region is in upright coordinates
    .extract({ left, top, width: Math.min(Math.round(working.width * scale) - left, Math.ceil(region.width * scale)), height: Math.min(fullHeight - top, Math.ceil(region.height * scale)) });
  return atWorkingSize(image, keepAlpha);
}

/**
 * The photo upright (phone photos are often stored sideways) at working size. RGB, a PNG that is
 * already cut out given a white ground, which segments cleanly; or RGBA when `keepAlpha`: the
 * segmentation then flattens it for the model itself and keeps the photo's own alpha.
 */
export function decodePhoto(bytes: Buffer, keepAlpha = false): Promise<RawImage> {
  return atWorkingSize(openImage(bytes).rotate(), keepAlpha);
}

async function atWorkingSize(image: sharp.Sharp, keepAlpha: boolean): Promise<RawImage> {
  const sized = image.resize({ width: MAX_WORKING_SIDE, height: MAX_WORKING_SIDE, fit: 'inside', withoutEnlargement: true });
  const { data, info } = await (keepAlpha ? sized.ensureAlpha() : sized.flatten({ background: '#ffffff' })).raw().toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height, channels: keepAlpha ? 4 : 3 };
}
