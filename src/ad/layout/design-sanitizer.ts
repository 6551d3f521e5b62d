import postcss, { type Declaration } from 'postcss';
import sanitizeHtml from 'sanitize-html';

/** Markup an LLM may use for a text layer: text, line structure and emphasis, nothing that loads or runs. */
const TAGS = ['div', 'span', 'p', 'br', 'strong', 'em', 'b', 'i', 'small', 'mark', 'h1', 'h2', 'h3', 'sup', 'sub', 'ul', 'ol', 'li'];

/**
 * CSS properties a copy design may set. Anything that fetches (url(), @import), moves
 * (animation, transition, transform), escapes the layer (position other than relative,
 * z-index) or costs the renderer (filter, backdrop-filter) is not here.
 */
const PROPERTIES = new Set([
  'color', 'background-color', 'background-image', 'background', 'opacity',
  'font-family', 'font-size', 'font-weight', 'font-style', 'font-stretch', 'line-height', 'letter-spacing', 'word-spacing',
  'text-align', 'text-transform', 'text-decoration', 'text-decoration-color', 'text-shadow', 'text-wrap', 'white-space',
  'word-break', 'overflow-wrap', 'line-break', '-webkit-text-stroke', '-webkit-text-stroke-width', '-webkit-text-stroke-color',
  'paint-order', 'padding', 'padding-top', 'padding-right', 'padding-bottom', 'padding-left', 'margin', 'margin-top',
  'margin-right', 'margin-bottom', 'margin-left', 'border', 'border-top', 'border-right', 'border-bottom', 'border-left',
  'border-color', 'border-width', 'border-style', 'border-radius', 'box-shadow', 'display', 'flex-direction', 'flex-wrap',
  'align-items', 'justify-content', 'align-self', 'gap', 'row-gap', 'column-gap', 'width', 'max-width', 'min-width',
  'height', 'max-height', 'min-height', 'box-sizing', 'vertical-align', 'position',
]);
const DISPLAY = new Set(['block', 'inline', 'inline-block', 'flex', 'inline-flex', 'grid', 'none']);
/** Shadows blur past this cost the renderer and smear the copy. */
const MAX_SHADOW_PX = 24;
const MAX_SHADOWS = 4;
const FONT_PX = [8, 400] as const;

export interface SanitizedDesign {
  html: string;
  css: string;
  /** What was taken out and why, for the job's result. */
  removed: string[];
}

/**
 * Makes an LLM's HTML and CSS for the text layer safe before Chromium sees it. The HTML keeps
 * an allowlist of tags with class/lang/dir only (no style attributes, no event handlers, no
 * URLs). The CSS is parsed with postcss: at-rules go, declarations outside the property
 * allowlist go, values that load or run go, shadows and font sizes are clamped, font families
 * must be installed ones, and every selector is scoped under `scope`.
 */
export function sanitizeDesign(html: string, css: string, opts: { scope: string; fontFamilies: string[] }): SanitizedDesign {
  const removed: string[] = [];
  const cleanHtml = sanitizeHtml(html, {
    allowedTags: TAGS,
    allowedAttributes: { '*': ['class', 'lang', 'dir'] },
    allowedSchemes: [],
    disallowedTagsMode: 'discard',
    onOpenTag: (name, attribs) => {
      if (!TAGS.includes(name)) removed.push(`<${name}>`);
      for (const attr of Object.keys(attribs)) if (!['class', 'lang', 'dir'].includes(attr)) removed.push(`${name}[${attr}]`);
    },
  });
  return { html: cleanHtml, css: sanitizeCss(css, opts, removed), removed: [...new Set(removed)] };
}

function sanitizeCss(css: string, opts: { scope: string; fontFamilies: string[] }, removed: string[]): string {
  let root: postcss.Root;
  try {
    root = postcss.parse(css);
  } catch (error) {
    removed.push(`the stylesheet (does not parse: ${(error as Error).message.split('\n')[0]})`);
    return '';
  }
  const families = new Set(opts.fontFamilies.map((f) => f.toLowerCase()));
  root.walkAtRules((at) => {
    removed.push(`@${at.name}`);
    at.remove();
  });
  root.walkComments((c) => {
    c.remove();
  });
  root.walkRules((rule) => {
    // A selector or value with '<' could only be trying to close the <style> it will sit in.
    if (rule.selector.includes('<')) {
      removed.push('a rule with markup in its selector');
      rule.remove();
      return;
    }
    rule.selectors = rule.selectors.map((s) => scoped(s.trim(), opts.scope));
  });
  root.walkDecls((decl) => {
    const why = declarationProblem(decl, families);
    if (why) {
      removed.push(`${decl.prop}: ${why}`);
      decl.remove();
      return;
    }
    // The page's frame is set with !important; a design must not outrank it.
    decl.important = false;
    clamp(decl);
  });
  root.walkRules((rule) => {
    if (!rule.nodes?.length) rule.remove();
  });
  return root.toString();
}

/** `body`, `html`, `:root` and `*` mean the layer; everything else is looked for inside it. */
function scoped(selector: string, scope: string): string {
  const rest = selector.replace(/^(?:html|body|:root)(?=$|[\s.#:[>+~])/i, '').trim();
  return rest ? `${scope} ${rest}` : scope;
}

function declarationProblem(decl: Declaration, families: Set<string>): string | null {
  const prop = decl.prop.toLowerCase();
  const value = decl.value.toLowerCase();
  if (prop.startsWith('--')) return 'custom properties are not used';
  if (!PROPERTIES.has(prop)) return 'not an allowed property';
  if (/url\s*\(|expression\s*\(|javascript:|@import|\\|</.test(value)) return 'loads or runs something';
  if (/\bvar\s*\(|\benv\s*\(|\battr\s*\(/.test(value)) return 'refers to values outside the design';
  if (prop === 'position' && !['relative', 'static'].includes(value)) return 'only relative positioning';
  if (prop === 'display' && !DISPLAY.has(value)) return 'not an allowed display';
  if (prop === 'font-family') {
    const named = value.split(',').map((f) => f.trim().replace(/^["']|["']$/g, ''));
    const generic = ['sans-serif', 'serif', 'monospace', 'system-ui', 'cursive', 'fantasy'];
    if (!named.some((f) => families.has(f) || generic.includes(f))) return 'no installed font among them';
  }
  return null;
}

/** Clamps what would smear or overflow: shadow lengths, the number of shadows, font sizes. */
function clamp(decl: Declaration): void {
  const prop = decl.prop.toLowerCase();
  if (prop === 'text-shadow' || prop === 'box-shadow') {
    const shadows = postcss.list.comma(decl.value).slice(0, MAX_SHADOWS);
    decl.value = shadows.map((s) => s.replace(/(-?\d*\.?\d+)px/g, (_, n: string) => `${Math.max(-MAX_SHADOW_PX, Math.min(MAX_SHADOW_PX, Number(n)))}px`)).join(', ');
  }
  if (prop === 'font-size') {
    decl.value = decl.value.replace(/(\d*\.?\d+)px/g, (_, n: string) => `${Math.max(FONT_PX[0], Math.min(FONT_PX[1], Number(n)))}px`);
  }
}
