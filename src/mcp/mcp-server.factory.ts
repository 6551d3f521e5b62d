import { Injectable, Logger } from '@nestjs/common';
import { McpServer, ProtocolError, ProtocolErrorCode, ResourceNotFoundError, ResourceTemplate, type CallToolResult, type McpRequestContext } from '@modelcontextprotocol/server';
import { z } from 'zod';
import { RateLimiter, trackerOf } from '../auth/rate-limit.guard';
import { isDomainException } from '../common/errors/domain.exception';
import { ErrorCode } from '../common/errors/error-codes';
import { JobStatusService } from '../jobs/job-status.service';
import { JobsService } from '../jobs/jobs.service';
import { McpHomepageToolsService } from './mcp-homepage-tools.service';
import { unfinished, waitForJob } from './mcp-job-wait';
import { McpLayerToolsService } from './mcp-layer-tools.service';
import { McpTasksService, TASKS_EXTENSION } from './mcp-tasks.service';
import { McpToolsService } from './mcp-tools.service';
import { artifactUri } from './mcp-images';
import { clientIp, principalOf, type ToolDefinition, type ToolExtra } from './mcp-tool.types';
import type { Principal } from '../auth/principal';

const INSTRUCTIONS =
  'nanoCocoa makes ad images. Call generate_ad_image with a product photo and a line of copy (wait=true to get the image back), ' +
  'then show the user the returned image. decompose_layers splits a flat poster into editable layers. Job files are readable as resources nanococoa://jobs/{job_id}/{name}. ' +
  `Clients with the ${TASKS_EXTENSION} extension get generate_ad_image, decompose_layers and generate_homepage as tasks to poll.`;

/** The files of a finished job worth offering, by kind: the ads, the layered poster, the site. */
const OFFERED: Record<string, RegExp> = {
  ad: /^final[\w-]*\.(png|jpg|webp)$/,
  decompose: /^(layers\.(psd|zip)|preview\.jpg)$/,
  homepage: /^(site\.zip|screenshot_phone\.png)$/,
};
const RECENT_JOBS = 20;

function toolError(code: string, message: string, details?: unknown): CallToolResult {
  return { isError: true, content: [{ type: 'text', text: `${code}: ${message}` }], structuredContent: { error: { code, message, details: details ?? null } } };
}

/** Tools, prompts and templates change only with a deploy: clients may keep them a minute. */
const CACHE_HINTS = {
  'tools/list': { ttlMs: 60_000, cacheScope: 'public' as const },
  'prompts/list': { ttlMs: 60_000, cacheScope: 'public' as const },
  // The key's recent files: new ones appear as jobs finish.
  'resources/list': { ttlMs: 5_000, cacheScope: 'private' as const },
  'resources/templates/list': { ttlMs: 60_000, cacheScope: 'public' as const },
};

/**
 * Builds the McpServer for one 2026-07-28 request or one 2025-era session: the same tools,
 * resources and prompts for both, strict argument checks, and job tools as Tasks.
 */
@Injectable()
export class McpServerFactory {
  private readonly logger = new Logger('Mcp');
  private readonly definitions: ToolDefinition[];

  constructor(
    tools: McpToolsService,
    layerTools: McpLayerToolsService,
    homepageTools: McpHomepageToolsService,
    private readonly jobs: JobsService,
    private readonly statuses: JobStatusService,
    private readonly tasks: McpTasksService,
    private readonly limiter: RateLimiter,
  ) {
    this.definitions = [...tools.definitions(), ...layerTools.definitions(), ...homepageTools.definitions()];
  }

