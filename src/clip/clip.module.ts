import { Module } from '@nestjs/common';
import { ClipController } from './clip.controller';
import { ClipService } from './clip.service';

/** CLIP scoring. ModelsModule (global) provides the ModelRegistry that runs both towers. */
@Module({
  controllers: [ClipController],
  providers: [ClipService],
  exports: [ClipService],
})
export class ClipModule {}
