import { Module } from '@nestjs/common';
import { SegmentationService } from './segmentation/segmentation.service';
import { TesseractRepository } from './text/tesseract.repository';
import { TextDetectionService } from './text/text-detection.service';

/** Image primitives shared by the ad pipeline and decomposition: segmentation, text detection, OCR. */
@Module({
  providers: [SegmentationService, TextDetectionService, TesseractRepository],
  exports: [SegmentationService, TextDetectionService, TesseractRepository],
})
export class VisionModule {}
