import type { JobStatusDto } from '../jobs/dto/job-status.dto';
import type { AdParameters } from '../ad/ad-submit.service';
import type { LayerMetadata } from '../layers/decomposition.types';
import type { TextTypography } from '../layers/typography';
import type { ViewContext } from './admin-context';
import type { MessageKey } from './messages';
import { homepageInputs, siteView } from './site-view';

// Timings come back from jsonb with their keys reordered: the ad pipeline's stages, a homepage
// job's steps, then a decomposition's (the embedded decomposer's order, then a provider's).
const STAGE_ORDER = [
  'segment', 'background', 'composite', 'analyze', 'layout', 'render', 'finalize', 'quality',
  'images', 'copy', 'share card', 'page', 'files', 'audit',
  'layers_provider', 'layers_normalize', 'layers_text', 'layers_shapes', 'layers_objects', 'layers_background', 'layers_unblend', 'layers_read', 'layers_typeset', 'layers_export',
];
const stageOrder = (name: string) => {
  const i = STAGE_ORDER.findIndex((s) => name.startsWith(s));
  return i < 0 ? STAGE_ORDER.length : i;
};

/** One line of the job page's "Inputs" panel: its label's key and the value as shown. */
export type InputLine = [MessageKey, string];

/** A finished decomposition's layers with their files' links, back to front; null for other jobs. */
function layersView(s: JobStatusDto) {
  const meta = s.result as { width?: number; height?: number; layers?: LayerMetadata[]; recomposition_psnr_db?: number | null; recomposition_exact?: boolean; engines?: Record<string, string> };
  if (s.kind !== 'decompose' || s.status !== 'completed' || !meta.layers) return null;
  const url = (name: string) => s.artifacts.find((a) => a.name === name)?.url ?? null;
  return {
    width: meta.width,
    height: meta.height,
    psnr: meta.recomposition_exact ? '∞' : `${meta.recomposition_psnr_db} dB`,
    // Who made the layers, and a fallback's reason: a provider's failure must not pass unseen.
    madeBy: ['layers', 'fallback', 'descriptions'].flatMap((k) => (meta.engines?.[k] ? [`${k}: ${meta.engines[k]}`] : [])),
    items: meta.layers.map((l) => ({ ...l, url: url(l.file), type: l.typography ? typeLine(l.typography) : null })),
    zip: url('layers.zip'),
    psd: url('layers.psd'),
    html: url('layers.html'),
    preview: url('preview.jpg'),
  };
}

/** A text layer's recovered type in a designer's words: "NanumSquare Bold 64 px #1a1a1a, centred, line 1.25". */
function typeLine(t: TextTypography): string {
  const parts = [`${t.family}${t.weight >= 700 ? ' Bold' : ''} ${t.size_px} px`, t.color, t.align, `line ${t.line_height}`];
  if (t.letter_spacing_px) parts.push(`spacing ${t.letter_spacing_px} px`);
  if (t.rotation_deg) parts.push(`${t.rotation_deg}°`);
  if (t.shadow) parts.push(`shadow ${t.shadow}`);
  if (t.outline) parts.push(`outline ${t.outline}`);
  return parts.join(' · ');
}

/** Stage timings, recorded in milliseconds: in seconds, in pipeline order, each with its bar's length. */
function timingsView(s: JobStatusDto) {
  let entries = Object.entries(s.timings ?? {}).filter((e): e is [string, number] => typeof e[1] === 'number' && Number.isFinite(e[1]));
  // A decomposition records its total under 'decompose' beside its parts: the parts say more.
  if (entries.some(([name]) => name.startsWith('layers_'))) entries = entries.filter(([name]) => name !== 'decompose');
  const timings = entries.map(([name, ms]): [string, number] => [name, ms / 1000]).sort(([a], [b]) => stageOrder(a) - stageOrder(b));
  const max = Math.max(0.001, ...timings.map(([, v]) => v));
  return timings.map(([name, value]) => ({ name, value, percent: Math.max(1, Math.round((value / max) * 100)) }));
}

