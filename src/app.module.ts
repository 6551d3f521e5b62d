import { type DynamicModule, Module, type Type } from '@nestjs/common';
import { ScheduleModule } from '@nestjs/schedule';
import { AdminModule } from './admin/admin.module';
import { AuthModule } from './auth/auth.module';
import { ClipModule } from './clip/clip.module';
import { AppConfig } from './config/app-config';
import { ConfigModule } from './config/config.module';
import { DatabaseModule } from './database/database.module';
import { FontsModule } from './fonts/fonts.module';
import { JobsModule } from './jobs/jobs.module';
import { HomepageModule } from './homepage/homepage.module';
import { LayersModule } from './layers/layers.module';
import { McpModule } from './mcp/mcp.module';
import { ModelsModule } from './models/models.module';
import { AdModule } from './ad/ad.module';
import { ProvidersModule } from './providers/providers.module';
import { SystemModule } from './system/system.module';
import { WebhooksModule, WebhookUrlModule } from './webhooks/webhooks.module';

@Module({})
export class AppModule {
  /** `extra`: modules added beside the features (tests register job kinds of their own this way). */
  static forRoot(config?: AppConfig, extra: Array<Type | DynamicModule> = []): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(config),
        ScheduleModule.forRoot(),
        AuthModule,
        DatabaseModule,
        ModelsModule,
        ProvidersModule,
        FontsModule,
        ClipModule,
        SystemModule,
        WebhookUrlModule,
        JobsModule,
        AdModule,
        LayersModule,
        HomepageModule,
        McpModule,
        AdminModule,
        WebhooksModule,
        ...extra,
      ],
    };
  }
}
