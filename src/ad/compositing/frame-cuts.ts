import type { Box, RawImage } from '../../vision/image.types';

/** The sides of the photo its subject runs off (a close-up cut by the frame). */
export interface FrameCuts {
  top: boolean;
  right: boolean;
  bottom: boolean;
  left: boolean;
}

export const NO_CUTS: FrameCuts = Object.freeze({ top: false, right: false, bottom: false, left: false });
export const SIDES = ['top', 'right', 'bottom', 'left'] as const;

/** Share of the subject's own width (or height) that must lie on a border for that side to count as cut. */
const MIN_RUN = 0.2;
const MIN_RUN_PX = 6;

/**
 * Where the subject is cut by the photo's frame: a side counts when the matte is solid
 * (alpha >= 128) along a real stretch of that border, at least a fifth of the subject's extent,
 * not where a corner or a stray hair merely grazes it. A subject touching all four sides is a
 * tightly cropped product shot, not a close-up: nothing is cut.
 */
export function frameCuts(matte: RawImage, box: Box): FrameCuts {
  const { width: w, height: h, channels: c } = matte;
  const solid = (x: number, y: number) => matte.data[(y * w + x) * c] >= 128;
  const run = (side: (typeof SIDES)[number]): number => {
    let count = 0;
    if (side === 'top' || side === 'bottom') {
      const y = side === 'top' ? 0 : h - 1;
      for (let x = box.x; x < box.x + box.width; x++) if (solid(x, y)) count++;
    } else {
      const x = side === 'left' ? 0 : w - 1;
      for (let y = box.y; y < box.y + box.height; y++) if (solid(x, y)) count++;
    }
    return count;
  };
  const cuts = { ...NO_CUTS };
  for (const side of SIDES) {
    const extent = side === 'top' || side === 'bottom' ? box.width : box.height;
    cuts[side] = run(side) >= Math.max(MIN_RUN_PX, extent * MIN_RUN);
  }
  if (SIDES.every((s) => cuts[s])) return { ...NO_CUTS };
  return cuts;
}

export function cutSides(cuts: FrameCuts): Array<(typeof SIDES)[number]> {
  return SIDES.filter((s) => cuts[s]);
}
