import type { FontAsset } from '../renderer/renderer.types';

export type Script = 'Hangul' | 'Latin' | 'Han' | 'Hiragana' | 'Katakana' | 'Cyrillic' | 'Greek' | 'Emoji';

export interface FontFile {
  path: string;
  weight: number;
  style: 'normal' | 'italic';
}

export interface FontFamily {
  family: string;
  weights: number[];
  styles: Array<'normal' | 'italic'>;
  scripts: Script[];
  files: FontFile[];
  source: 'system' | 'fonts-dir';
  previewUrl: string;
}

/** What a page needs to use some families: @font-face rules and the files behind their URLs. */
export interface FontFaceBundle {
  css: string;
  assets: FontAsset[];
  /** CSS font-family list: the chosen family first, then fallbacks that cover the rest. */
  stack: string;
}
