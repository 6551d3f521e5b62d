import type { Box, Rgb } from '../vision/image.types';
import type { TextTypography } from './typography';

export type LayerKind = 'background' | 'shape' | 'object' | 'text';

/** One layer of a decomposed poster: full-canvas straight-alpha RGBA while it is being built. */
export interface DecomposedLayer {
  kind: LayerKind;
  name: string;
  /** width * height * 4, straight (not premultiplied) alpha. */
  rgba: Uint8Array;
  /** Bounding box of alpha > 0 (the whole canvas for the background). */
  box: Box;
  /** Pixels with alpha >= 128. */
  area: number;
  text?: string;
  /** A text layer's typography, once matched (FontMatchService). */
  typography?: TextTypography;
  colors: Rgb[];
  description: string;
}

export interface Decomposition {
  width: number;
  height: number;
  /** Back to front. */
  layers: DecomposedLayer[];
  /** The layers stacked again against the input, in dB (Infinity when exact). */
  psnr: number;
  requested: number | 'auto';
  /** What found each kind: model ids and tools, for the result. */
  engines: Record<string, string>;
  timings: Record<string, number>;
}

export interface LayerMetadata {
  index: number;
  file: string;
  name: string;
  kind: LayerKind;
  box: Box;
  area: number;
  colors: string[];
  text: string | null;
  /** A text layer's typography (family, size, colour, alignment...), null for other layers or where no text was read. */
  typography: TextTypography | null;
  /** Null when the request asked for no descriptions (describe: false). */
  description: string | null;
}
