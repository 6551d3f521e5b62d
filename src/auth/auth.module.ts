import { Global, Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { ThrottlerModule } from '@nestjs/throttler';
import { AppConfig } from '../config/app-config';
import { ApiKeyAuth, ApiKeyGuard } from './api-key.guard';
import { RateLimiter, RateLimitGuard } from './rate-limit.guard';

/**
 * API keys and rate limits for every route. The guards run in this order: the key first (the
 * limits count per key), then the limits. Global, so admin and MCP middleware can use ApiKeyAuth.
 */
@Global()
@Module({
  imports: [
    ThrottlerModule.forRootAsync({
      inject: [AppConfig],
      useFactory: (config: AppConfig) => ({
        throttlers: [
          { name: 'submit', ttl: 60_000, limit: config.RATE_LIMIT_SUBMITS_PER_MINUTE },
          { name: 'read', ttl: 60_000, limit: config.RATE_LIMIT_READS_PER_MINUTE },
        ],
      }),
    }),
  ],
  providers: [ApiKeyAuth, RateLimiter, { provide: APP_GUARD, useClass: ApiKeyGuard }, { provide: APP_GUARD, useClass: RateLimitGuard }],
  exports: [ApiKeyAuth, RateLimiter],
})
export class AuthModule {}
