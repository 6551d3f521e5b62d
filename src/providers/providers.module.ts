import { Global, Module } from '@nestjs/common';
import { ChatApiRepository } from './chat-api.repository';
import { ImageApiRepository } from './image-api.repository';
import { ProviderRegistry } from './provider-registry';

/** OpenAI-compatible clients per role; global, as /health, /system and the stages all read them. */
@Global()
@Module({
  providers: [ProviderRegistry, ImageApiRepository, ChatApiRepository],
  exports: [ProviderRegistry, ImageApiRepository, ChatApiRepository],
})
export class ProvidersModule {}
