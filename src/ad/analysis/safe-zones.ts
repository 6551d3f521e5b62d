import { TALL_SAFE_ZONE } from '../compositing/placement';
import { ASPECT_PRESETS, type AspectPreset, type Box } from '../../vision/image.types';

/** Insets from each canvas edge as a share of that axis (top/bottom of height, left/right of width). */
export interface SafeZoneInsets {
  top: number;
  right: number;
  bottom: number;
  left: number;
}

export interface SafeZoneRule extends SafeZoneInsets {
  /** Where the numbers come from, so they can be re-checked when the platforms change their UI. */
  source: string;
}

export type SafeZoneKey = AspectPreset | 'default';

/**
 * Graphics-safe convention for placements without platform UI over the picture: EBU R 95 /
 * ITU-R BT.1848 keep graphics inside the central 90% of each axis (5% from every edge). Feed
 * placements (1:1, 4:5) show the whole image, but they sit between a caption and a CTA bar and
 * get rounded corners on mobile, so text that hugs the edge reads as cropped. Horizontally we use
 * 6%, the same outer margin the product placement keeps (compositing/placement.ts), so copy and
 * product line up on one frame.
 */
const FEED_RULE: SafeZoneRule = {
  top: 0.05,
  right: 0.06,
  bottom: 0.05,
  left: 0.06,
  source: 'EBU R 95 / ITU-R BT.1848 graphics-safe area (5% per edge); 6% sides to match the product placement margin',
};

export const TEXT_SAFE_ZONES: Readonly<Record<SafeZoneKey, SafeZoneRule>> = {
  '1:1': FEED_RULE,
  '4:5': FEED_RULE,
  /**
   * Stories / Reels: the profile header covers the top ~14% (250 px of 1920) and the CTA and
   * caption the bottom ~20% (340 px); Meta's guidance also keeps ~6% free on each side
   * (Meta Business Help Center, "About safe zones for Stories and Reels ads"). Reels-only ads put
   * likes and a longer caption over up to 35% at the bottom; the shared Stories numbers are used
   * here, the same ones the product placement uses (TALL_SAFE_ZONE).
   */
  '9:16': {
    top: TALL_SAFE_ZONE.top,
    right: 0.06,
    bottom: TALL_SAFE_ZONE.bottom,
    left: 0.06,
    source: 'Meta Business Help Center, "About safe zones for Stories and Reels ads": top 14%, bottom 20%, sides 6%',
  },
  /**
   * 1.91:1 link / landscape feed images: no UI over the image, but the short side is only 628 px,
   * so 5% of the height (31 px) is too tight next to a 60 px side margin; 8% of the height keeps
   * the vertical and horizontal margins about equal in pixels (EBU R 95 graphics-safe spirit).
   */
  '1.91:1': {
    top: 0.08,
    right: 0.05,
    bottom: 0.08,
    left: 0.05,
    source: 'EBU R 95 / ITU-R BT.1848 graphics-safe 5% of the width; 8% of the height for equal pixel margins',
  },
  /** The service's default 1024x1024 canvas is a square feed image. */
  default: FEED_RULE,
};

/** Aspect ratios at most this far apart (relative) count as the same preset. */
const ASPECT_TOLERANCE = 0.03;

/** The preset whose aspect ratio the canvas has, or 'default' for free sizes. */
export function presetForCanvas(width: number, height: number): SafeZoneKey {
  const aspect = width / height;
  for (const [key, size] of Object.entries(ASPECT_PRESETS) as Array<[AspectPreset, { width: number; height: number }]>) {
    const target = size.width / size.height;
    if (Math.abs(aspect - target) / target <= ASPECT_TOLERANCE) return key;
  }
  // A free size still gets the tall rule when it is tall enough to be shown full-screen.
  if (aspect <= 1 / 1.6) return '9:16';
  return 'default';
}

/** The rule for a preset (when the job named one) or for the canvas shape. */
export function safeZoneRule(width: number, height: number, preset?: AspectPreset): SafeZoneRule {
  return TEXT_SAFE_ZONES[preset ?? presetForCanvas(width, height)];
}

/** The text-safe rectangle in canvas pixels (integer, inside the canvas). */
export function safeZoneBox(width: number, height: number, preset?: AspectPreset): Box {
  const rule = safeZoneRule(width, height, preset);
  const x = Math.ceil(width * rule.left);
  const y = Math.ceil(height * rule.top);
  const right = Math.floor(width * (1 - rule.right));
  const bottom = Math.floor(height * (1 - rule.bottom));
  return { x, y, width: Math.max(1, right - x), height: Math.max(1, bottom - y) };
}
