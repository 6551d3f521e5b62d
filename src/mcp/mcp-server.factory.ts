import { Injectable, Logger } from '@nestjs/common';
import { McpServer, ResourceTemplate } from '@modelcontextprotocol/sdk/server/mcp.js';
import { CallToolRequestSchema, ErrorCode as RpcError, McpError, type CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import { isDomainException } from '../common/errors/domain.exception';
import { JobsService } from '../jobs/jobs.service';
import { McpHomepageToolsService } from './mcp-homepage-tools.service';
import { McpLayerToolsService } from './mcp-layer-tools.service';
import { McpToolsService } from './mcp-tools.service';
import { principalOf, type ToolDefinition } from './mcp-tool.types';

const INSTRUCTIONS =
  'nanoCocoa makes ad images. Call generate_ad_image with a product photo and a line of copy (wait=true to get the image back), ' +
  'then show the user the returned image. decompose_layers splits a flat poster into editable layers. Job files are readable as resources nanococoa://jobs/{job_id}/{name}.';

/** Builds one McpServer per session: tools, the job-file resources, strict argument checks. */
@Injectable()
export class McpServerFactory {
  private readonly logger = new Logger('Mcp');

  constructor(
    private readonly tools: McpToolsService,
    private readonly layerTools: McpLayerToolsService,
    private readonly homepageTools: McpHomepageToolsService,
    private readonly jobs: JobsService,
  ) {}

  create(): McpServer {
    const server = new McpServer(
      { name: 'nanococoa', title: 'nanoCocoa ad images', version: '0.1.0' },
      { instructions: INSTRUCTIONS, capabilities: { logging: {} } },
    );
    const definitions = [...this.tools.definitions(), ...this.layerTools.definitions(), ...this.homepageTools.definitions()];
    for (const tool of definitions) {
      // Registered for tools/list (names, descriptions, JSON schemas); calls go through `call` below.
      server.registerTool(tool.name, { title: tool.title, description: tool.description, inputSchema: tool.input }, async () => ({ content: [] }));
    }
    const byName = new Map(definitions.map((t) => [t.name, t]));
    server.server.setRequestHandler(CallToolRequestSchema, (request, extra) => this.call(byName, request.params, extra));

    // A prompt desktops offer as a slash command: the user fills in the copy and the mood.
    server.registerPrompt(
      'make_sale_ad',
      {
        title: 'Make a sale ad',
        description: 'Asks for a product photo, then makes an ad with this copy and background in the four common placements',
        argsSchema: {
          copy: z.string().describe('The ad copy, e.g. 명절 특가! 사과 한 박스 20,000원'),
          background: z.string().optional().describe('The background idea, e.g. warm beige studio'),
        },
      },
      ({ copy, background }) => ({
        messages: [
          {
            role: 'user',
            content: {
              type: 'text',
              text:
                `Make an ad from the product photo I attach, with the copy "${copy}"` +
                (background ? ` on a "${background}" background` : '') +
                '. Use generate_ad_image with placements 1:1, 4:5, 9:16 and 1.91:1 and wait=true, then show me the images.',
            },
          },
        ],
      }),
    );

    server.registerResource(
      'job-file',
      new ResourceTemplate('nanococoa://jobs/{job_id}/{name}', { list: undefined }),
      { title: 'A file of an ad job', description: 'final.png, step1.png, text.png, cutout.png, layers.json... of a job' },
      async (uri, variables, extra) => {
        const artifact = await this.jobs.artifact(String(variables.job_id), String(variables.name), principalOf(extra));
        const bytes = await this.jobs.readArtifact(artifact);
        const text = artifact.mime.startsWith('application/json') || artifact.mime.startsWith('text/');
        return {
          contents: [
            text
              ? { uri: uri.href, mimeType: artifact.mime, text: bytes.toString('utf8') }
              : { uri: uri.href, mimeType: artifact.mime, blob: bytes.toString('base64') },
          ],
        };
      },
    );
    return server;
  }

  /**
   * The SDK would answer bad arguments with a tool result; clients and agents act better on the
   * JSON-RPC error -32602 that names the field. Domain errors become tool results with isError.
   */
  private async call(
    tools: Map<string, ToolDefinition>,
    params: { name: string; arguments?: Record<string, unknown> },
    extra: Parameters<ToolDefinition['run']>[1],
  ): Promise<CallToolResult> {
    const tool = tools.get(params.name);
    if (!tool) throw new McpError(RpcError.InvalidParams, `Unknown tool ${params.name}; tools: ${[...tools.keys()].join(', ')}`);
    const parsed = z.object(tool.input).strict().safeParse(params.arguments ?? {});
    if (!parsed.success) {
      const fields = parsed.error.issues.map((i) => ({ field: i.path.join('.') || (i.code === 'unrecognized_keys' ? i.keys.join(', ') : ''), message: i.message }));
      throw new McpError(
        RpcError.InvalidParams,
        `Invalid arguments for ${tool.name}: ${fields.map((f) => `${f.field}: ${f.message}`).join('; ')}`,
        { fields },
      );
    }
    try {
      return await tool.run(parsed.data, extra);
    } catch (error) {
      if (isDomainException(error)) {
        return {
          isError: true,
          content: [{ type: 'text', text: `${error.code}: ${error.message}` }],
          structuredContent: { error: { code: error.code, message: error.message, details: error.details ?? null } },
        };
      }
      this.logger.error(`tool ${tool.name} failed`, (error as Error)?.stack ?? String(error));
      return { isError: true, content: [{ type: 'text', text: 'INTERNAL: the tool failed; the server log has the details' }] };
    }
  }
}
