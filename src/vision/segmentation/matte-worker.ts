/**
 * Worker thread for the matte's pixel work: the guided-filter refinement and the colour
 * decontamination are plain JavaScript loops over the photo, 50-250 ms each, and on the main
 * thread they stalled every HTTP answer (a /status poll, an SSE event, a lease renewal) queued
 * behind them. Buffers cross by transfer.
 */
import sharp from 'sharp';
import { serveTasks } from '../../common/task-worker';
import type { SegmentationIo } from '../../models/model.types';
import type { Box } from '../image.types';
import { opaqueBox, significantParts, unsureShare } from '../masks';
import { covers, maskPlane, modelInputs } from './model-io';
import { estimateForeground, refineMatte } from './matte-refine';
import { glassBackdrop, seeThrough, type SeeThroughOutcome } from './see-through';

export interface MatteRequest {
  rgb: Uint8Array;
  width: number;
  height: number;
  /** The model's output plane (mw x mh, raw values), resized here to the photo's size. */
  prediction: { values: Float32Array; width: number; height: number };
  io: SegmentationIo;
  /**
   * An RGBA photo's own pixels (`rgb` is them flattened on white, for the model): its alpha bounds
   * the matte, and where the model kept the product whole its colours are the product's as they are.
   */
  sourceRgba?: Uint8Array;
  /** The product is glass: read its opacity against the photo's plain backdrop, where it has one (see-through.ts). */
  seeThrough?: boolean;
  /** A first look, to be judged: count the outline's parts as well. */
  firstLook?: boolean;
}

/**
 * `cutout`: RGBA, the decontaminated colours with the matte as alpha. With `seeThrough` asked:
 * `glass` says whether the see-through matte was made (and why not), and `outline` is the refined
 * matte before the glass's opacity was taken into it.
 */
export interface Refined {
  matte: Uint8Array;
  cutout: Uint8Array;
  outline?: Uint8Array;
  glass?: SeeThroughOutcome;
  /**
   * Box and count of the outline's (else the matte's) pixels at alpha >= 128: whether anything was
   * found; and, for a first look, the outline's unsure share and significant parts (masks.ts):
   * whether it will do.
   */
  found: { box: Box | null; count: number; unsure?: number; parts?: number };
}

async function refine(msg: MatteRequest): Promise<Refined> {
  const { prediction, width: w, height: h } = msg;
  const plane = Buffer.from(maskPlane(prediction.values, msg.io).buffer);
  const coarse = await sharp(plane, { raw: { width: prediction.width, height: prediction.height, channels: 1 } })
    .resize(w, h, { fit: 'fill', kernel: 'linear' })
    .extractChannel(0)
    .raw()
    .toBuffer();
  const refined = refineAndCut(msg, new Uint8Array(coarse.buffer, coarse.byteOffset, coarse.length));
  const outline = refined.outline ?? refined.matte;
  const judged = msg.firstLook ? { unsure: unsureShare(outline), parts: significantParts(outline, w, h) } : {};
  return { ...refined, found: { ...opaqueBox(outline, w, h), ...judged } };
}

function refineAndCut(msg: MatteRequest, coarse: Uint8Array): Omit<Refined, 'found'> {
  const { rgb, width: w, height: h, sourceRgba } = msg;
  const refined = refineMatte(rgb, coarse, w, h);
  // Fitted here, not on the main thread: at 3072 px the fit alone takes over 100 ms.
  const glass = msg.seeThrough ? glassBackdrop(rgb, w, h, sourceRgba !== undefined) : undefined;
  if (glass?.backdrop) {
    const see = seeThrough(rgb, refined, w, h, glass.backdrop);
    return { matte: see.matte, cutout: rgba(see.fg, see.matte), outline: refined, glass: { made: true, why: glass.why } };
  }
  let matte = refined;
  if (sourceRgba) {
    matte = new Uint8Array(w * h);
    for (let i = 0; i < w * h; i++) matte[i] = Math.round((refined[i] * sourceRgba[i * 4 + 3]) / 255);
  }
  const fg = estimateForeground(rgb, matte, w, h);
  if (sourceRgba) {
    // Decontamination would read a 35% glass flattened on white as a glass mixed with white and
    // guess its colour; the PNG already holds it. Only where the model cut into the PNG's own
    // pixels does the estimate stay.
    for (let i = 0; i < w * h; i++) {
      if (refined[i] !== 255) continue;
      for (let c = 0; c < 3; c++) fg[i * 3 + c] = sourceRgba[i * 4 + c];
    }
  }
  return { matte, cutout: rgba(fg, matte), glass: glass && { made: false, why: glass.why } };
}

function rgba(fg: Uint8Array, matte: Uint8Array): Uint8Array {
  const cutout = new Uint8Array(matte.length * 4);
  for (let i = 0; i < matte.length; i++) {
    cutout[i * 4] = fg[i * 3];
    cutout[i * 4 + 1] = fg[i * 3 + 1];
    cutout[i * 4 + 2] = fg[i * 3 + 2];
    cutout[i * 4 + 3] = matte[i];
  }
  return cutout;
}

/** Whether the second look's prediction holds the first's (model-io.ts covers). */
const holds = (msg: { second: Float32Array; first: Float32Array; io: SegmentationIo }) => covers(msg.second, msg.first, msg.io);
const inputs = (msg: { view: Uint8Array; io: SegmentationIo }) => modelInputs(msg.view, msg.io);

export type MatteTasks = { refine: typeof refine; inputs: typeof inputs; holds: typeof holds };

serveTasks({ refine, inputs, holds } satisfies MatteTasks);
