import { Inject, Injectable } from '@nestjs/common';
import { z } from 'zod';
import { ClipService } from '../clip/clip.service';
import { describeCosine } from '../clip/interpretation';
import { FontsService } from '../fonts/fonts.service';
import { JOB_STATUSES } from '../jobs/job.entity';
import { JobStatusService } from '../jobs/job-status.service';
import { JobsService } from '../jobs/jobs.service';
import { ModelRegistry } from '../models/model-registry.service';
import { IMAGE_ANALYZER, type ImageAnalyzer } from '../ad/analysis/analysis.types';
import { ASPECT_PRESETS, type AspectPreset } from '../vision/image.types';
import { decodePhoto } from '../ad/stages/segment.stage';
import { SegmentationService } from '../vision/segmentation/segmentation.service';
import { SystemMetricsRepository } from '../system/system-metrics.repository';
import { AD_JOB_OUTPUT, adJobResult, askForCopy } from './mcp-ad-job';
import { imageArgument } from './mcp-images';
import { principalOf, type ToolDefinition, type ToolExtra } from './mcp-tool.types';
import { AdSubmitService } from '../ad/ad-submit.service';

const PRESETS = Object.keys(ASPECT_PRESETS) as [AspectPreset, ...AspectPreset[]];
// Mirrored into an Mcp-Param-Job-Id header (SEP-2243), so a gateway can route or log by job
// without reading bodies; the SDK checks the header against the argument.
const jobId = z.string().describe('The job_id that generate_ad_image returned').meta({ 'x-mcp-header': 'Job-Id' });
const listOf = (item: z.ZodType) => ({ items: z.array(item), total: z.number().optional() });

/** Every feature as an MCP tool; each calls the services directly (no HTTP to ourselves). */
@Injectable()
export class McpToolsService {
  constructor(
    private readonly jobs: JobsService,
    private readonly statuses: JobStatusService,
    private readonly fonts: FontsService,
    private readonly segmentation: SegmentationService,
    @Inject(IMAGE_ANALYZER) private readonly analyzer: ImageAnalyzer,
    private readonly metrics: SystemMetricsRepository,
    private readonly registry: ModelRegistry,
    private readonly clip: ClipService,
    private readonly ads: AdSubmitService,
  ) {}

