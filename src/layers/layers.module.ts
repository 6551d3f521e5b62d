import { Module } from '@nestjs/common';
import { MulterModule } from '@nestjs/platform-express';
import { AppConfig } from '../config/app-config';
import { JobsModule } from '../jobs/jobs.module';
import { ProvidersModule } from '../providers/providers.module';
import { VisionModule } from '../vision/vision.module';
import { FontsModule } from '../fonts/fonts.module';
import { RendererModule } from '../renderer/renderer.module';
import { FontMatchService } from './font-match.service';
import { DecomposeJobHandler } from './decompose.job-handler';
import { DecomposeService } from './decompose.service';
import { EmbeddedDecomposer } from './embedded-decomposer.service';
import { LayerDescriber } from './layer-describer.service';
import { LayeredApiRepository } from './layered-api.repository';
import { LayeredDecomposer } from './layered-decomposer.service';
import { LayersController } from './layers.controller';

/** Poster decomposition (job kind "decompose") and layered export of every job. */
@Module({
  imports: [
    VisionModule,
    FontsModule,
    RendererModule,
    ProvidersModule,
    JobsModule,
    // The body limit is MAX_BODY_MB as everywhere; the poster's own limit (DECOMPOSE_MAX_FILE_MB) is checked with its own message.
    MulterModule.registerAsync({ inject: [AppConfig], useFactory: (config: AppConfig) => ({ limits: { fileSize: config.MAX_BODY_MB * 2 ** 20, files: 1, fields: 10 } }) }),
  ],
  controllers: [LayersController],
  providers: [EmbeddedDecomposer, FontMatchService, LayeredApiRepository, LayeredDecomposer, LayerDescriber, DecomposeJobHandler, DecomposeService],
  exports: [DecomposeService],
})
export class LayersModule {}
