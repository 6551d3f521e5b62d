import { Module } from '@nestjs/common';
import { VisionModule } from '../vision/vision.module';
import { EmbeddedDecomposer } from './embedded-decomposer.service';

/** Poster decomposition (job kind "decompose") and layered export of every job. */
@Module({
  imports: [VisionModule],
  providers: [EmbeddedDecomposer],
  exports: [EmbeddedDecomposer],
})
export class LayersModule {}
