import type { Rgb } from '../vision/image.types';
import { deltaE, hueDelta, toHsv } from '../vision/color-math';

/** A colour as the report names it: the prompt's name and its sRGB. */
export interface AskedColor {
  name: string;
  rgb: Rgb;
  /** Metal is a range of values by nature (a highlight and its falloff): judged by hue, or for silver by greyness, not by value. */
  metallic?: boolean;
}

/** The colour line of the quality report: did the backdrop come out in the colours asked for? */
export interface ColorCheck {
  first: string;
  /** Share of the visible backdrop in the first colour (its hue +-20 degrees, vivid as asked). */
  firstShare: number;
  /** Circular distance from the asked hue to the backdrop's median hue; null for white, grey, black. */
  hueError: number | null;
  accent: string | null;
  /** Share of the visible backdrop in the second colour (hue +-15 degrees); null when none was asked. */
  accentShare: number | null;
  ok: boolean;
}

/** A backdrop "is" the first colour when at least this share of it shows it. */
export const FIRST_SHARE_GOAL = 0.5;
/** A designer's accent is visible: at least this share of the backdrop. */
export const ACCENT_SHARE_GOAL = 0.03;
const FIRST_HUE_TOLERANCE = 20;
const ACCENT_HUE_TOLERANCE = 15;
/** Below this HSV saturation a colour is white, grey or black: judged by value, not hue. */
const ACHROMATIC = 0.1;

interface Matcher {
  (r: number, g: number, b: number): boolean;
}

function matcher({ rgb, metallic }: AskedColor, hueTolerance: number, vividShare: number): Matcher {
  const asked = toHsv(rgb);
  if (asked.s < ACHROMATIC) {
    const [lo, hi] = metallic ? [asked.v * 0.45, 1] : [asked.v - 0.22, asked.v + 0.22];
    return (r, g, b) => {
      const { s, v } = toHsv([r, g, b]);
      return s < 0.2 && v > lo && v < hi;
    };
  }
  // Vivid as asked: a red asked at saturation 0.8 needs >= 0.6 (the bar); a pastel asked at 0.3 needs 0.22.
  const minS = Math.min(0.6, asked.s * vividShare);
  return (r, g, b) => {
    const hsv = toHsv([r, g, b]);
    return hsv.s >= minS && hsv.v >= 0.12 && Math.abs(hueDelta(asked.h, hsv.h)) <= hueTolerance;
  };
}

/**
 * Reads the final ad's backdrop (every pixel the product does not cover: `productAlpha` < 128,
 * RGBA canvas) against the asked colours. Sampled on a 2 px grid: shares, not edges, matter.
 */
export function checkBackdropColors(final: { data: Uint8Array; width: number; height: number; channels: number }, productAlpha: Uint8Array | null, first: AskedColor, accent: AskedColor | null): ColorCheck {
  const isFirst = matcher(first, FIRST_HUE_TOLERANCE, 0.75);
  const isAccent = accent ? matcher(accent, ACCENT_HUE_TOLERANCE, 0.6) : null;
  const askedHsv = toHsv(first.rgb);
  const chromatic = askedHsv.s >= ACHROMATIC;
  const hues: number[] = [];
  const asked = askedHsv.h;
  // A pastel's pixels are barely saturated: their hue still counts from half the asked saturation.
  const hueFrom = Math.min(0.2, askedHsv.s * 0.5);
  let total = 0;
  let inFirst = 0;
  let inAccent = 0;
  const { data, width, height, channels } = final;
  for (let y = 0; y < height; y += 2) {
    for (let x = 0; x < width; x += 2) {
      const p = y * width + x;
      if (productAlpha && productAlpha[p * 4 + 3] >= 128) continue;
      const i = p * channels;
      const r = data[i];
      const g = data[i + 1];
      const b = data[i + 2];
      total++;
      const f = isFirst(r, g, b);
      const a = isAccent?.(r, g, b) ?? false;
      // Two colours of one hue family (beige and brown) can both claim a pixel: the nearer one gets it.
      if (f && a) {
        if (deltaE([r, g, b], first.rgb) <= deltaE([r, g, b], accent!.rgb)) inFirst++;
        else inAccent++;
      } else if (f) inFirst++;
      else if (a) inAccent++;
      if (chromatic && (total & 3) === 0) {
        const hsv = toHsv([r, g, b]);
        if (hsv.s >= hueFrom) hues.push(hueDelta(asked, hsv.h));
      }
    }
  }
  const firstShare = total ? inFirst / total : 0;
  const accentShare = accent && total ? inAccent / total : null;
  hues.sort((a, b) => a - b);
  const hueError = chromatic ? (hues.length ? Math.abs(hues[hues.length >> 1]) : 180) : null;
  const ok = firstShare >= FIRST_SHARE_GOAL && (accentShare === null || accentShare >= ACCENT_SHARE_GOAL);
  const round = (v: number) => Math.round(v * 1000) / 1000;
  return {
    first: first.name,
    firstShare: round(firstShare),
    hueError: hueError === null ? null : Math.round(hueError),
    accent: accent?.name ?? null,
    accentShare: accentShare === null ? null : round(accentShare),
    ok,
  };
}
