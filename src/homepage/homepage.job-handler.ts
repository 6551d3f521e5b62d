import { Injectable } from '@nestjs/common';
import { zipSync } from 'fflate';
import sharp from 'sharp';
import { AppConfig } from '../config/app-config';
import { JobHandler, type JobContext, type JobKindHandler, type JobOutcome } from '../jobs/job-handler';
import { hexOf } from '../vision/color-math';
import { dominantPalette } from '../vision/palette';
import { resolveCanvases } from '../ad/canvases';
import type { Rgb } from '../vision/image.types';
import { PipelineOrchestrator } from '../ad/orchestrator.service';
import type { HomepageRequestDto } from './dto/homepage-request.dto';
import { icons, imageVariants, type SiteFile } from './site-assets';
import { priceOf, type SiteImage, siteContent, type SiteProduct } from './site-content';
import { type CardPicture, ShareCardService } from './share-card';
import { SiteAuditService } from './site-audit.service';
import { renderSite, siteCsp } from './site-page';
import { paletteTheme, themeOf } from './site-theme';
import { type SiteWriting, SiteWriterService } from './site-writer.service';

/** What a homepage job keeps in its row: the business, and each product's stored picture. */
export interface HomepageParameters {
  business: Omit<HomepageRequestDto, 'products' | 'webhook_url' | 'make_ads'>;
  products: Array<{ name: string; price?: string | number; description?: string; link?: string | null; input: string | null; from_ad: string | null }>;
  make_ads: boolean;
  seed: number;
}

/** Site files are job artifacts named `site_<file>`; the site's folder is flat. */
export const SITE_PREFIX = 'site_';

/** The job's warning when it cannot know where the site lives: messengers ignore a relative og:image. */
export const NO_PUBLIC_URL =
  'No public URL is configured (SITES_PUBLIC_URL or PUBLIC_URL), so the page has no og:image, canonical or og:url: a link to it shared in KakaoTalk, ' +
  'Facebook or a messenger shows no picture. The share card is made (share-card file, in the ZIP too); set SITES_PUBLIC_URL or PUBLIC_URL and make the site again.';

/**
 * The embedded homepage generator as a job kind: each product's picture (its photo, an earlier
 * ad, or with make_ads a new ad made here from the photo) as WebP variants, the content model
 * with the template's copy where the shop gave none, one static page with inlined CSS and
 * JSON-LD, icons, and a ZIP of the folder. The files are this job's artifacts, served at
 * /sites/{id}/; the job is kept until it is deleted.
 */
@JobHandler('homepage')
@Injectable()
export class HomepageJobHandler implements JobKindHandler {
  readonly retentionHours = 0;

  constructor(
    private readonly orchestrator: PipelineOrchestrator,
    private readonly auditor: SiteAuditService,
    private readonly config: AppConfig,
    private readonly writer: SiteWriterService,
    private readonly shareCard: ShareCardService,
  ) {}

  async run(ctx: JobContext): Promise<JobOutcome> {
    const p = ctx.job.parameters as unknown as HomepageParameters;
    const lang = p.business.language ?? 'ko';
    const timings: Record<string, number> = {};
    const timed = async <T>(step: string, percent: number, work: () => Promise<T>): Promise<T> => {
      ctx.progress({ percent, step, subStep: null, message: `Homepage: ${step}`, stageStartedAt: new Date() });
      const started = performance.now();
      try {
        return await work();
      } finally {
        timings[step] = Math.round(performance.now() - started);
      }
    };

    const files: SiteFile[] = [];
    const madeAds: string[] = [];
    const adPalette: Array<{ color: Rgb; share: number }> = [];
    const products: SiteProduct[] = await timed('images', 5, async () => {
      const out: SiteProduct[] = [];
      for (const [i, product] of p.products.entries()) {
        let picture = product.input ? await ctx.readArtifact(product.input) : undefined;
        if (picture && p.make_ads && !product.from_ad) {
          picture = await this.makeAd(ctx, { i, of: p.products.length }, picture, product, p.seed, lang);
          madeAds.push(`ad${i + 1}_final.png`);
        }
        const isAd = Boolean(picture && (product.from_ad || p.make_ads));
        if (isAd) adPalette.push(...(await paletteOf(picture!)));
        let image: SiteImage | null = null;
        if (picture) {
          const made = await imageVariants(picture, `p${i + 1}`, product.name);
          files.push(...made.files);
          image = { ...made.image, ad: isAd };
        }
        const price = priceOf(product.price, lang);
        out.push({ name: product.name, price: price.price, priceValue: price.value, description: product.description ?? null, link: product.link ?? null, image });
      }
      return out;
    });

    // The hero is the largest picture: an ad at full width rather than a small snapshot.
    const hero = products.map((x) => x.image).filter((x) => x !== null).sort((a, b) => b.width - a.width)[0] ?? null;
    let content = siteContent({ ...p.business, products: [] } as HomepageRequestDto, products, hero);
    // Named style words pick a preset; otherwise the ads' own colours; otherwise the business type's preset.
    const fromAds = p.business.style?.trim() ? null : paletteTheme(adPalette);
    let picked = fromAds ? { name: 'ads', theme: fromAds } : themeOf(p.business.style, content.businessType);
    let writer: SiteWriting['record'] | null = null;
    if (this.writer.model) {
      const written = await timed('copy', 80, () =>
        this.writer.write({
          content,
          given: { tagline: Boolean(p.business.tagline?.trim()), about: Boolean(p.business.description?.trim()), products: p.products.map((x) => Boolean(x.description?.trim())) },
          style: p.business.style?.trim() || null,
          theme: picked.theme,
          adColors: dominantFirst(adPalette).map(hexOf),
          signal: ctx.signal,
        }),
      );
      if (written) {
        ({ content, record: writer } = written);
        if (written.themeFrom === 'llm') picked = { name: 'llm', theme: written.theme };
      }
    }
    const siteUrl = this.siteUrl(ctx.job.id);
    // Made whatever the URL: the ZIP carries it, and a site moved to its own host can point at it.
    const card = await timed('share card', 84, () => this.shareCard.render(content, picked.theme, cardPicture(content.hero, files), ctx.signal));
    files.push(card.file);
    const { html, styleHash, theme } = await timed('page', 86, async () => {
      files.push(...(await icons(content.name, picked.theme.accent)));
      return { ...renderSite(content, picked.theme, siteUrl, card.share), theme: picked.name };
    });
    files.unshift({ name: 'index.html', mime: 'text/html; charset=utf-8', data: Buffer.from(html) });

    await timed('files', 92, async () => {
      for (const f of files) await ctx.writeArtifact(`${SITE_PREFIX}${f.name}`, f.data, f.mime);
      const zip = zipSync(Object.fromEntries(files.map((f) => [f.name, [new Uint8Array(f.data), { level: f.name.endsWith('.webp') || f.name.endsWith('.png') ? 0 : 6 }]])));
      await ctx.writeArtifact('site.zip', Buffer.from(zip), 'application/zip');
    });
    const { screenshots, ...audit } = await timed('audit', 95, () => this.auditor.audit(files, siteCsp(styleHash), ctx.signal));
    await ctx.writeArtifact('screenshot_desktop.png', screenshots.desktop, 'image/png');
    await ctx.writeArtifact('screenshot_phone.png', screenshots.phone, 'image/png');
    return {
      message: `Completed: ${files.length} files.${siteUrl ? '' : ' No public URL is configured: the page has no og:image (see warnings).'}`,
      timings,
      result: {
        site_url: siteUrl ?? `/sites/${ctx.job.id}/`,
        share_card: { file: card.share.file, url: siteUrl ? `${siteUrl}${card.share.file}` : null, bytes: card.file.data.length },
        warnings: siteUrl ? [] : [NO_PUBLIC_URL],
        zip_url: `/homepage/${ctx.job.id}/site.zip`,
        files: files.map((f) => ({ name: f.name, bytes: f.data.length })),
        theme,
        colors: picked.theme,
        style_hash: styleHash,
        made_ads: madeAds,
        generator: writer && [writer.plan, writer.copy, writer.design].some((x) => x.used === 'llm') ? `llm:${writer.model}` : 'embedded templates',
        ...(writer ? { writer } : {}),
        screenshots: { desktop: 'screenshot_desktop.png', phone: 'screenshot_phone.png' },
        audit,
      },
    };
  }

