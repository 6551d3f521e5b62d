/**
 * Worker thread for the ad's Stage 1 pixel loops: judging and tidying the cutout, composing the
 * shot (the shadow's blur, the per-pixel blending). Tens of milliseconds each, 100-170 ms in a
 * row; on the main thread they stalled every HTTP answer queued behind them (docs/benchmarks.md,
 * one instance under 200 pollers). Served by ad-pixels.service.ts.
 */
import { asBuffer, serveTasks } from '../../common/task-worker';
import { cutoutConfidence } from '../../quality/quality-checks';
import type { Box, RawImage } from '../../vision/image.types';
import { dominantColors } from '../../vision/palette';
import { composeProductShot, type ComposeInput, type ComposeResult, type ScaledProduct } from '../compositing/composite';
import { frameCuts, NO_CUTS } from '../compositing/frame-cuts';
import { keepSubjectParts } from '../compositing/subject-parts';

/** ComposeInput as it crosses threads: plain data, with the product already scaled. */
export type ComposeTaskInput = Omit<ComposeInput, 'scaled' | 'signal'> & { scaled: ScaledProduct };

const restored = (image: RawImage): RawImage => ({ ...image, data: asBuffer(image.data) });

function compose(input: ComposeTaskInput): Promise<ComposeResult> {
  return composeProductShot({
    ...input,
    background: restored(input.background),
    cutout: restored(input.cutout),
    scaled: { ...input.scaled, data: asBuffer(input.scaled.data) },
  });
}

export interface CutoutPieces {
  outline: RawImage;
  matte: RawImage;
  cutout: RawImage;
  /** The matte is a glass's see-through one (what is cleared from the outline goes from it too). */
  seeThrough: boolean;
  box: Box;
  /** A PNG already cut out: it touches its canvas because it was cropped, not cut. */
  cutAlready: boolean;
}

/**
 * A set of products stays one subject, stray fragments of the matte go (keepSubjectParts over
 * the outline), then which sides of the frame cut the subject. Returns the tidied pieces.
 */
function tidy(input: CutoutPieces) {
  const outline = restored(input.outline);
  const matte = restored(input.matte);
  const cutout = restored(input.cutout);
  const parts = keepSubjectParts(outline, cutout);
  if (parts && input.seeThrough) {
    for (let i = 0; i < matte.data.length; i++) if (outline.data[i] < matte.data[i]) matte.data[i] = outline.data[i];
  }
  const box = parts?.box ?? input.box;
  return { outline, matte, cutout, parts, box, cuts: input.cutAlready ? NO_CUTS : frameCuts(outline, box) };
}

/** How crisp the outline's edges are (the card-or-cutout decision) and the product's colours. */
function judge(input: { outline: RawImage; box: Box; cutout: RawImage }) {
  return { check: cutoutConfidence(restored(input.outline), input.box), palette: dominantColors(restored(input.cutout)) };
}

export type AdPixelTasks = { compose: typeof compose; tidy: typeof tidy; judge: typeof judge };

serveTasks({ compose, tidy, judge } satisfies AdPixelTasks);
