import { webcrypto } from 'node:crypto';
import type { Box, RawImage } from '../image.types';

/** What of a segmentation's result is kept and copied (segmentation.service.ts SegmentationResult). */
interface Cut {
  matte: RawImage;
  outline: RawImage;
  cutout: RawImage;
  box: Box | null;
  timings: Record<string, number>;
}

/**
 * The last few segmentations, by what went in: a shop makes several ads of one product photo
 * (other copy, placements, a redo), and the cutout of the same pixels by the same model is the
 * same, so the 2-4 s of inference and refinement are paid once. Bounded in bytes, least recently
 * used out first; every hit is a copy, so a caller that edits its cutout changes no other job's.
 */
export class RecentCutouts<T extends Cut> {
  private readonly entries = new Map<string, T>();
  private bytes = 0;

  constructor(private readonly maxBytes: number) {}

  /** The photo's pixels, size and channels, the model and the options that change the result. */
  async key(image: RawImage, modelId: string, seeThrough: boolean): Promise<string | null> {
    if (this.maxBytes === 0) return null;
    // SubtleCrypto digests on libuv's threads: a 3072 px photo's ~30 MB never stalls the main thread.
    const digest = await webcrypto.subtle.digest('SHA-256', image.data);
    return `${modelId}|${image.width}x${image.height}x${image.channels}|${seeThrough}|${Buffer.from(digest).toString('hex')}`;
  }

  get(key: string | null): T | null {
    const hit = key ? this.entries.get(key) : undefined;
    if (!hit || !key) return null;
    this.entries.delete(key);
    this.entries.set(key, hit);
    return copy(hit);
  }

  set(key: string | null, result: T): void {
    if (!key) return;
    const size = sizeOf(result);
    if (size > this.maxBytes) return;
    this.entries.set(key, copy(result));
    this.bytes += size;
    for (const [oldest, entry] of this.entries) {
      if (this.bytes <= this.maxBytes) break;
      this.entries.delete(oldest);
      this.bytes -= sizeOf(entry);
    }
  }
}

const image = (i: RawImage): RawImage => ({ ...i, data: Buffer.from(i.data) });
const copy = <T extends Cut>(r: T): T => ({
  ...r,
  matte: image(r.matte),
  outline: image(r.outline),
  cutout: image(r.cutout),
  box: r.box && { ...r.box },
  timings: { ...r.timings },
});
const sizeOf = (r: Cut): number => r.matte.data.length + r.outline.data.length + r.cutout.data.length;
