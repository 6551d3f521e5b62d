import { DomainException } from '../common/errors/domain.exception';
import { ErrorCode } from '../common/errors/error-codes';
import { ASPECT_PRESETS, type AspectPreset, DEFAULT_CANVAS } from '../vision/image.types';
import type { Canvas } from './ad.types';

export interface CanvasRequest {
  placements?: AspectPreset[];
  aspect_ratio?: AspectPreset;
  width?: number;
  height?: number;
}

/** The job's canvases: the placements, else one preset, else width x height, else 1024x1024. */
export function resolveCanvases(dto: CanvasRequest): Canvas[] {
  if (dto.placements && (dto.aspect_ratio || dto.width !== undefined)) {
    throw new DomainException(ErrorCode.INVALID_PARAMETER, 'give placements, or aspect_ratio, or width and height: not several', {
      field: 'placements',
    });
  }
  if (dto.placements) {
    return dto.placements.map((preset, index) => ({
      index,
      preset,
      ...ASPECT_PRESETS[preset],
      suffix: index === 0 ? '' : `_${preset.replace(':', 'x')}`,
    }));
  }
  if (dto.aspect_ratio) return [{ index: 0, preset: dto.aspect_ratio, ...ASPECT_PRESETS[dto.aspect_ratio], suffix: '' }];
  if ((dto.width === undefined) !== (dto.height === undefined)) {
    throw new DomainException(ErrorCode.INVALID_PARAMETER, 'width and height go together: give both or neither', {
      field: dto.width === undefined ? 'width' : 'height',
    });
  }
  return [{ index: 0, width: dto.width ?? DEFAULT_CANVAS.width, height: dto.height ?? DEFAULT_CANVAS.height, suffix: '' }];
}

/** '_4x5' for a placement's files, '_4x5_v2' for its second variant when a job has several. */
export function shotSuffix(shot: { canvas: Pick<Canvas, 'suffix'>; variant: number }, variants: number): string {
  return variants > 1 ? `${shot.canvas.suffix}_v${shot.variant + 1}` : shot.canvas.suffix;
}
