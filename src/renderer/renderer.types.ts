import type { Box } from '../vision/image.types';

/** A font file the page may load: the renderer answers `url` with the bytes of `path`. */
export interface FontAsset {
  url: string;
  path: string;
}

/** Shrink-to-fit: the renderer finds the largest `cssVar` in [minPx, maxPx] with no overflow. */
export interface FitSpec {
  /** The element whose content must fit inside its own box (no scroll overflow). */
  selector: string;
  /** A CSS custom property on :root holding the base font size in px, e.g. '--fs'. */
  cssVar: string;
  minPx: number;
  maxPx: number;
}

export interface RenderRequest {
  /** A complete HTML document. Scripts never run and no request leaves the page. */
  html: string;
  width: number;
  height: number;
  fonts: FontAsset[];
  fit?: FitSpec;
  /** Selectors whose layout boxes (page pixels) come back in `boxes`. */
  measure?: string[];
  /** Selectors whose rendered glyphs are attributed to fonts in `fontsUsed`. */
  fontProbe?: string[];
  /** Selectors whose visible text (innerText: what display and visibility leave drawn) comes back in `texts`. */
  textOf?: string[];
  /**
   * Extra captures of the same fitted layout with a stylesheet added on top, for checks that
   * need the glyphs apart from what surrounds them (e.g. the text made transparent).
   */
  restyled?: Array<{ name: string; css: string }>;
  timeoutMs?: number;
  signal?: AbortSignal;
}

export interface FontUsage {
  family: string;
  glyphs: number;
}

export interface RenderResult {
  /** RGBA PNG, transparent where nothing was drawn, width x height. */
  png: Buffer;
  fittedPx: number | null;
  /** True when the fitted content still overflows at minPx. */
  overflow: boolean;
  boxes: Record<string, Box | null>;
  fontsUsed: Record<string, FontUsage[]>;
  texts: Record<string, string | null>;
  /** One RGBA PNG per `restyled` entry, by name. */
  restyledPng: Record<string, Buffer>;
  ms: number;
}

export const HTML_RENDERER = Symbol('HTML_RENDERER');

export interface HtmlRenderer {
  render(request: RenderRequest): Promise<RenderResult>;
}
