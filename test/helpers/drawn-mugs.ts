import sharp from 'sharp';
import { maskIoU } from '../../src/vision/masks';

/**
 * A mug drawn lit from the left on a sweep of nearly its own colour (white on white, black on
 * black), and its exact silhouette: the photos a segmentation model finds hardest, with the
 * truth known to the pixel. 900 x 900.
 */

export interface MugTone {
  body: string;
  shade: string;
  light: string;
  top: string;
  bottom: string;
  shadow: string;
}

export const MUG_TONES = {
  white: { body: '#f4f3f0', shade: '#d9d6d0', light: '#ffffff', top: '#f7f6f3', bottom: '#ecebe7', shadow: '#b9b4aa' },
  black: { body: '#1c1c1e', shade: '#0a0a0b', light: '#3a3a3e', top: '#141416', bottom: '#0c0c0d', shadow: '#000000' },
} satisfies Record<string, MugTone>;

const MUG_PATHS = '<path d="M600 360 q120 0 120 110 q0 110 -120 110 v-44 q72 0 72 -66 q0 -66 -72 -66 z" fill="FILL"/><path d="M260 300 h340 v350 q0 50 -50 50 h-240 q-50 0 -50 -50 z" fill="FILL"/>';

/** The photo, as SVG: a soft floor shadow, the mug with its handle, the rim in the shade colour. */
const mugSvg = (tone: MugTone) =>
  `<svg xmlns="http://www.w3.org/2000/svg" width="900" height="900"><defs><linearGradient id="bg" x1="0" y1="0" x2="0" y2="1"><stop offset="0" stop-color="${tone.top}"/><stop offset="1" stop-color="${tone.bottom}"/></linearGradient>` +
  `<linearGradient id="m" x1="0" y1="0" x2="1" y2="0"><stop offset="0" stop-color="${tone.light}"/><stop offset="0.45" stop-color="${tone.body}"/><stop offset="1" stop-color="${tone.shade}"/></linearGradient>` +
  `<radialGradient id="sh"><stop offset="0" stop-color="${tone.shadow}" stop-opacity="0.55"/><stop offset="1" stop-color="${tone.shadow}" stop-opacity="0"/></radialGradient></defs>` +
  `<rect width="900" height="900" fill="url(#bg)"/><ellipse cx="440" cy="700" rx="230" ry="34" fill="url(#sh)"/>${MUG_PATHS.replaceAll('FILL', 'url(#m)')}<ellipse cx="430" cy="300" rx="170" ry="22" fill="${tone.shade}"/></svg>`;

const MUG_SILHOUETTE = `<svg xmlns="http://www.w3.org/2000/svg" width="900" height="900"><rect width="900" height="900"/>${MUG_PATHS.replaceAll('FILL', '#fff')}<ellipse cx="430" cy="300" rx="170" ry="22" fill="#fff"/></svg>`;

export const mugPhoto = (tone: MugTone): Promise<Buffer> => sharp(Buffer.from(mugSvg(tone))).png().toBuffer();

/** IoU (alpha >= 128) of a matte of the mug photo, at any size, with the drawn silhouette. */
export async function silhouetteIoU(mattePng: Buffer): Promise<number> {
  const truth = await sharp(Buffer.from(MUG_SILHOUETTE)).greyscale().raw().toBuffer();
  const matte = await sharp(mattePng).greyscale().resize(900, 900).raw().toBuffer();
  return maskIoU(truth, matte);
}