/** What the job page shows, shaped for the template. */
export function jobView(s: JobStatusDto, ctx: ViewContext) {
  const params = s.parameters as unknown as AdParameters;
  const result = s.result as { canvases?: Array<{ placement?: string; quality?: QualityReport }>; subject_layout?: Explained; subject_material?: Explained & { requested: string }; view?: { estimated: string; why: string } | null };
  const canvases = result.canvases ?? [];
  const active = s.status === 'pending' || s.status === 'running';
  return {
    job: s,
    params,
    active,
    progress: s.status === 'completed' ? 100 : s.progress_percent,
    layers: layersView(s),
    site: siteView(s),
    // result.canvases describes each placement's best variant, the one ranked 1.
    finals: s.finals.map((f) => ({ ...f, quality: f.rank === 1 ? (canvases.find((c) => c.placement === f.placement)?.quality ?? null) : null })),
    variants: params.num_variants ?? 1,
    quality: (s.quality as QualityReport | null) ?? null,
    // How the product was shown and, when glass was asked for, what came of it (the why is the pipeline's own words).
    subject: result.subject_layout ? { ...result.subject_layout, used: ctx.label('new.layout_', result.subject_layout.used) } : null,
    material: result.subject_material?.requested === 'glass' ? { ...result.subject_material, used: ctx.label('new.material_', result.subject_material.used) } : null,
    view: result.view ? { used: ctx.label('new.view_', result.view.estimated), why: result.view.why } : null,
    timings: timingsView(s),
    hasStep1: s.artifacts.some((a) => a.name === 'step1.png'),
    inputs: inputsView(s.kind, params, ctx),
  };
}

/** The job page's "Inputs" panel: what each kind of job was asked to do, every line with its label. */
function inputsView(kind: string, params: AdParameters, ctx: ViewContext): InputLine[] {
  if (kind === 'homepage') return homepageInputs(params, ctx);
  if (kind === 'decompose') return [['layers.count', String((params as unknown as { num_layers?: number }).num_layers ?? '')]];
  const step = (n: number | undefined) => (n === undefined ? '' : ctx.label('input.step_', String(n)));
  return [
    ['new.text', params.text_content ?? ''],
    ['new.bg', params.bg_prompt ?? ''],
    ['new.style', params.html_style_prompt ?? ''],
    ['new.font', params.font_name ?? ''],
    ['new.placements', (params.canvases ?? []).map((c) => c.preset ?? `${c.width}×${c.height}`).join(', ')],
    ['new.position', ctx.label('new.position_', params.text_position ?? 'auto')],
    ['new.layout', ctx.label('new.layout_', params.subject_layout ?? 'auto')],
    ['new.material', ctx.label('new.material_', params.subject_material ?? 'opaque')],
    ['new.format', OUTPUT_FORMATS[params.output_format ?? 'png'] ?? String(params.output_format)],
    ['input.start_step', step(params.start_step)],
    ['input.stop_step', step(params.stop_step)],
    ['input.seed', params.seed === undefined ? '' : String(params.seed)],
  ];
}

/** The files each output format gives, as the new-job form names them. */
const OUTPUT_FORMATS: Record<string, string> = { png: 'PNG', jpeg: 'PNG + JPEG', webp: 'PNG + WebP' };

interface Explained {
  used: string;
  why: string;
}

export interface QualityReport {
  verdict?: string;
  issues?: string[];
  cutout?: { confidence?: number; verdict?: string };
  productFidelity?: { unchanged?: boolean; maxDelta?: number };
  text?: { contrast?: number; contrastOk?: boolean; insideSafeZone?: boolean; overlapsProduct?: boolean } | null;
  clip?: { skipped?: boolean; reason?: string; clip_score?: number; score?: number } | null;
}
