import { MiddlewareConsumer, Module, NestModule } from '@nestjs/common';
import { ClipModule } from '../clip/clip.module';
import { JobsModule } from '../jobs/jobs.module';
import { HomepageModule } from '../homepage/homepage.module';
import { LayersModule } from '../layers/layers.module';
import { AdModule } from '../ad/ad.module';
import { StorageModule } from '../storage/storage.module';
import { SystemModule } from '../system/system.module';
import { McpAccessMiddleware } from './mcp-access.middleware';
import { McpController } from './mcp.controller';
import { McpServerFactory } from './mcp-server.factory';
import { McpTasksService } from './mcp-tasks.service';
import { McpHomepageToolsService } from './mcp-homepage-tools.service';
import { McpLayerToolsService } from './mcp-layer-tools.service';
import { McpToolsService } from './mcp-tools.service';

/** MCP at /mcp: every feature as tools for LLM desktops and agents, in the same process. */
@Module({
  imports: [JobsModule, AdModule, SystemModule, ClipModule, LayersModule, HomepageModule, StorageModule],
  controllers: [McpController],
  providers: [McpToolsService, McpLayerToolsService, McpHomepageToolsService, McpServerFactory, McpTasksService, McpAccessMiddleware],
})
export class McpModule implements NestModule {
  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(McpAccessMiddleware).forRoutes(McpController);
  }
}