  create(context: Pick<McpRequestContext, 'era'>): McpServer {
    const server = new McpServer(
      { name: 'nanococoa', title: 'nanoCocoa ad images', version: '0.1.0' },
      {
        instructions: INSTRUCTIONS,
        // The lists change only with a deploy, so there is nothing to announce on a listen stream.
        capabilities: { logging: {}, tools: { listChanged: false }, prompts: { listChanged: false }, resources: { listChanged: false }, extensions: { [TASKS_EXTENSION]: {} } },
        cacheHints: CACHE_HINTS,
      },
    );
    for (const tool of this.definitions) {
      // Registered for tools/list (names, descriptions, JSON schemas); calls go through `call` below.
      server.registerTool(
        tool.name,
        { title: tool.title, description: tool.description, inputSchema: z.object(tool.input), outputSchema: z.looseObject(tool.output), annotations: tool.annotations },
        async () => ({ content: [] }),
      );
    }
    const byName = new Map(this.definitions.map((t) => [t.name, t]));
    server.server.setRequestHandler('tools/call', (request, extra) => this.call(server, context.era, byName, request.params, extra));
    this.registerTasks(server);
    this.registerPrompt(server);
    this.registerJobFiles(server);
    return server;
  }

  /**
   * Runs a tool. Arguments that do not fit its schema are a tool error naming each field (the
   * spec since 2025-11-25: the model reads it and corrects the call); an unknown tool is -32602.
   * Domain errors become tool results with isError and the envelope's code.
   */
  private async call(server: McpServer, era: McpRequestContext['era'], tools: Map<string, ToolDefinition>, params: { name: string; arguments?: Record<string, unknown> }, extra: ToolExtra) {
    const tool = tools.get(params.name);
    if (!tool) throw new ProtocolError(ProtocolErrorCode.InvalidParams, `Unknown tool ${params.name}; tools: ${[...tools.keys()].join(', ')}`);
    const parsed = z.object(tool.input).strict().safeParse(params.arguments ?? {});
    if (!parsed.success) {
      const fields = parsed.error.issues.map((i) => ({ field: i.path.join('.') || (i.code === 'unrecognized_keys' ? i.keys.join(', ') : ''), message: i.message }));
      return toolError(ErrorCode.INVALID_PARAMETER, `Invalid arguments for ${tool.name}: ${fields.map((f) => `${f.field}: ${f.message}`).join('; ')}`, { fields });
    }
    // Input-required results exist from 2026-07-28 on; a 2025-era call runs with what it has.
    const asked = era === 'modern' && tool.ask ? tool.ask(parsed.data, extra) : { args: parsed.data };
    if ('ask' in asked) return asked.ask;
    const args = asked.args;
    try {
      if (!tool.job) return await tool.run!(args, extra);
      const principal = principalOf(extra);
      // Every job tool is a submission: the same budget as POST /generate, so an agent in a loop is throttled like a script.
      await this.limiter.consume('submit', trackerOf(principal, clientIp(extra)));
      const jobId = await tool.job.start(args, extra);
      // A CreateTaskResult answers the call; the SDK passes it through as it is.
      if (this.tasks.declared(server.server, extra)) return (await this.tasks.created(jobId, principal)) as unknown as CallToolResult;
      if (tool.job.returnsAtOnce?.(args)) {
        return { content: [{ type: 'text', text: `Started job ${jobId}. Check it with check_generation_status.` }], structuredContent: { job_id: jobId, status: 'pending' } } as CallToolResult;
      }
      const status = await waitForJob(this.statuses, this.jobs, jobId, tool.job.waitSeconds(args) * 1000, extra, principal);
      return status.status === 'completed' ? await tool.job.finish(status, principal) : unfinished(tool.title, status);
    } catch (error) {
      if (isDomainException(error)) return toolError(error.code, error.message, error.details);
      this.logger.error(`tool ${tool.name} failed`, (error as Error)?.stack ?? String(error));
      return { isError: true, content: [{ type: 'text', text: 'INTERNAL: the tool failed; the server log has the details' }] } as CallToolResult;
    }
  }

