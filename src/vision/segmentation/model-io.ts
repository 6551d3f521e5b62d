import type { SegmentationIo } from '../../models/model.types';
import { lowContrastBoost } from './backdrop-contrast';

/**
 * The segmentation model's input and output as plain arrays: pure loops over a megapixel, run on
 * the matte worker's thread (matte-worker.ts) so the main thread stays free for HTTP.
 */

/** A size x size RGB view normalised per channel into CHW floats. */
export function modelInputData(resized: Uint8Array, io: SegmentationIo): Float32Array {
  const plane = io.size * io.size;
  const data = new Float32Array(3 * plane);
  for (let c = 0; c < 3; c++) {
    const mean = io.mean[c];
    const inv = 1 / io.std[c];
    const offset = c * plane;
    for (let i = 0; i < plane; i++) data[offset + i] = (resized[i * 3 + c] - mean) * inv;
  }
  return data;
}

export interface ModelInputs {
  /** What the model sees first. */
  input: Float32Array;
  /** A plain backdrop's contrast-stretched view for a second look (backdrop-contrast.ts), or null. */
  boost: { input: Float32Array; gain: number } | null;
}

/** Both looks' inputs from the model's view of the photo. */
export function modelInputs(view: Uint8Array, io: SegmentationIo): ModelInputs {
  const boost = lowContrastBoost(view, io.size, io.size);
  return { input: modelInputData(view, io), boost: boost && { input: modelInputData(boost.image, io), gain: boost.gain } };
}

/** The model's raw output as a foreground probability. */
export function probability(value: number, io: SegmentationIo): number {
  return io.activation === 'sigmoid' ? 1 / (1 + Math.exp(-value)) : value;
}

/** The model's single-channel output as an 8-bit mask at the model's size. */
export function maskPlane(values: Float32Array, io: SegmentationIo): Uint8Array {
  const mask = new Uint8Array(values.length);
  for (let i = 0; i < mask.length; i++) {
    const v = probability(values[i], io);
    mask[i] = v <= 0 ? 0 : v >= 1 ? 255 : Math.round(v * 255);
  }
  return mask;
}

/** Whether mask `a` holds at least 90% of mask `b`'s foreground (an empty `b` is held by anything). */
export function covers(a: Float32Array, b: Float32Array, io: SegmentationIo): boolean {
  if (a.length !== b.length) return false;
  const on = (v: number) => probability(v, io) > 0.5;
  let inB = 0;
  let inBoth = 0;
  for (let i = 0; i < b.length; i++) {
    if (!on(b[i])) continue;
    inB++;
    if (on(a[i])) inBoth++;
  }
  return inBoth >= inB * 0.9;
}
