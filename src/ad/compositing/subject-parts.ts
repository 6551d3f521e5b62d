import { labelComponents } from '../../vision/masks';
import { opaqueBox } from '../../vision/masks';
import type { Box, RawImage } from '../../vision/image.types';

/** Alpha that counts as part of something (glass bodies are often well under half opaque). */
const PRESENT = 32;
/** A part whose alpha mass is under this share of the largest part's is a stray fragment. */
const STRAY_SHARE = 0.03;

export interface SubjectParts {
  /** Bbox of alpha >= 128 over the kept parts. */
  box: Box;
  kept: number;
  dropped: number;
}

/**
 * A set of products stays together; crumbs the matte picked up elsewhere (a reflection, a
 * corner of a prop) go. Parts are the 8-connected regions of visible alpha; each one whose
 * alpha mass is at least 3% of the largest's is kept, whatever its distance, so a group of
 * products is placed as one. The others are cleared from the matte and the cutout in place.
 * Null when nothing would change.
 */
export function keepSubjectParts(matte: RawImage, cutout: RawImage): SubjectParts | null {
  if (matte.channels !== 1) throw new RangeError('the matte must have one channel');
  const { width: w, height: h } = matte;
  const present = new Uint8Array(w * h);
  for (let i = 0; i < present.length; i++) present[i] = matte.data[i] >= PRESENT ? 1 : 0;
  const { labels, components } = labelComponents(present, w, h);
  if (components.length < 2) return null;
  const mass = new Float64Array(components.length + 1);
  for (let i = 0; i < labels.length; i++) if (labels[i]) mass[labels[i]] += matte.data[i];
  const largest = Math.max(...mass);
  const stray = components.filter((c) => mass[c.id] < largest * STRAY_SHARE);
  if (stray.length === 0) return null;
  const isStray = new Uint8Array(components.length + 1);
  for (const c of stray) isStray[c.id] = 1;
  for (const c of stray) {
    // The part and the faint fringe (under PRESENT) around it, not a neighbour's pixels.
    const x0 = Math.max(0, c.box.x - 2);
    const y0 = Math.max(0, c.box.y - 2);
    const x1 = Math.min(w, c.box.x + c.box.width + 2);
    const y1 = Math.min(h, c.box.y + c.box.height + 2);
    for (let y = y0; y < y1; y++) {
      for (let x = x0; x < x1; x++) {
        const p = y * w + x;
        if (labels[p] === 0 ? present[p] === 0 : isStray[labels[p]]) {
          matte.data[p] = 0;
          cutout.data[p * cutout.channels + 3] = 0;
        }
      }
    }
  }
  const { box } = opaqueBox(matte.data, w, h);
  if (!box) return null;
  return { box, kept: components.length - stray.length, dropped: stray.length };
}
