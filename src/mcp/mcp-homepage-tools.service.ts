import { Injectable } from '@nestjs/common';
import type { CallToolResult } from '@modelcontextprotocol/server';
import { z } from 'zod';
import { createValidationPipe } from '../common/validation';
import { HomepageRequestDto } from '../homepage/dto/homepage-request.dto';
import { HomepageService } from '../homepage/homepage.service';
import type { Principal } from '../auth/principal';
import type { JobStatusDto } from '../jobs/dto/job-status.dto';
import { JobsService } from '../jobs/jobs.service';
import { artifactUri, imageArgument, thumbnail } from './mcp-images';
import { JOB_OUTPUT } from './mcp-job-wait';
import { principalOf, type ToolDefinition, type ToolExtra } from './mcp-tool.types';

const product = z.object({
  name: z.string().min(1).max(60),
  price: z.union([z.string().max(24), z.number().min(0)]).optional().describe('As written ("3,000원") or a number in won'),
  description: z.string().max(300).optional(),
  link: z.string().max(2048).optional().describe("The product's page elsewhere (a store), http(s); as typed, Hangul and spaces are fine"),
  image: z.string().optional().describe('A photo: base64, a data URL, or the nanococoa:// URI of a job file'),
  job_id: z.string().optional().describe('A finished ad job whose final image is the picture'),
});

/** The homepage generator as an MCP tool: the same job as POST /homepage, waited for. */
@Injectable()
export class McpHomepageToolsService {
  private readonly validation = createValidationPipe();

  constructor(
    private readonly homepage: HomepageService,
    private readonly jobs: JobsService,
  ) {}

  definitions(): ToolDefinition[] {
    return [
      {
        name: 'generate_homepage',
        title: 'Make a one-page website for a shop',
        description:
          'Makes a fast, accessible, mobile-first one-page site for a small business from its details: hero with a call button, ' +
          'products with prices and pictures (photos, ads this server made, or new ads with make_ads), about, opening hours, map ' +
          'links, contact and the Korean business footer. The site is published at once (public link) and audited (axe, html-validate). ' +
          'Returns the link, the ZIP and a phone screenshot. Waits for the result (seconds; longer with make_ads).',
        input: {
          name: z.string().min(1).max(60).describe('The shop name'),
          category: z.string().max(40).optional().describe('e.g. 베이커리, 카페, 식당, 꽃집'),
          tagline: z.string().max(120).optional(),
          description: z.string().max(1000).optional(),
          address: z.string().max(200).optional(),
          phone: z.string().max(20).optional().describe('A Korean number: 02-123-4567, 010-1234-5678, 1588-1234'),
          hours: z.union([z.string().max(200), z.array(z.object({ days: z.string(), opens: z.string(), closes: z.string() })).max(14)]).optional().describe('Free text, or {days, opens, closes} with HH:MM'),
          links: z.object({ naver_map: z.string().optional(), kakao_map: z.string().optional(), kakao_channel: z.string().optional(), instagram: z.string().optional() }).optional().describe('https links, as copied from the browser (Hangul and spaces are fine: stored percent-encoded)'),
          products: z.array(product).max(24).optional(),
          owner: z.string().max(40).optional().describe('대표자'),
          business_number: z.string().optional().describe('사업자등록번호, 123-45-67890'),
          mail_order_number: z.string().max(40).optional().describe('통신판매업 신고번호'),
          style: z.string().max(80).optional().describe('warm, fresh, modern, classic, or a few words'),
          language: z.enum(['ko', 'en']).optional(),
          make_ads: z.boolean().optional().describe('Make an ad from each product photo first and show it'),
          timeout_seconds: z.number().int().min(5).max(900).optional().describe('How long to wait (default 300)'),
        },
        output: {
          ...JOB_OUTPUT,
          site_url: z.string().optional().describe('The published page (public)'),
          zip_url: z.string().optional(),
          warnings: z.array(z.string()).optional(),
          audit: z.record(z.string(), z.unknown()).optional().describe('axe and html-validate findings'),
        },
        job: {
          kind: 'homepage',
          start: (args, extra) => this.start(args, extra),
          finish: (status, principal) => this.finish(status, principal),
          waitSeconds: (args) => Number(args.timeout_seconds ?? 300),
        },
      },
    ];
  }

  private async start(args: Record<string, unknown>, extra: ToolExtra): Promise<string> {
    const principal = principalOf(extra);
    const { timeout_seconds: _timeout, products, ...business } = args as Record<string, unknown> & { products?: Array<z.infer<typeof product>> };
    // A job file's URI becomes the photo itself; then the request goes through the API's own validation.
    const resolved = await Promise.all(
      (products ?? []).map(async (p, i) => (p.image ? { ...p, image: (await imageArgument(p.image, `products[${i}].image`, this.jobs, principal)).toString('base64') } : p)),
    );
    const dto = (await this.validation.transform({ ...business, products: resolved }, { type: 'body', metatype: HomepageRequestDto })) as HomepageRequestDto;
    const { jobId } = await this.homepage.submit(dto, { principal });
    return jobId;
  }

  private async finish(status: JobStatusDto, principal: Principal): Promise<CallToolResult> {
    const jobId = status.job_id;
    const result = status.result as { site_url: string; zip_url: string; warnings?: string[]; audit: Record<string, unknown> & { axe: { serious_or_critical: number }; html_validate: { errors: unknown[] } } };
    const warnings = result.warnings ?? [];
    const phone = await this.jobs.readArtifact(await this.jobs.artifact(jobId, 'screenshot_phone.png', principal));
    return {
      content: [
        {
          type: 'text',
          text:
            `The site is live: ${result.site_url}\n` +
            `Audit: ${result.audit.axe.serious_or_critical} serious or critical accessibility problems, ${result.audit.html_validate.errors.length} HTML errors.` +
            warnings.map((w) => `\nWarning: ${w}`).join(''),
        },
        { type: 'image', ...(await thumbnail(phone)) },
        { type: 'resource_link', uri: artifactUri(jobId, 'site.zip'), name: 'site.zip', mimeType: 'application/zip', description: `The site for any static host; also at ${result.zip_url}` },
        { type: 'resource_link', uri: artifactUri(jobId, 'screenshot_desktop.png'), name: 'screenshot_desktop.png', mimeType: 'image/png', description: 'The page at 1280 px' },
      ],
      structuredContent: { job_id: jobId, status: status.status, site_url: result.site_url, zip_url: result.zip_url, warnings, audit: result.audit },
    };
  }
}
