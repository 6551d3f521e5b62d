import { Global, Logger, Module, OnModuleInit } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
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

  /**
   * Registers whatever `models:pull` installed. Models that ship inside npm packages are
   * registered by the modules that use them (VisionModule: ISNet and PP-OCRv4).
   */
  onModuleInit(): void {
    const { manifests, problems } = installedManifests(this.config.modelsDir);
    for (const problem of problems) this.logger.warn(`model manifest skipped: ${problem}`);
    for (const manifest of manifests) this.registry.register(manifest);
  }
}
