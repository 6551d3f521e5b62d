import { MiddlewareConsumer, Module, NestModule } from '@nestjs/common';
import { ClipModule } from '../clip/clip.module';
import { JobsModule } from '../jobs/jobs.module';
import { PipelineModule } from '../pipeline/pipeline.module';
import { SystemModule } from '../system/system.module';
import { McpAccessMiddleware } from './mcp-access.middleware';
import { McpController } from './mcp.controller';
import { McpServerFactory } from './mcp-server.factory';
import { McpToolsService } from './mcp-tools.service';

/** MCP at /mcp: every feature as tools for LLM desktops and agents, in the same process. */
@Module({
  imports: [JobsModule, PipelineModule, SystemModule, ClipModule],
  controllers: [McpController],
  providers: [McpToolsService, McpServerFactory, McpAccessMiddleware],
})
export class McpModule implements NestModule {
  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(McpAccessMiddleware).forRoutes(McpController);
  }
}
