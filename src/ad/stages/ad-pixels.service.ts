import { Injectable, type OnApplicationShutdown } from '@nestjs/common';
import * as path from 'node:path';
import { throwIfAborted } from '../../common/errors/domain.exception';
import { asBuffer, TaskWorker } from '../../common/task-worker';
import { AppConfig } from '../../config/app-config';
import type { RawImage } from '../../vision/image.types';
import { type ComposeInput, type ComposeResult, scaleProduct } from '../compositing/composite';
import type { AdPixelTasks, CutoutPieces } from './ad-pixels.worker';

const restored = (image: RawImage): RawImage => ({ ...image, data: asBuffer(image.data) });

/**
 * The ad's Stage 1 pixel loops on their own thread (ad-pixels.worker.ts), at INFERENCE_NICE, so
 * the main thread keeps answering HTTP. Inputs are copied across (the job keeps its own); the
 * results are moved back.
 */
@Injectable()
export class AdPixels implements OnApplicationShutdown {
  private readonly worker: TaskWorker<AdPixelTasks>;

  constructor(config: AppConfig) {
    this.worker = new TaskWorker(path.join(__dirname, 'ad-pixels.worker.js'), 'ad pixel work', config.INFERENCE_NICE);
  }

  async compose(input: ComposeInput): Promise<ComposeResult> {
    const { signal, scaled, ...rest } = input;
    const product = await (scaled ?? scaleProduct(input.cutout, input.productBox, input.placement.box));
    throwIfAborted(signal);
    const result = await this.worker.call('compose', { ...rest, scaled: product });
    throwIfAborted(signal);
    return { ...result, image: restored(result.image), shadow: restored(result.shadow), product: restored(result.product) };
  }

  async tidy(pieces: CutoutPieces) {
    const tidied = await this.worker.call('tidy', pieces);
    return { ...tidied, outline: restored(tidied.outline), matte: restored(tidied.matte), cutout: restored(tidied.cutout) };
  }

  judge(input: { outline: RawImage; box: CutoutPieces['box']; cutout: RawImage }) {
    return this.worker.call('judge', input);
  }

  // After the job runner has drained (beforeApplicationShutdown): a job still running here
  // would lose its worker and fail instead of being queued again for the next instance.
  onApplicationShutdown(): Promise<void> {
    return this.worker.close();
  }
}
