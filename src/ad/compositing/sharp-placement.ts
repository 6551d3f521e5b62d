import type { Box, RawImage } from '../../vision/image.types';
import { scaleProduct, type ScaledProduct } from './composite';
import { cutSides } from './frame-cuts';
import type { Placement } from './placement';
import { detailSharpness, KEEP_SHARPNESS, NO_DETAIL, productSharpness } from './sharpness';

/** The placement rounds to whole pixels and lands on another subpixel phase: the search keeps a little more than it must. */
const SEARCH_MARGIN = 0.03;
/** Halvings of the interval between 1 and the wanted scale: about 1/16 of it. */
const SEARCH_STEPS = 4;

export interface SharpPlacement {
  placement: Placement;
  /** The product scaled onto the placement, when the search made it (the composite reuses it). */
  scaled: ScaledProduct | null;
  /** The enlargement the product was held to; null when nothing held it back. */
  cap: number | null;
  /** The photo's detail sharpness (detailSharpness of the cutout's box), when the search measured it. */
  source?: number;
}

/**
 * No soft enlargements: the layout's placement, unless enlarging the product that far loses
 * more than KEEP_SHARPNESS of the photo's detail sharpness; then the largest placement that
 * keeps it, found by bisection between 1 (nothing resampled up) and the wanted scale. Each try
 * is the real resize the composite makes (scaleProduct: lanczos3, sharpened inside the matte),
 * measured on its pixels, so the quality report reads the same number. A subject bled off the
 * canvas must span it and is left as laid out.
 */
export async function placeSharply(cutout: RawImage, productBox: Box, place: (maxUpscale?: number) => Placement): Promise<SharpPlacement> {
  const wanted = place();
  if (wanted.scale <= 1 || cutSides(wanted.bleed).length) return { placement: wanted, scaled: null, cap: null };
  const source = productSharpness(cutout, productBox);
  if (source < NO_DETAIL) return { placement: wanted, scaled: null, cap: null, source };
  const attempt = async (placement: Placement) => {
    const scaled = await scaleProduct(cutout, productBox, placement.box);
    return { placement, scaled, keeps: detailSharpness(scaled.data, scaled.width, scaled.height) >= source * (KEEP_SHARPNESS + SEARCH_MARGIN) };
  };
  const first = await attempt(wanted);
  if (first.keeps) return { placement: wanted, scaled: first.scaled, cap: null, source };
  let best: { placement: Placement; scaled: ScaledProduct | null } = { placement: place(1), scaled: null };
  let lo = 1;
  let hi = wanted.scale;
  for (let i = 0; i < SEARCH_STEPS; i++) {
    const mid = (lo + hi) / 2;
    const tried = await attempt(place(mid));
    if (tried.keeps) {
      lo = mid;
      best = tried;
    } else {
      hi = mid;
    }
  }
  return { ...best, cap: Math.round(lo * 1000) / 1000, source };
}
