import type { FinalDto } from '../jobs/dto/job-status.dto';
import type { JobEntity } from '../jobs/job.entity';
import type { AdParameters } from './ad-submit.service';
import { shotSuffix } from './canvases';
import { OUTPUT_FILES, type OutputFormat } from './stages/encode';

/** A shot's files: `final` in the asked format, with final.png beside it when that is another. */
export function filesOf(suffix: string, format: OutputFormat = 'png') {
  const final = `final${suffix}.${OUTPUT_FILES[format].ext}`;
  return { step1: `step1${suffix}.png`, final, ...(format === 'png' ? {} : { final_png: `final${suffix}.png` }) };
}

/**
 * /status's `finals`: every placement's files, variants included, ranked best first once the job
 * is done (the result says the order), in variant order before that. The best's files are also
 * under the plain names (final.png), which is what final_result is. `link` is null for a file
 * the job does not have (yet).
 */
export function finalsOf(job: JobEntity, link: (name: string) => string | null): FinalDto[] {
  const params = job.parameters as unknown as AdParameters;
  const variants = params.num_variants ?? 1;
  const format = params.output_format ?? 'png';
  const ranked = job.result.canvases as Array<{ variants?: Array<{ variant: number; rank: number }> }> | undefined;
  return (params.canvases ?? []).flatMap((c, i) => {
    const order = ranked?.[i]?.variants ?? Array.from({ length: variants }, (_, v) => ({ variant: v + 1, rank: null as number | null }));
    return order.map(({ variant, rank }) => {
      const files = filesOf(shotSuffix({ canvas: c, variant: variant - 1 }, variants), format);
      return {
        placement: c.preset ?? `${c.width}x${c.height}`,
        width: c.width,
        height: c.height,
        step1_url: link(files.step1),
        final_url: link(files.final_png ?? files.final),
        final_format_url: files.final_png ? link(files.final) : null,
        variant,
        rank: variants > 1 ? rank : job.status === 'completed' ? 1 : null,
      };
    });
  });
}
