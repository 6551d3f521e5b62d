import { Injectable } from '@nestjs/common';
import sharp from 'sharp';
import { DomainException } from '../../common/errors/domain.exception';
import { ErrorCode } from '../../common/errors/error-codes';
import { AdPixels } from './ad-pixels.service';
import type { Box } from '../../vision/image.types';
import type { LayerEntry, Stage, StageContext } from '../ad.types';
import { encodeDeliverable, encodePng } from './encode';

/** Stage 1c: shadow and product onto the backdrop; the layer stack is kept for layered export. */
@Injectable()
export class CompositeStage implements Stage {
  readonly name = 'composite';
  readonly step = 1 as const;
  readonly scope = 'canvas' as const;
  readonly label = 'step1_composite';
  readonly defaultSeconds = 0.2;

  constructor(private readonly pixels: AdPixels) {}

  async run(ctx: StageContext): Promise<void> {
    const { cutout, productBox, segmentModel } = ctx.job;
    const { background, placement, keyLight } = ctx.shot;
    if (!background || !cutout || !productBox || !placement) {
      throw new DomainException(ErrorCode.INTERNAL, 'composite stage ran before segmentation and background');
    }
    ctx.report(0.05, 'compose', 'Placing the product and its shadow');
    const flat = ctx.job.view?.estimated === 'top-down';
    const shot = await this.pixels.compose({ background, cutout, productBox, placement, keyLight, flat, scaled: ctx.shot.scaledProduct, signal: ctx.signal });
    ctx.shot.step1 = shot.image;
    ctx.shot.productBox = shot.productBox;
    const { data, info } = await sharp(shot.product.data, { raw: { width: shot.product.width, height: shot.product.height, channels: 4 } })
      .extractChannel(3)
      .raw()
      .toBuffer({ resolveWithObject: true });
    ctx.shot.productMask = { data, width: info.width, height: info.height, channels: 1 };
    ctx.shot.productLayer = shot.product;

    const canvas: Box = { x: 0, y: 0, width: background.width, height: background.height };
    const name = (base: string) => ctx.fileName(base, 'png');
    ctx.persist(name('step1'), encodeDeliverable(shot.image, 'png'), 'image/png');
    ctx.persist(name('shadow'), encodePng(shot.shadow), 'image/png');
    ctx.persist(name('product'), encodePng(shot.product), 'image/png');
    const layers: LayerEntry[] = [
      { name: 'background', file: name('background'), box: canvas, opacity: 1, blend: 'normal', meta: ctx.shot.backgroundInfo },
      { name: 'shadow', file: name('shadow'), box: canvas, opacity: 1, blend: 'multiply' },
      {
        name: 'product',
        file: name('product'),
        box: canvas,
        opacity: 1,
        blend: 'normal',
        meta: { productBox: shot.productBox, scale: placement.scale, segmentModel },
      },
    ];
    ctx.shot.layers.push(...layers);
    ctx.persist(ctx.fileName('layers', 'json'), Promise.resolve(layersJson(canvas, ctx.shot.layers)), 'application/json');
  }
}

/** The layer stack later layered export (ZIP/PSD) reads, bottom layer first. */
export function layersJson(canvas: Box, layers: LayerEntry[]): Buffer {
  return Buffer.from(JSON.stringify({ width: canvas.width, height: canvas.height, layers }, null, 2));
}
