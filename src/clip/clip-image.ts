import { RawImage, type ImageProcessor } from '@huggingface/transformers';
import { Tensor } from 'onnxruntime-node';
import sharp from 'sharp';
import { DomainException } from '../common/errors/domain.exception';
import { ErrorCode } from '../common/errors/error-codes';
import { openImage } from '../common/images/image-input';

/**
 * Turns uploads into CLIP's pixel_values [images, 3, height, width] (224x224 for ViT-B/32).
 *
 * The folder's CLIPImageProcessor (transformers.js) does the centre crop, the 1/255 rescale and
 * the CLIP mean/std normalisation. The resize to the shortest edge is done here first, by sharp
 * with its antialiased bicubic (Catmull-Rom) kernel: Hugging Face resizes with PIL's bicubic,
 * which widens its kernel when shrinking, while transformers.js in Node resizes with a plain
 * bicubic affine that aliases badly when a 4000-pixel photo becomes 224 pixels. The target size
 * comes from the processor itself, so its own resize step then finds nothing left to do.
 */
export async function clipPixelValues(images: Buffer[], processor: ImageProcessor, maxPixels: number): Promise<Tensor> {
  const processed: Float32Array[] = [];
  let dims: number[] = [];
  for (const [index, bytes] of images.entries()) {
    const resized = await decodeAndResize(bytes, index, processor, maxPixels);
    const { pixel_values } = await processor.preprocess(resized);
    if (dims.length && pixel_values.dims.join() !== dims.join()) {
      // Only a processor without a centre crop could do this; one batch needs one shape.
      throw new DomainException(ErrorCode.MODEL_LOAD_ERROR, `CLIP preprocessing gave ${pixel_values.dims.join('x')} and ${dims.join('x')} for two images`);
    }
    dims = pixel_values.dims;
    processed.push(pixel_values.data as Float32Array);
  }
  const size = processed[0]?.length ?? 0;
  const batch = new Float32Array(size * processed.length);
  processed.forEach((pixels, i) => batch.set(pixels, i * size));
  return new Tensor('float32', batch, [processed.length, ...dims]);
}

/** One upload as RGB, oriented as viewers show it, shortest side at the processor's size. */
async function decodeAndResize(bytes: Buffer, index: number, processor: ImageProcessor, maxPixels: number): Promise<RawImage> {
  const field = `images[${index}]`;
  if (!bytes.length) throw new DomainException(ErrorCode.INVALID_IMAGE, `${field} is empty`, { field });
  let decoded: { data: Buffer; info: sharp.OutputInfo };
  try {
    decoded = await openImage(bytes, maxPixels)
      // EXIF orientation applied, as Hugging Face's load_image does (ImageOps.exif_transpose).
      .rotate()
      .toColourspace('srgb')
      // Alpha is dropped, not composited: PIL's convert('RGB') does the same.
      .removeAlpha()
      .raw()
      .toBuffer({ resolveWithObject: true });
  } catch (error) {
    const message = (error as Error).message;
    if (/pixel limit/i.test(message)) {
      throw new DomainException(ErrorCode.IMAGE_TOO_LARGE, `${field} has more than ${maxPixels} pixels (MAX_IMAGE_PIXELS)`, { field, maxPixels });
    }
    throw new DomainException(ErrorCode.INVALID_IMAGE, `${field} is not an image this service can read: ${message}`, { field });
  }
  const { data, info } = decoded;
  if (info.channels !== 3) {
    throw new DomainException(ErrorCode.INVALID_IMAGE, `${field} decoded to ${info.channels} channels, not RGB`, { field });
  }
  const full = new RawImage(data, info.width, info.height, 3);
  const [width, height] = processor.get_resize_output_image_size(full, processor.size);
  if (width === info.width && height === info.height) return full;
  const resized = await sharp(data, { raw: { width: info.width, height: info.height, channels: 3 } })
    .resize(width, height, { fit: 'fill', kernel: 'cubic' })
    .raw()
    .toBuffer();
  return new RawImage(resized, width, height, 3);
}
