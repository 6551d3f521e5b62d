import { hslToRgb, rgbToHsl } from '../../vision/color-math';
import { colorName } from '../background/color-words';
import type { Rgb } from '../../vision/image.types';
import type { TextBoxCandidate } from './analysis.types';

/** "light beige", "dark red", "mid gray": the lexicon's nearest name plus a lightness word. */
export function describeColor(color: Rgb): string {
  const { s, l } = rgbToHsl(color);
  if (s < 0.12 || (s < 0.2 && (l < 0.15 || l > 0.88))) {
    if (l > 0.88) return 'white';
    if (l < 0.15) return 'black';
    return l > 0.6 ? 'light gray' : l < 0.35 ? 'dark gray' : 'gray';
  }
  const name = colorName(color);
  if (name === 'white') return 'off-white';
  if (name === 'black') return 'black';
  const lightness = l > 0.7 ? 'light ' : l < 0.3 ? 'dark ' : '';
  return `${lightness}${name}`;
}

function article(phrase: string): string {
  return /^[aeiou]/i.test(phrase) ? 'An' : 'A';
}

const PLACE: Record<TextBoxCandidate['position'], string> = {
  top: 'at the top',
  bottom: 'at the bottom',
  center: 'across the middle',
  left: 'on the left',
  right: 'on the right',
};

function colorWord(kind: 'light' | 'dark' | 'tint', color: Rgb): string {
  if (kind === 'light') return 'near-white';
  if (kind === 'dark') return 'near-black';
  // Tints sit at ink or paper lightness, where every hue looks black or white: name the hue.
  const { h, s, l } = rgbToHsl(color);
  const hue = colorName(hslToRgb({ h, s: Math.max(s, 0.5), l: 0.45 }));
  return l < 0.5 ? `deep ${hue}` : `${hue}-tinted white`;
}

export interface DescriptionInput {
  productColor: Rgb | null;
  backdropColor: Rgb;
  height: number;
  best: TextBoxCandidate | null;
  others: TextBoxCandidate[];
  textColor: Rgb;
  textKind: 'light' | 'dark' | 'tint';
  contrast: number;
}

/**
 * A one-sentence summary in the style of a vision model's caption ("A red product on a light
 * beige studio backdrop; calm space at the top ..."), so the analysis reads the same whichever
 * provider made it. The embedded analyzer sees colours and geometry, not what the product is.
 */
export function describeAnalysis(d: DescriptionInput): string {
  const backdrop = `${describeColor(d.backdropColor)} backdrop`;
  const subject = d.productColor ? `${describeColor(d.productColor)} product` : null;
  const scene = subject ? `${article(subject)} ${subject} on a ${backdrop}` : `${article(backdrop)} ${backdrop} with no clear product`;
  if (!d.best || d.best.score <= 0) {
    return `${scene}; no calm room for text outside the product, so the copy needs a backing panel.`;
  }
  const share = Math.round((d.best.box.height / d.height) * 100);
  const calm = d.best.edgeDensity < 0.05 ? 'calm' : d.best.edgeDensity < 0.2 ? 'fairly calm' : 'busy';
  const also = d.others.filter((c) => c.score > 0.2).map((c) => c.position);
  const alternatives = also.length > 0 ? `; also room ${also.map((p) => PLACE[p]).join(' and ')}` : '';
  return (
    `${scene}; ${calm} space ${PLACE[d.best.position]} (about ${share}% of the height)${alternatives}; ` +
    `the copy reads best in ${colorWord(d.textKind, d.textColor)} (contrast ${d.contrast.toFixed(1)}:1` +
    (d.contrast < 4.5 ? ', short of 4.5:1 without a halo or panel).' : ').')
  );
}
