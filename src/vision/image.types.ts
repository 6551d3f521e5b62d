/** Raw, interleaved 8-bit pixels. Stages pass these around and encode PNG only at the edges. */
export interface RawImage {
  data: Buffer;
  width: number;
  height: number;
  channels: 1 | 3 | 4;
}

export type Rgb = [number, number, number];

export interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** Canvas presets from the ad platforms' recommended sizes. */
export const ASPECT_PRESETS = {
  '1:1': { width: 1080, height: 1080 },
  '4:5': { width: 1080, height: 1350 },
  '9:16': { width: 1080, height: 1920 },
  '1.91:1': { width: 1200, height: 628 },
} as const;

export type AspectPreset = keyof typeof ASPECT_PRESETS;
export const DEFAULT_CANVAS = { width: 1024, height: 1024 } as const;
