import { Injectable } from '@nestjs/common';
import { DomainException, throwIfAborted } from '../../common/errors/domain.exception';
import { ErrorCode } from '../../common/errors/error-codes';
import type { BackgroundProvider, BackgroundRequest, BackgroundResult } from './background-provider';
import { parsePromptStyle } from './color-words';
import { floorTexture } from './floor-texture';
import { mulberry32 } from './procedural-noise';
import { planLayout, renderStudio } from './studio-renderer';
import { chooseScheme } from './studio-scheme';

/** Largest side the procedural studio will draw; far above every ad preset. */
const MAX_SIDE = 8192;

/**
 * The embedded background provider: a procedural photo studio (seamless sweep or table top,
 * light pool, vignette, grain) coloured by the prompt's colour words or, failing those, by the
 * product's palette. No network, no model, deterministic per seed.
 *
 * `strength` and `guidanceScale` steer generative providers; here there is nothing to steer.
 */
@Injectable()
export class StudioBackgroundProvider implements BackgroundProvider {
  readonly id = 'studio';

  async generate(req: BackgroundRequest): Promise<BackgroundResult> {
    const { width, height } = req;
    if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1 || width > MAX_SIDE || height > MAX_SIDE) {
      throw new DomainException(ErrorCode.INVALID_PARAMETER, `background size must be 1..${MAX_SIDE} px per side`, { width, height });
    }
    throwIfAborted(req.signal);
    // One stream of randomness, consumed in a fixed order: scheme, then layout.
    const rng = mulberry32(req.seed);
    const style = parsePromptStyle(req.prompt, req.negativePrompt);
    const view = req.view ?? 'eye-level';
    const scheme = chooseScheme(style, req.palette, rng, view);
    const layout = planLayout({ width, height, productBox: req.productBox, floorY: req.floorY, view, elevationDeg: req.elevationDeg }, scheme.material !== null, rng, scheme.plate !== null);
    const texture = scheme.material ? floorTexture(scheme.material) : null;
    const data = await renderStudio(scheme, layout, texture, req.seed, req.signal);
    return {
      image: { data, width, height, channels: 3 },
      provider: this.id,
      description: scheme.description,
      meta: {
        seed: req.seed,
        source: scheme.source,
        matchedWords: style.matchedWords,
        colors: scheme.colors,
        material: scheme.material,
        wall: scheme.wall,
        floor: scheme.floor,
        light: scheme.light,
        horizonY: Math.round(layout.horizonY),
        keyLight: { x: Math.round(layout.keyLight.x), y: Math.round(layout.keyLight.y) },
      },
    };
  }
}
