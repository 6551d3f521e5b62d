import { Injectable } from '@nestjs/common';
import type { CallToolResult } from '@modelcontextprotocol/server';
import { z } from 'zod';
import type { Principal } from '../auth/principal';
import type { JobStatusDto } from '../jobs/dto/job-status.dto';
import { JobsService } from '../jobs/jobs.service';
import { DecomposeService } from '../layers/decompose.service';
import type { LayerMetadata } from '../layers/decomposition.types';
import { MAX_LAYERS } from '../layers/layer-stack';
import { ArtifactLinks } from '../storage/artifact-links';
import { artifactUri, imageArgument, thumbnail } from './mcp-images';
import { JOB_OUTPUT } from './mcp-job-wait';
import { principalOf, type ToolDefinition, type ToolExtra } from './mcp-tool.types';

/** Poster decomposition as an MCP tool: the same job as POST /api/decompose. */
@Injectable()
export class McpLayerToolsService {
  constructor(
    private readonly decompose: DecomposeService,
    private readonly jobs: JobsService,
    private readonly links: ArtifactLinks,
  ) {}

  definitions(): ToolDefinition[] {
    return [
      {
        name: 'decompose_layers',
        title: 'Split a poster into layers',
        description:
          'Splits a flat poster or ad into editable RGBA layers: the background with the holes filled, each object, each text block ' +
          '(with the text it reads, Korean included, and its typography: family, size, colour, alignment) and flat shapes, back to ' +
          'front, plus a preview, a ZIP, a layered PSD with editable type and the poster as HTML with live text. Waits ' +
          'for the result (about 10 s for a 1024 px poster on a CPU) and streams progress if you send a progressToken.',
        input: {
          image: z.string().min(1).describe('The poster: base64, a data URL, or the nanococoa:// URI / URL of a job file (e.g. an ad this server made)'),
          num_layers: z.union([z.number().int().min(1).max(MAX_LAYERS), z.literal('auto')]).optional().describe(`Layers wanted, background included (1-${MAX_LAYERS}), or auto (the default): as many as the poster has`),
          timeout_seconds: z.number().int().min(5).max(600).optional().describe('How long to wait (default 180)'),
        },
        output: {
          ...JOB_OUTPUT,
          layers: z.array(z.looseObject({ index: z.number(), kind: z.string(), name: z.string(), file: z.string(), url: z.string() })).optional().describe('Back to front'),
          recomposition_psnr_db: z.number().nullable().optional(),
          zip_url: z.string().optional(),
          psd_url: z.string().optional(),
          html_url: z.string().optional(),
          preview_url: z.string().optional(),
        },
        job: {
          kind: 'decompose',
          start: (args, extra) => this.start(args, extra),
          finish: (status, principal) => this.finish(status, principal),
          waitSeconds: (args) => Number(args.timeout_seconds ?? 180),
        },
      },
    ];
  }

  private async start(args: Record<string, unknown>, extra: ToolExtra): Promise<string> {
    const principal = principalOf(extra);
    const image = await imageArgument(String(args.image), 'image', this.jobs, principal);
    const { jobId } = await this.decompose.submit({ num_layers: args.num_layers as number | 'auto' | undefined }, image, { principal });
    return jobId;
  }

  private async finish(status: JobStatusDto, principal: Principal): Promise<CallToolResult> {
    const jobId = status.job_id;
    const meta = status.result as { layers: LayerMetadata[]; recomposition_psnr_db: number | null };
    const link = (name: string) => this.links.url(jobId, name);
    const preview = await this.jobs.readArtifact(await this.jobs.artifact(jobId, 'preview.jpg', principal));
    const lines = meta.layers.map((l) => `${l.index}. ${l.kind}: ${l.description ?? l.name}`);
    const content: CallToolResult['content'] = [
      { type: 'text', text: `${meta.layers.length} layers, back to front:\n${lines.join('\n')}` },
      { type: 'image', ...(await thumbnail(preview)) },
      ...meta.layers.map((l) => ({ type: 'resource_link' as const, uri: artifactUri(jobId, l.file), name: `${l.file}: ${l.name}`, mimeType: 'image/png', description: l.description ?? l.name })),
      { type: 'resource_link', uri: artifactUri(jobId, 'layers.psd'), name: 'layers.psd', mimeType: 'image/vnd.adobe.photoshop', description: `Layered PSD; also at ${link('layers.psd')}` },
      { type: 'resource_link', uri: artifactUri(jobId, 'layers.zip'), name: 'layers.zip', mimeType: 'application/zip', description: `All layers, metadata.json and the preview; also at ${link('layers.zip')}` },
      { type: 'resource_link', uri: artifactUri(jobId, 'layers.html'), name: 'layers.html', mimeType: 'text/html', description: `The poster as a page, its text as live text; also at ${link('layers.html')}` },
    ];
    return {
      content,
      structuredContent: {
        job_id: jobId,
        status: status.status,
        layers: meta.layers.map((l) => ({ ...l, url: link(l.file) })),
        recomposition_psnr_db: meta.recomposition_psnr_db,
        zip_url: link('layers.zip'),
        psd_url: link('layers.psd'),
        html_url: link('layers.html'),
        preview_url: link('preview.jpg'),
      },
    };
  }
}
