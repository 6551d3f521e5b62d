/**
 * Worker thread for the matte's pixel work: the guided-filter refinement and the colour
 * decontamination are plain JavaScript loops over the photo, 50-250 ms each, and on the main
 * thread they stalled every HTTP answer (a /status poll, an SSE event, a lease renewal) queued
 * behind them. Buffers cross by transfer.
 */
import { parentPort } from 'node:worker_threads';
import { estimateForeground, refineMatte } from './matte-refine';
import { glassBackdrop, seeThrough, type SeeThroughOutcome } from './see-through';

export interface MatteRequest {
  id: number;
  rgb: Uint8Array;
  coarse: Uint8Array;
  width: number;
  height: number;
  /**
   * An RGBA photo's own pixels (`rgb` is them flattened on white, for the model): its alpha bounds
   * the matte, and where the model kept the product whole its colours are the product's as they are.
   */
  sourceRgba?: Uint8Array;
  /** The product is glass: read its opacity against the photo's plain backdrop, where it has one (see-through.ts). */
  seeThrough?: boolean;
}

/**
 * `cutout`: RGBA, the decontaminated colours with the matte as alpha. With `seeThrough` asked:
 * `glass` says whether the see-through matte was made (and why not), and `outline` is the refined
 * matte before the glass's opacity was taken into it.
 */
export type MatteResponse =
  | { id: number; ok: true; matte: Uint8Array; cutout: Uint8Array; outline?: Uint8Array; glass?: SeeThroughOutcome }
  | { id: number; ok: false; error: string };

function handle(msg: MatteRequest): MatteResponse {
  const { rgb, coarse, width: w, height: h, sourceRgba } = msg;
  const refined = refineMatte(rgb, coarse, w, h);
  // Fitted here, not on the main thread: at 3072 px the fit alone takes over 100 ms.
  const glass = msg.seeThrough ? glassBackdrop(rgb, w, h, sourceRgba !== undefined) : undefined;
  if (glass?.backdrop) {
    const see = seeThrough(rgb, refined, w, h, glass.backdrop);
    return { id: msg.id, ok: true, matte: see.matte, cutout: rgba(see.fg, see.matte), outline: refined, glass: { made: true, why: glass.why } };
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
  return { id: msg.id, ok: true, matte, cutout: rgba(fg, matte), glass: glass && { made: false, why: glass.why } };
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

parentPort?.on('message', (msg: MatteRequest) => {
  try {
    const response = handle(msg);
    const buffers = response.ok ? [response.matte, response.cutout, ...(response.outline ? [response.outline] : [])].map((b) => b.buffer as ArrayBuffer) : [];
    parentPort?.postMessage(response, buffers);
  } catch (error) {
    parentPort?.postMessage({ id: msg.id, ok: false, error: error instanceof Error ? error.message : String(error) } satisfies MatteResponse);
  }
});
