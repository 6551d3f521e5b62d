import { Module } from '@nestjs/common';
import { ClipModule } from '../clip/clip.module';
import { FontsModule } from '../fonts/fonts.module';
import { EmbeddedImageAnalyzer } from './analysis/embedded-analyzer';
import { VisionImageAnalyzer } from './analysis/vision-analyzer';
import { IMAGE_ANALYZER } from './analysis/analysis.types';
import { BACKGROUND_PROVIDER } from './background/background-provider';
import { GenerativeBackgroundProvider } from './background/generative-background.provider';
import { ImagePromptWriter } from './background/image-prompt-writer';
import { StudioBackgroundProvider } from './background/studio-background.provider';
import { ImageApiRepository } from '../providers/image-api.repository';
import { ProvidersModule } from '../providers/providers.module';
import { LAYOUT_DESIGNER } from './layout/layout.types';
import { TemplateLayoutDesigner } from './layout/template-designer';
import { LlmCopyDesigner } from './layout/llm-copy-designer';
import { MeasuredTemplateDesigner } from './layout/measured-template-designer';
import { PipelineOrchestrator } from './orchestrator.service';
import { STAGE } from './ad.types';
import { RendererWarmupService } from './renderer-warmup.service';
import { RendererModule } from '../renderer/renderer.module';
import { VisionModule } from '../vision/vision.module';
import { AnalyzeStage } from './stages/analyze.stage';
import { BackgroundStage } from './stages/background.stage';
import { CompositeStage } from './stages/composite.stage';
import { AdPixels } from './stages/ad-pixels.service';
import { FinalizeStage } from './stages/finalize.stage';
import { LayoutStage } from './stages/layout.stage';
import { LocateStage } from './stages/locate.stage';
import { QualityStage } from './stages/quality.stage';
import { RenderStage } from './stages/render.stage';
import { SegmentStage } from './stages/segment.stage';

/** The stages in the order a job runs them; each decides whether it applies to a job. */
const STAGES = [SegmentStage, BackgroundStage, CompositeStage, LocateStage, AnalyzeStage, LayoutStage, RenderStage, FinalizeStage, QualityStage];

@Module({
  imports: [FontsModule, RendererModule, ClipModule, ProvidersModule, VisionModule],
  providers: [
    StudioBackgroundProvider,
    GenerativeBackgroundProvider,
    ImagePromptWriter,
    {
      // The image model when one is configured (IMAGE_* or OPENAI_*), the studio backdrops otherwise.
      provide: BACKGROUND_PROVIDER,
      inject: [ImageApiRepository, GenerativeBackgroundProvider, StudioBackgroundProvider],
      useFactory: (images: ImageApiRepository, generative: GenerativeBackgroundProvider, studio: StudioBackgroundProvider) =>
        images.settings ? generative : studio,
    },
    AdPixels,
    EmbeddedImageAnalyzer,
    VisionImageAnalyzer,
    // The vision analyzer runs the embedded one first and only steers it when a model is configured.
    { provide: IMAGE_ANALYZER, useExisting: VisionImageAnalyzer },
    TemplateLayoutDesigner,
    { provide: LAYOUT_DESIGNER, useExisting: TemplateLayoutDesigner },
    MeasuredTemplateDesigner,
    LlmCopyDesigner,
    ...STAGES,
    { provide: STAGE, inject: STAGES, useFactory: (...stages: unknown[]) => stages },
    PipelineOrchestrator,
    RendererWarmupService,
  ],
  exports: [PipelineOrchestrator, VisionModule, IMAGE_ANALYZER, FontsModule, RendererModule],
})
export class AdPipelineModule {}
