import type { Box, RawImage, Rgb } from '../../vision/image.types';
import type { CameraView } from '../analysis/camera-view';

/**
 * Everything a background provider gets. The embedded studio provider draws from the prompt and
 * the palette; an edit-style provider (an OpenAI-compatible Images API: gpt-image-1, FLUX) sends
 * `productMask` so that only the pixels around the product are generated.
 */
export interface BackgroundRequest {
  prompt: string;
  negativePrompt: string;
  width: number;
  height: number;
  seed: number;
  /** The product's dominant colours, most dominant first. */
  palette: Rgb[];
  /** Where the product will stand on the canvas. */
  productBox: Box;
  /** Canvas y of the product's base: the floor line. */
  floorY: number;
  /** How the camera saw the product: the set is built to match (a flat lay from above). */
  view?: CameraView;
  /** Camera elevation in degrees, when it was measured. */
  elevationDeg?: number | null;
  /** Canvas-size 1-channel mask (255 = product), for edit-style providers. */
  productMask?: RawImage;
  /** Canvas-size RGBA: the product where it will stand, transparent elsewhere (edit mode). */
  placedProduct?: RawImage;
  mode?: 'edit' | 'generate';
  /** 0..1: how far a generative provider may move from its starting point. */
  strength: number;
  guidanceScale: number;
  signal?: AbortSignal;
}

export interface BackgroundResult {
  /** channels 3, width x height of the request. */
  image: RawImage;
  provider: string;
  /** What was drawn, e.g. "warm beige sweep, wooden floor, soft vignette". */
  description: string;
  meta: Record<string, unknown>;
}

export interface BackgroundProvider {
  readonly id: string;
  generate(req: BackgroundRequest): Promise<BackgroundResult>;
}

/** Nest injection token for the active provider. */
export const BACKGROUND_PROVIDER = Symbol('BACKGROUND_PROVIDER');

/**
 * Where a provider says its key light comes from (canvas coordinates), stored in
 * `BackgroundResult.meta.keyLight` so the compositor casts the shadow away from it.
 */
export interface KeyLight {
  x: number;
  y: number;
}

export function keyLightFromMeta(meta: Record<string, unknown>): KeyLight | undefined {
  const value = meta.keyLight;
  if (typeof value !== 'object' || value === null) return undefined;
  const { x, y } = value as Record<string, unknown>;
  return typeof x === 'number' && typeof y === 'number' ? { x, y } : undefined;
}