  definitions(): ToolDefinition[] {
    return [
      {
        name: 'generate_ad_image',
        title: 'Make an ad image',
        description:
          'Turns a product photo and a line of ad copy into a finished ad: the product is cut out, set on a studio backdrop with a ' +
          'shadow, and the copy is laid out in a Korean-capable font where there is room. With wait=true the call returns the ' +
          'finished image (and streams progress if you send a progressToken); otherwise it returns a job_id to poll with ' +
          'check_generation_status. Takes 5-15 seconds per placement on a CPU.',
        input: {
          product_image: z.string().min(1).describe('The product photo: base64, a data URL, or the nanococoa:// URI / URL of an earlier job file'),
          text_content: z.string().max(200).optional().describe('The ad copy, e.g. "명절 특가! 사과 한 박스 20,000원". Empty: no text'),
          bg_prompt: z.string().max(1000).optional().describe('Background idea in Korean or English, e.g. "warm beige studio", "명절 느낌의 빨간색과 금색"'),
          html_style_prompt: z.string().max(500).optional().describe('How the copy should look, e.g. "bold gold text with shadow", "고급스럽고 차분하게"'),
          text_position: z.enum(['auto', 'top', 'center', 'bottom']).optional(),
          subject_layout: z
            .enum(['auto', 'cutout', 'card'])
            .optional()
            .describe('cutout: the product cut out onto the backdrop; card: the photo as a framed card (fur, glass, a product the colour of its background); auto (default): the cutout unless it is poor'),
          subject_material: z
            .enum(['opaque', 'glass'])
            .optional()
            .describe('glass: a clear or translucent product photographed on a plain backdrop is made see-through (the new backdrop shows through it); default opaque'),
          view: z
            .enum(['auto', 'top-down', 'three-quarter', 'eye-level'])
            .optional()
            .describe('How the product was photographed, so the set matches: top-down gets a flat lay, eye-level a sweep; auto (default) reads it off the cutout'),
          output_format: z.enum(['png', 'jpeg', 'webp']).optional().describe('The finals\' format (default png); jpeg or webp are written beside final.png'),
          placements: z.array(z.enum(PRESETS)).min(1).max(4).optional().describe('Ad sizes: 1:1, 4:5, 9:16, 1.91:1 (one image each). Default 1024x1024'),
          font_name: z.string().optional().describe('A family from list_fonts; default: the best Korean sans'),
          seed: z.number().int().min(0).max(2147483647).optional().describe('Same seed and inputs give the same image'),
          background_mode: z
            .enum(['edit', 'generate', 'studio'])
            .optional()
            .describe('With an image model configured: edit paints the scene around the product (default), generate paints an empty scene first, studio uses the embedded backdrop'),
          use_qwen_analysis: z.boolean().optional().describe('Let a configured vision model read the image to place the copy (default true)'),
          num_variants: z.number().int().min(1).max(4).optional().describe('Backgrounds to make and rank by quality; the best is the final (default 1)'),
          use_llm_html: z.boolean().optional().describe('Let a configured LLM design the copy as HTML/CSS, checked before use (default true)'),
          wait: z.boolean().optional().describe('Wait for the result (default false: return the job_id at once)'),
          timeout_seconds: z.number().int().min(5).max(600).optional().describe('How long wait=true waits (default 180)'),
        },
        output: AD_JOB_OUTPUT,
        ask: (args, extra) => askForCopy(args, extra),
        job: {
          kind: 'ad',
          start: (args, extra) => this.submit(args, extra),
          finish: (status, principal) => adJobResult(this.jobs, status, principal),
          waitSeconds: (args) => Number(args.timeout_seconds ?? 180),
          returnsAtOnce: (args) => !args.wait,
        },
      },
      {
        name: 'check_generation_status',
        title: 'Check an ad job',
        description: "A job's status, progress, ETA and, once completed, its images (a thumbnail inline and links to the full files).",
        input: { job_id: jobId },
        output: AD_JOB_OUTPUT,
        annotations: { readOnlyHint: true },
        run: async (args, extra) => {
          const principal = principalOf(extra);
          return adJobResult(this.jobs, await this.statuses.status(String(args.job_id), principal, { includeMetrics: false }), principal);
        },
      },
      {
        name: 'stop_generation',
        title: 'Stop an ad job',
        description: 'Stops a pending or running job. A finished job cannot be stopped.',
        input: { job_id: jobId },
        output: { job_id: z.string(), status: z.enum(JOB_STATUSES), message: z.string() },
        annotations: { destructiveHint: true, idempotentHint: true },
        run: async (args, extra) => {
          const result = await this.jobs.stop(String(args.job_id), principalOf(extra));
          return { content: [{ type: 'text', text: result.message }], structuredContent: { job_id: args.job_id, ...result } };
        },
      },
      {
        name: 'list_jobs',
        title: 'List ad jobs',
        description: 'Recent jobs, newest first, optionally only some statuses.',
        input: {
          status: z.array(z.enum(JOB_STATUSES)).optional(),
          limit: z.number().int().min(1).max(100).optional(),
          offset: z.number().int().min(0).optional(),
        },
        output: listOf(z.looseObject({ job_id: z.string(), status: z.enum(JOB_STATUSES), progress_percent: z.number(), message: z.string() })),
        annotations: { readOnlyHint: true },
        run: async (args, extra) => {
          const [rows, total] = await this.jobs.list(principalOf(extra), args.status as never, Number(args.limit ?? 20), Number(args.offset ?? 0));
          const items = await this.statuses.summaries(rows);
          const text = items.map((j) => `${j.job_id} ${j.status} ${Math.round(j.progress_percent)}% ${j.message}`).join('\n') || 'No jobs.';
          return { content: [{ type: 'text', text: `${total} job(s)\n${text}` }], structuredContent: { items, total } };
        },
      },
      {
        name: 'analyze_image',
        title: 'Analyze an image for ad copy',
        description:
          'Finds the product in an image and where copy would fit: palette, calm areas outside the product, a text colour with its ' +
          'WCAG contrast, and a one-sentence description.',
        input: {
          image: z.string().min(1).describe('base64, a data URL, or the nanococoa:// URI of a job file'),
          text_position: z.enum(['auto', 'top', 'center', 'bottom']).optional(),
        },
        output: { description: z.string().describe('One sentence about the image') },
        annotations: { readOnlyHint: true },
        run: async (args, extra) => {
          const image = await decodePhoto(await imageArgument(String(args.image), 'image', this.jobs, principalOf(extra)));
          const found = await this.segmentation.segment(image, { signal: extra.mcpReq.signal });
          const analysis = await this.analyzer.analyze({
            image: { data: image.data, width: image.width, height: image.height, channels: 3 },
            productMask: { data: found.matte.data, width: found.matte.width, height: found.matte.height, channels: 1 },
            position: (args.text_position as 'auto') ?? 'auto',
            signal: extra.mcpReq.signal,
          });
          return { content: [{ type: 'text', text: analysis.description }], structuredContent: { ...analysis } };
        },
      },
      {
        name: 'calculate_clip_score',
        title: 'Score images against text (CLIP)',
        description:
          'How well each image matches each text, by CLIP: a cosine (good matches of real CLIP are about 0.28-0.35) and the ' +
          'CLIPScore 2.5*max(cos,0), with an interpretation. Give several images to see which fits a description best. ' +
          'Use model_type koclip for Korean text.',
        input: {
          images: z.array(z.string().min(1)).min(1).max(32).describe('base64, data URLs, or nanococoa:// URIs of job files'),
          prompts: z.array(z.string().min(1)).min(1).max(64),
          model_type: z.enum(['clip', 'koclip']).optional(),
        },
        output: { scores: z.array(z.array(z.looseObject({ cosine: z.number() }))).describe('scores[image][prompt]') },
        annotations: { readOnlyHint: true },
        run: async (args, extra) => {
          const images = await Promise.all((args.images as string[]).map((image, i) => imageArgument(image, `images[${i}]`, this.jobs, principalOf(extra))));
          const modelType = (args.model_type as 'clip' | 'koclip') ?? 'clip';
          const result = await this.clip.score(images, args.prompts as string[], modelType, extra.mcpReq.signal);
          const lines = result.scores.flatMap((row, i) =>
            row.map((cell, j) => `image ${i + 1} x "${(args.prompts as string[])[j]}": cos ${cell.cosine.toFixed(3)} (${describeCosine(cell.cosine, 'en', result.testModel)})`),
          );
          return { content: [{ type: 'text', text: lines.join('\n') }], structuredContent: { ...result } };
        },
      },
      {
        name: 'list_fonts',
        title: 'List fonts',
        description: 'Fonts the copy can be set in, with the scripts each covers (Hangul, Latin...). Pass a family as font_name.',
        input: { script: z.enum(['Hangul', 'Latin', 'Han', 'Hiragana', 'Katakana', 'Cyrillic', 'Greek', 'Emoji']).optional() },
        output: {
          ...listOf(z.object({ family: z.string(), weights: z.array(z.number()), scripts: z.array(z.string()), source: z.string() })),
          default_family: z.string().nullable(),
        },
        annotations: { readOnlyHint: true },
        run: async (args) => {
          const items = this.fonts.list(args.script as never).map(({ family, weights, scripts, source }) => ({ family, weights, scripts, source }));
          const text = items.map((f) => `${f.family} (${f.scripts.join(', ')}; weights ${f.weights.join('/')})`).join('\n');
          return { content: [{ type: 'text', text }], structuredContent: { items, default_family: this.fonts.defaultFamily()?.family ?? null } };
        },
      },
      {
        name: 'get_system_status',
        title: 'Server status',
        description: 'CPU, RAM and GPU use, loaded models and their counters.',
        input: {},
        output: { metrics: z.record(z.string(), z.unknown()), models: z.record(z.string(), z.unknown()) },
        annotations: { readOnlyHint: true },
        run: async () => {
          const metrics = await this.metrics.read();
          const models = this.registry.snapshot();
          const text =
            `CPU ${metrics.cpu_percent}%, RAM ${metrics.ram_used_gb}/${metrics.ram_total_gb} GB, ` +
            `${metrics.gpu_info.length ? metrics.gpu_info.map((g) => `${g.name} ${g.vram_used_mb}/${g.vram_total_mb} MB`).join(', ') : 'no GPU'}; ` +
            `models resident: ${models.models.filter((m) => m.state === 'resident').map((m) => m.id).join(', ') || 'none'}`;
          return { content: [{ type: 'text', text }], structuredContent: { metrics, models } };
        },
      },
    ];
  }

  private async submit(args: Record<string, unknown>, extra: ToolExtra): Promise<string> {
    const principal = principalOf(extra);
    const product = await imageArgument(String(args.product_image), 'product_image', this.jobs, principal);
    const { jobId: id } = await this.ads.submit(
      {
        text_content: args.text_content as string | undefined,
        bg_prompt: args.bg_prompt as string | undefined,
        html_style_prompt: args.html_style_prompt as string | undefined,
        text_position: args.text_position as 'auto' | undefined,
        subject_layout: args.subject_layout as 'auto' | undefined,
        subject_material: args.subject_material as 'opaque' | undefined,
        view: args.view as 'auto' | undefined,
        output_format: args.output_format as 'png' | undefined,
        placements: args.placements as AspectPreset[] | undefined,
        font_name: args.font_name as string | undefined,
        seed: args.seed as number | undefined,
        background_mode: args.background_mode as 'edit' | 'generate' | 'studio' | undefined,
        use_qwen_analysis: args.use_qwen_analysis as boolean | undefined,
        use_llm_html: args.use_llm_html as boolean | undefined,
        num_variants: args.num_variants as number | undefined,
      },
      { product_image: product },
      { principal },
    );
    return id;
  }
}
