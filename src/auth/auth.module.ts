import { Global, Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { ThrottlerModule } from '@nestjs/throttler';
import { ApiKeyAuth, ApiKeyGuard } from './api-key.guard';
import { FixedWindowStorage } from './fixed-window.storage';
import { RateLimiter, RateLimitGuard } from './rate-limit.guard';

/**
 * API keys and rate limits for every route. The guards run in this order: the key first (the
 * limits count per key), then the limits. Global, so admin and MCP middleware can use ApiKeyAuth.
 */
@Global()
@Module({
  imports: [
    // The module provides the storage RateLimiter counts in (one per app); the limits come from AppConfig.
    ThrottlerModule.forRootAsync({ useFactory: () => ({ storage: new FixedWindowStorage(), throttlers: [] }) }),
  ],
  providers: [ApiKeyAuth, RateLimiter, { provide: APP_GUARD, useClass: ApiKeyGuard }, { provide: APP_GUARD, useClass: RateLimitGuard }],
  exports: [ApiKeyAuth, RateLimiter],
})
export class AuthModule {}
