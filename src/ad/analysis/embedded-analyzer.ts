import { Injectable } from '@nestjs/common';
import { dominantPalette, type PaletteEntry } from '../../vision/palette';
import type { Box, RawImage, Rgb } from '../../vision/image.types';
import type { AnalyzeRequest, ImageAnalysis, ImageAnalyzer, TextBoxCandidate } from './analysis.types';
import { describeAnalysis } from './describe';
import { boxFromMask, estimateProductBox } from './product-locator';
import { BoxSums, grid3x3, luminancePercentiles, makeThumbnail, type Thumbnail } from './raster-stats';
import { safeZoneBox } from './safe-zones';
import { fallbackCandidate, findTextCandidates } from './text-candidates';
import { chooseTextColor } from '../../vision/text-color';

/** Long side of the working thumbnail: enough to see a headline-sized calm area, ~37k pixels. */
const THUMBNAIL_SIDE = 256;

/**
 * Stage 2 analysis without a model: where the Stage 1 shot has calm room for the copy (inside
 * the placement's text-safe zone, clear of the product), how bright and busy it is there, and
 * which text colour reads on it. Pure arithmetic on a block-averaged thumbnail plus full-
 * resolution luminance percentiles for the candidate boxes; ~20-40 ms for 1080x1920 on one core.
 */
@Injectable()
export class EmbeddedImageAnalyzer implements ImageAnalyzer {
  readonly id = 'embedded';

  async analyze(request: AnalyzeRequest): Promise<ImageAnalysis> {
    request.signal?.throwIfAborted();
    const { data, width, height } = request.image;
    if (data.length !== width * height * 3) throw new RangeError(`image buffer holds ${data.length} bytes, expected ${width * height * 3}`);
    // A mask only helps when it lines up with the canvas pixel for pixel.
    const mask = request.productMask && request.productMask.width === width && request.productMask.height === height ? request.productMask.data : undefined;
    const thumb = makeThumbnail(data, width, height, THUMBNAIL_SIDE, mask);
    const productBox = locateProduct(request, thumb, mask);
    const safeZone = safeZoneBox(width, height, request.preset);
    const sums = new BoxSums(thumb);
    const search = { width, height, safe: safeZone, product: productBox, position: request.position, sums };
    const found = findTextCandidates(search);
    const candidates: TextBoxCandidate[] = (found.length > 0 ? found : [fallbackCandidate(search)]).map((c) => {
      const [p10, p90] = luminancePercentiles(data, width, c.box, [0.1, 0.9]);
      return { ...c, luminanceP10: p10, luminanceP90: p90 };
    });
    request.signal?.throwIfAborted();

    const thumbImage: RawImage = { data: Buffer.from(thumb.rgb.buffer, thumb.rgb.byteOffset, thumb.rgb.byteLength), width: thumb.width, height: thumb.height, channels: 3 };
    const palette = dominantPalette(thumbImage, { k: 5 });
    const best = candidates[0];
    const choice = chooseTextColor({ mean: best.meanLuminance, p10: best.luminanceP10 ?? best.meanLuminance, p90: best.luminanceP90 ?? best.meanLuminance }, palette);
    const backdropColor = (productBox ? regionPalette(thumb, productBox, false)[0]?.color : undefined) ?? palette[0]?.color ?? [128, 128, 128];
    // Without a mask the product's box also holds backdrop: name the first colour that is not it.
    const inside = productBox ? regionPalette(thumb, productBox, true) : [];
    const productColor = (inside.find((e) => e.share >= 0.1 && colorDistance(e.color, backdropColor) > 48) ?? inside[0])?.color ?? null;
    const description = describeAnalysis({
      productColor,
      backdropColor,
      height,
      best: found.length > 0 ? best : null,
      others: candidates.slice(1),
      textColor: choice.color,
      textKind: choice.kind,
      contrast: choice.contrast,
    });
    return {
      width,
      height,
      palette: palette.map((e) => ({ color: e.color, share: e.share })),
      luminanceGrid: grid3x3(thumb.lum, thumb.width, thumb.height),
      edgeGrid: grid3x3(thumb.edges, thumb.width, thumb.height),
      productBox,
      safeZone,
      candidates,
      textColor: choice.color,
      contrast: choice.contrast,
      description,
      provider: this.id,
    };
  }
}

/** The mask when Stage 1 ran in this job, else the box it handed over, else an estimate. */
function locateProduct(request: AnalyzeRequest, thumb: Thumbnail, mask: Buffer | undefined): Box | null {
  const { width, height } = request.image;
  if (mask) {
    const box = boxFromMask(mask, width, height);
    if (box) return box;
  }
  const given = request.productBox;
  if (given && given.width > 0 && given.height > 0) {
    const x = Math.max(0, Math.min(width - 1, Math.round(given.x)));
    const y = Math.max(0, Math.min(height - 1, Math.round(given.y)));
    return { x, y, width: Math.max(1, Math.min(width - x, Math.round(given.width))), height: Math.max(1, Math.min(height - y, Math.round(given.height))) };
  }
  return estimateProductBox(thumb);
}

/**
 * Palette of the thumbnail inside (product) or outside (backdrop) a canvas box, through the
 * alpha channel dominantPalette already understands; the mask refines "inside" when present.
 */
function regionPalette(thumb: Thumbnail, box: Box, inside: boolean): PaletteEntry[] {
  const { width: w, height: h, rgb, mask, scaleX, scaleY } = thumb;
  const rgba = Buffer.alloc(w * h * 4);
  for (let y = 0; y < h; y++) {
    const cy = (y + 0.5) * scaleY;
    for (let x = 0; x < w; x++) {
      const p = y * w + x;
      const cx = (x + 0.5) * scaleX;
      const inBox = cx >= box.x && cx < box.x + box.width && cy >= box.y && cy < box.y + box.height;
      const isProduct = mask ? mask[p] >= 0.5 : inBox;
      rgba[p * 4] = rgb[p * 3];
      rgba[p * 4 + 1] = rgb[p * 3 + 1];
      rgba[p * 4 + 2] = rgb[p * 3 + 2];
      rgba[p * 4 + 3] = isProduct === inside ? 255 : 0;
    }
  }
  return dominantPalette({ data: rgba, width: w, height: h, channels: 4 }, { k: 3 });
}


function colorDistance(a: Rgb, b: Rgb): number {
  return Math.hypot(a[0] - b[0], a[1] - b[1], a[2] - b[2]);
}
