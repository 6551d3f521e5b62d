import { Injectable } from '@nestjs/common';
import { DomainException } from '../../common/errors/domain.exception';
import { ErrorCode } from '../../common/errors/error-codes';
import { composeProductShot } from '../compositing/composite';
import type { Box } from '../image.types';
import type { LayerEntry, Stage, StageContext } from '../pipeline.types';
import { encodePng } from './encode';

/** Stage 1c: shadow and product onto the backdrop; the layer stack is kept for layered export. */
@Injectable()
export class CompositeStage implements Stage {
  readonly name = 'composite';
  readonly step = 1 as const;
  readonly label = 'step1_composite';
  readonly defaultSeconds = 0.4;

  async run(ctx: StageContext): Promise<void> {
    const { background, cutout, productBox, placement } = ctx.state;
    if (!background || !cutout || !productBox || !placement) {
      throw new DomainException(ErrorCode.INTERNAL, 'composite stage ran before segmentation and background');
    }
    ctx.report(0.05, 'compose', 'Placing the product and its shadow');
    const shot = await composeProductShot({ background, cutout, productBox, placement, keyLight: ctx.state.keyLight, signal: ctx.signal });
    ctx.state.step1 = shot.image;

    ctx.report(0.6, 'save', 'Saving the product shot and its layers');
    const canvas: Box = { x: 0, y: 0, width: background.width, height: background.height };
    ctx.persist('step1.png', encodePng(shot.image), 'image/png');
    ctx.persist('shadow.png', encodePng(shot.shadow), 'image/png');
    ctx.persist('product.png', encodePng(shot.product), 'image/png');
    const layers: LayerEntry[] = [
      { name: 'background', file: 'background.png', box: canvas, opacity: 1, blend: 'normal', meta: ctx.state.backgroundInfo },
      { name: 'shadow', file: 'shadow.png', box: canvas, opacity: 1, blend: 'multiply' },
      {
        name: 'product',
        file: 'product.png',
        box: canvas,
        opacity: 1,
        blend: 'normal',
        meta: { productBox: shot.productBox, scale: placement.scale, segmentModel: ctx.state.segmentModel },
      },
    ];
    ctx.state.layers.push(...layers);
    const manifest = { width: background.width, height: background.height, layers: ctx.state.layers };
    ctx.persist('layers.json', Promise.resolve(Buffer.from(JSON.stringify(manifest, null, 2))), 'application/json');
  }
}
