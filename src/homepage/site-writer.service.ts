import { Injectable } from '@nestjs/common';
import { z } from 'zod';
import { ChatApiRepository } from '../providers/chat-api.repository';
import { CLAIM_WORDS, copyProblems } from './site-facts';
import { SECTION_IDS, type SiteContent } from './site-content';
import { PRESETS, type SiteTheme, themeProblems } from './site-theme';

/** What each stage did: its attempts' problems, and whether its answer or the template's was used. */
export interface StageRecord {
  used: 'llm' | 'template';
  attempts: string[][];
  fallback?: string;
}

export interface SiteWriting {
  content: SiteContent;
  theme: SiteTheme;
  /** Whose the theme is: the designer's, or the one the template picked. */
  themeFrom: 'llm' | 'template';
  record: { model: string; plan: StageRecord; copy: StageRecord; design: StageRecord };
}

export interface WriteRequest {
  /** The template's content: every fact the shop gave, and template copy where it gave none. */
  content: SiteContent;
  /** Which texts the shop wrote itself (kept as written). */
  given: { tagline: boolean; about: boolean; products: boolean[] };
  style: string | null;
  /** The template's theme, and the ads' colours for the designer. */
  theme: SiteTheme;
  adColors: string[];
  signal: AbortSignal;
}

const RULES = [
  'Use only facts in the input. Never invent prices, opening hours, years, counts, reviews, ratings, awards, discounts, origins or certifications.',
  `Do not use these words unless the input uses them: ${CLAIM_WORDS.join(', ')}.`,
  'No links, e-mail addresses, HTML or markdown.',
  'Answer with JSON only, in the schema given.',
].join('\n');

const PLAN = z.object({ sections: z.array(z.enum(SECTION_IDS)), hero_button: z.enum(['call', 'map']), featured: z.string().nullable(), tone: z.string().max(200) });
const COPY = z.object({ tagline: z.string().max(400), about: z.string().max(2000), products: z.array(z.object({ name: z.string(), description: z.string().max(600) })).max(24) });
const DESIGN = z.object({ preset: z.string(), accent: z.string(), surface: z.string(), ink: z.string(), muted: z.string() });

const str = { type: 'string' };
const object = (properties: Record<string, unknown>) => ({ type: 'object', additionalProperties: false, required: Object.keys(properties), properties });
const SCHEMAS = {
  plan: object({ sections: { type: 'array', items: { type: 'string', enum: SECTION_IDS } }, hero_button: { type: 'string', enum: ['call', 'map'] }, featured: { type: ['string', 'null'] }, tone: str }),
  copy: object({ tagline: str, about: str, products: { type: 'array', items: object({ name: str, description: str }) } }),
  design: object({ preset: { type: 'string', enum: Object.keys(PRESETS) }, accent: str, surface: str, ink: str, muted: str }),
};

/**
 * The seed's planner -> copywriter -> designer agents as a typed pipeline: each answers JSON in
 * a schema (never HTML), each answer is checked (the plan against the content, the copy against
 * the shop's facts, the palette against WCAG contrast), a failed check earns one repair request
 * naming the problems, and a second failure keeps the template's part. The page itself is
 * always the template's, so no LLM output can add markup, script or a request.
 */
@Injectable()
export class SiteWriterService {
  constructor(private readonly chat: ChatApiRepository) {}

  get model(): string | null {
    return this.chat.settings('llm')?.model ?? null;
  }

  async write(req: WriteRequest): Promise<SiteWriting | null> {
    const model = this.model;
    if (!model) return null;
    const c = req.content;
    const lang = c.lang === 'ko' ? 'Korean' : 'English';
    const names = c.products.map((p) => p.name);
    const facts = factsOf(c, req.given);
    const brief = { business: facts, language: lang, style: req.style };

    const plan = await this.stage('site_plan', SCHEMAS.plan, PLAN, req.signal,
      'You plan a one-page website for a small local shop: the order of its sections, which hero button comes first, the product to feature, and the tone of voice.\n' + RULES,
      { ...brief, sections: SECTION_IDS, has_phone: Boolean(c.phone), has_map: Boolean(c.links.naver_map || c.links.kakao_map) },
      (v) => planProblems(v, c, names));
    const tone = plan.value?.tone ?? null;

    const toWrite = [!req.given.tagline && 'tagline', !req.given.about && 'about', ...c.products.filter((_, i) => !req.given.products[i]).map((p) => `products[].description for "${p.name}"`)].filter(Boolean);
    const copy = toWrite.length
      ? await this.stage('site_copy', SCHEMAS.copy, COPY, req.signal,
          `You write the copy of a one-page website for a small local shop, in ${lang}, in the tone given. tagline: one line under the shop's name (at most 60 characters). about: 2-4 warm, concrete sentences (60-400 characters). products: one line each (at most 100 characters), for every product by its exact name.\n` + RULES,
          { ...brief, tone, write: toWrite },
          (v) => this.copyCheck(v, req, facts.join('\n'), names))
      : { value: null, record: { used: 'template' as const, attempts: [] } };

    const design = await this.stage('site_design', SCHEMAS.design, DESIGN, req.signal,
      'You choose the colours of a one-page website for a small local shop: a preset name and four #rrggbb colours. White text sits on accent (buttons); accent, ink and muted text sit on surface and on white cards; surface is a light tint. Every pairing must read at 4.5:1 (WCAG AA). Take the accent from the ads\' colours when they have one that fits.\n' + RULES,
      { business_type: c.businessType, category: c.category, style: req.style, tone, ads_colors: req.adColors, presets: PRESETS },
      (v) => themeProblems(v));

    let content = { ...c };
    if (plan.value) {
      const featured = plan.value.featured;
      const products = featured ? [...c.products].sort((a, b) => Number(b.name === featured) - Number(a.name === featured)) : c.products;
      const hero = products.find((p) => p.name === featured)?.image ?? c.hero;
      content = { ...content, sections: plan.value.sections, heroButton: plan.value.hero_button, products, hero };
    }
    if (copy.value) {
      const written = copy.value;
      content = {
        ...content,
        tagline: req.given.tagline ? c.tagline : written.tagline.trim(),
        about: req.given.about ? c.about : written.about.trim(),
        products: content.products.map((p) => {
          const index = c.products.indexOf(p);
          return req.given.products[index] ? p : { ...p, description: written.products.find((w) => w.name === p.name)?.description.trim() ?? p.description };
        }),
      };
    }
    const theme = design.value ? { accent: design.value.accent, surface: design.value.surface, ink: design.value.ink, muted: design.value.muted } : req.theme;
    return { content, theme, themeFrom: design.value ? 'llm' : 'template', record: { model, plan: plan.record, copy: copy.record, design: design.record } };
  }