  /** Where the site is published: SITES_PUBLIC_URL (a separate origin), else PUBLIC_URL; null when neither is set. */
  private siteUrl(jobId: string): string | null {
    const base = this.config.SITES_PUBLIC_URL ?? (this.config.PUBLIC_URL ? `${this.config.PUBLIC_URL}/sites` : null);
    return base ? `${base}/${jobId}/` : null;
  }

  /** make_ads: the ad pipeline run here on the product photo, its name and price as the copy, at 4:5 like the cards. */
  private async makeAd(ctx: JobContext, { i, of }: { i: number; of: number }, photo: Buffer, product: HomepageParameters['products'][number], seed: number, lang: 'ko' | 'en'): Promise<Buffer> {
    const copy = [product.name, priceOf(product.price, lang).price].filter(Boolean).join(' ');
    const prefix = `ad${i + 1}_`;
    await this.orchestrator.run(
      {
        jobId: ctx.job.id,
        startStep: 1,
        stopStep: 2,
        productImage: photo,
        textContent: copy,
        bgPrompt: '',
        negativePrompt: '',
        htmlStylePrompt: '',
        useVision: true,
        useLlmHtml: true,
        textPosition: 'auto',
        strength: 0.6,
        guidanceScale: 3.5,
        seed: seed + i,
        canvases: resolveCanvases({ aspect_ratio: '4:5' }),
        variants: 1,
        testMode: false,
      },
      {
        stageSeconds: {},
        progress: (e) => ctx.progress({ percent: 5 + Math.round((80 * (i + e.percent / 100)) / of), step: 'images', subStep: `ad ${i + 1}: ${e.label}`, message: `Making the ad for ${product.name}: ${e.message}` }),
        writeArtifact: (name, data, mime) => ctx.writeArtifact(`${prefix}${name}`, data, mime),
      },
      ctx.signal,
    );
    return (await ctx.readArtifact(`${prefix}final.png`))!;
  }
}

/** An ad's colours, from a 96 px thumbnail (the ad is opaque, so all of it counts). */
async function paletteOf(picture: Buffer): Promise<Array<{ color: Rgb; share: number }>> {
  const { data, info } = await sharp(picture).resize(96, 96, { fit: 'inside' }).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
  return dominantPalette({ data, width: info.width, height: info.height, channels: 4 }, { k: 5 });
}

/** The hero's largest variant, for the share card: the picture the site itself opens with. */
function cardPicture(hero: SiteImage | null, files: SiteFile[]): CardPicture | null {
  const largest = hero && files.find((f) => f.name === `${hero.base}-${hero.widths[hero.widths.length - 1]}.webp`);
  return hero && largest ? { bytes: largest.data, ad: hero.ad === true } : null;
}

function dominantFirst(palette: Array<{ color: Rgb; share: number }>): Rgb[] {
  return [...palette].sort((a, b) => b.share - a.share).slice(0, 8).map((e) => e.color);
}
