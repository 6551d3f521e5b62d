/** What the picker reads of a job: its kind and result (the row the list already holds). */
export interface PreviewSource {
  kind: string;
  result: Record<string, unknown>;
}

/** Site pictures are written as `site_p<product>-<width>.webp` (homepage.job-handler.ts, site-assets.ts). */
const SITE_PICTURE = /^site_p(\d+)-(\d+)\.webp$/;
/** A thumbnail is 56 CSS px: the smallest variant that still fills it on a 2x screen. */
const THUMB_PX = 112;

/**
 * The file that shows a finished job in the admin's lists, by kind: an ad's final (else its
 * product shot); a decomposition's preview; a site's share card, else its first picture, else the
 * top of its desktop screenshot. Null when the job wrote none of them.
 */
export function previewFile(job: PreviewSource, files: string[]): string | null {
  const has = (name: string) => (files.includes(name) ? name : null);
  if (job.kind === 'decompose') return has('preview.jpg');
  if (job.kind === 'homepage') return sitePreview(job.result, files, has);
  return has('final.png') ?? has('step1.png');
}

/** Whether the thumbnail shows the top of a tall page (a screenshot) rather than its middle. */
export const previewFromTop = (file: string | null): boolean => file === 'screenshot_desktop.png';

function sitePreview(result: Record<string, unknown>, files: string[], has: (name: string) => string | null): string | null {
  const card = (result.share_card as { file?: unknown } | undefined)?.file;
  const fromCard = typeof card === 'string' ? has(`site_${card}`) : null;
  if (fromCard) return fromCard;
  // The first product's picture: its smallest variant that fills a thumbnail, else its largest.
  const pictures = files
    .map((name) => ({ name, m: SITE_PICTURE.exec(name) }))
    .flatMap(({ name, m }) => (m ? [{ name, product: Number(m[1]), width: Number(m[2]) }] : []))
    .sort((a, b) => a.product - b.product || a.width - b.width);
  const first = pictures.filter((p) => p.product === pictures[0]?.product);
  const picture = first.find((p) => p.width >= THUMB_PX) ?? first.at(-1);
  return picture?.name ?? has('screenshot_desktop.png');
}
