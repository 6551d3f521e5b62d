import { Module } from '@nestjs/common';
import { BACKGROUND_PROVIDER } from './background/background-provider';
import { StudioBackgroundProvider } from './background/studio-background.provider';
import { PipelineOrchestrator } from './orchestrator.service';
import { STAGE } from './pipeline.types';
import { SegmentationService } from './segmentation/segmentation.service';
import { BackgroundStage } from './stages/background.stage';
import { CompositeStage } from './stages/composite.stage';
import { SegmentStage } from './stages/segment.stage';

@Module({
  providers: [
    SegmentationService,
    StudioBackgroundProvider,
    { provide: BACKGROUND_PROVIDER, useExisting: StudioBackgroundProvider },
    SegmentStage,
    BackgroundStage,
    CompositeStage,
    {
      provide: STAGE,
      inject: [SegmentStage, BackgroundStage, CompositeStage],
      useFactory: (...stages: unknown[]) => stages,
    },
    PipelineOrchestrator,
  ],
  exports: [PipelineOrchestrator, SegmentationService],
})
export class PipelineModule {}