  /** tasks/get, tasks/cancel and tasks/update of the Tasks extension (SEP-2663), over the job table. */
  private registerTasks(server: McpServer): void {
    const byKind = new Map(this.definitions.filter((t) => t.job).map((t) => [t.job!.kind, t.job!]));
    const taskParams = z.looseObject({ taskId: z.string().min(1) });
    const result = z.looseObject({});
    server.server.setRequestHandler('tasks/get', { params: taskParams, result }, async (params, extra) => {
      this.tasks.requireDeclared(server.server, extra as ToolExtra);
      return this.tasks.get(params.taskId, principalOf(extra as ToolExtra), (kind) => byKind.get(kind));
    });
    server.server.setRequestHandler('tasks/cancel', { params: taskParams, result }, async (params, extra) => {
      this.tasks.requireDeclared(server.server, extra as ToolExtra);
      return this.tasks.cancel(params.taskId, principalOf(extra as ToolExtra));
    });
    server.server.setRequestHandler('tasks/update', { params: taskParams, result }, async (params, extra) => {
      this.tasks.requireDeclared(server.server, extra as ToolExtra);
      // No task of ours ever waits for input, so there is never an answer to take.
      throw new ProtocolError(ProtocolErrorCode.InvalidParams, `Task ${params.taskId} is not waiting for input`, { taskId: params.taskId });
    });
  }

  private async recentFiles(principal: Principal): Promise<Array<{ uri: string; name: string; mimeType: string; size: number; description: string }>> {
    const [jobs] = await this.jobs.list(principal, ['completed'], RECENT_JOBS, 0);
    const files = await Promise.all(
      jobs.map(async (job) => {
        const offered = OFFERED[job.kind];
        if (!offered) return [];
        const artifacts = await this.jobs.listArtifacts(job.id, principal).catch(() => []);
        return artifacts
          .filter((a) => offered.test(a.name))
          .map((a) => ({
            uri: artifactUri(job.id, a.name),
            name: `${job.kind} ${job.id.slice(0, 8)}: ${a.name}`,
            mimeType: a.mime,
            size: a.bytes,
            description: `From the ${job.kind} job ${job.id}, finished ${(job.finishedAt ?? job.updatedAt).toISOString()}`,
          }));
      }),
    );
    return files.flat();
  }

  /** A prompt desktops offer as a slash command: the user fills in the copy and the mood. */
  private registerPrompt(server: McpServer): void {
    server.registerPrompt(
      'make_sale_ad',
      {
        title: 'Make a sale ad',
        description: 'Asks for a product photo, then makes an ad with this copy and background in the four common placements',
        argsSchema: z.object({
          copy: z.string().describe('The ad copy, e.g. 명절 특가! 사과 한 박스 20,000원'),
          background: z.string().optional().describe('The background idea, e.g. warm beige studio'),
        }),
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
  }

  /**
   * Job files as nanococoa:// resources; an unknown or foreign one is the spec's not-found error.
   * The list offers what a person would pick up again: the finished files of the key's recent jobs.
   */
  private registerJobFiles(server: McpServer): void {
    server.registerResource(
      'job-file',
      new ResourceTemplate('nanococoa://jobs/{job_id}/{name}', { list: async (extra) => ({ resources: await this.recentFiles(principalOf(extra as ToolExtra)) }) }),
      {
        title: 'A file of an ad job',
        description: 'final.png, step1.png, text.png, cutout.png, layers.json... of a job',
        // A job file is written once and never changes; it is the key's own.
        cacheHint: { ttlMs: 3_600_000, cacheScope: 'private' },
      },
      async (uri, variables, extra) => {
        try {
          const artifact = await this.jobs.artifact(String(variables.job_id), String(variables.name), principalOf(extra as ToolExtra));
          const bytes = await this.jobs.readArtifact(artifact);
          const text = artifact.mime.startsWith('application/json') || artifact.mime.startsWith('text/');
          return {
            contents: [
              text ? { uri: uri.href, mimeType: artifact.mime, text: bytes.toString('utf8') } : { uri: uri.href, mimeType: artifact.mime, blob: bytes.toString('base64') },
            ],
          };
        } catch (error) {
          if (isDomainException(error) && [ErrorCode.JOB_NOT_FOUND, ErrorCode.ARTIFACT_NOT_FOUND, ErrorCode.INVALID_PARAMETER].includes(error.code)) {
            throw new ResourceNotFoundError(uri.href, `${error.code}: ${error.message}`);
          }
          throw error;
        }
      },
    );
  }
}
