import { DynamicModule, Module } from '@nestjs/common';
import { AdminModule } from './admin/admin.module';
import { ClipModule } from './clip/clip.module';
import { AppConfig } from './config/app-config';
import { ConfigModule } from './config/config.module';
import { DatabaseModule } from './database/database.module';
import { FontsModule } from './fonts/fonts.module';
import { JobsModule } from './jobs/jobs.module';
import { McpModule } from './mcp/mcp.module';
import { ModelsModule } from './models/models.module';
import { SystemModule } from './system/system.module';

@Module({})
export class AppModule {
  static forRoot(config?: AppConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [ConfigModule.forRoot(config), DatabaseModule, ModelsModule, FontsModule, ClipModule, SystemModule, JobsModule, McpModule, AdminModule],
    };
  }
}