  /** One agent: ask, check, ask once more with the problems, else null (the template's part). */
  private async stage<T>(name: string, json: Record<string, unknown>, parse: z.ZodType<T>, signal: AbortSignal, system: string, input: unknown, check: (v: T) => string[]): Promise<{ value: T | null; record: StageRecord }> {
    const record: StageRecord = { used: 'template', attempts: [] };
    let user = JSON.stringify(input, null, 2);
    for (let attempt = 1; attempt <= 2; attempt++) {
      let value: T;
      try {
        ({ value } = await this.chat.complete({ role: 'llm', system, user, schema: { name, json, parse }, signal }));
      } catch (error) {
        if (!this.chat.fallsBackFrom(error)) throw error;
        record.fallback = `${error.code}: ${error.message}`;
        return { value: null, record };
      }
      const problems = check(value);
      record.attempts.push(problems);
      if (problems.length === 0) return { value, record: { ...record, used: 'llm' } };
      user += `\n\nYour answer ${JSON.stringify(value).slice(0, 4000)} failed these checks:\n- ${problems.join('\n- ')}\nSend a corrected answer.`;
    }
    record.fallback = 'both answers failed the checks; the template\'s part was kept';
    return { value: null, record };
  }

  private copyCheck(v: z.infer<typeof COPY>, req: WriteRequest, facts: string, names: string[]): string[] {
    const lang = req.content.lang;
    const problems: string[] = [];
    if (!req.given.tagline) problems.push(...copyProblems('tagline', v.tagline, { min: 4, max: 60 }, lang, facts, names));
    if (!req.given.about) problems.push(...copyProblems('about', v.about, { min: 40, max: 400 }, lang, facts, names));
    req.content.products.forEach((p, i) => {
      if (req.given.products[i]) return;
      const written = v.products.find((w) => w.name === p.name);
      if (!written) problems.push(`products: no description for "${p.name}" (use its exact name)`);
      else problems.push(...copyProblems(`products["${p.name}"].description`, written.description, { min: 4, max: 100 }, lang, facts, names));
    });
    return problems;
  }
}

/** Everything the shop said, as lines the agents read and the checks compare with. */
function factsOf(c: SiteContent, given: WriteRequest['given']): string[] {
  return [
    `name: ${c.name}`,
    c.category && `category: ${c.category}`,
    given.tagline && `tagline: ${c.tagline}`,
    given.about && `about: ${c.about}`,
    c.address && `address: ${c.address}`,
    c.phone && `phone: ${c.phone}`,
    c.hours.text && `hours: ${c.hours.text}`,
    ...c.hours.rows.map((r) => `hours: ${r.days} ${r.opens}-${r.closes}`),
    ...c.products.map((p, i) => `product: ${p.name}${p.price ? `, ${p.price}` : ''}${given.products[i] && p.description ? `, ${p.description}` : ''}`),
  ].filter((x): x is string => Boolean(x));
}

function planProblems(v: z.infer<typeof PLAN>, c: SiteContent, names: string[]): string[] {
  const problems: string[] = [];
  if (v.sections.length !== SECTION_IDS.length || new Set(v.sections).size !== SECTION_IDS.length) problems.push(`sections must list each of ${SECTION_IDS.join(', ')} once`);
  const hasMap = Boolean(c.links.naver_map || c.links.kakao_map);
  if (v.hero_button === 'call' && !c.phone && hasMap) problems.push('hero_button is call but the shop gave no phone');
  if (v.hero_button === 'map' && !hasMap && c.phone) problems.push('hero_button is map but the shop gave no map link');
  if (v.featured !== null && !names.includes(v.featured)) problems.push(`featured must be null or one of the product names exactly: ${names.join(', ') || '(none)'}`);
  if (!v.tone.trim() || v.tone.length > 80) problems.push('tone must be 1-80 characters');
  return problems;
}
