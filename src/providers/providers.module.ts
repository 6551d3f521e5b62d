import { Global, Module } from '@nestjs/common';
import { ImageApiRepository } from './image-api.repository';
import { ProviderRegistry } from './provider-registry';

/** OpenAI-compatible clients per role; global, as /health, /system and the stages all read them. */
@Global()
@Module({
  providers: [ProviderRegistry, ImageApiRepository],
  exports: [ProviderRegistry, ImageApiRepository],
})
export class ProvidersModule {}
