import { FONT_ASSET_ORIGIN } from '../../fonts/font-assets';
import type { Box, Rgb } from '../../vision/image.types';
import type { TreatmentPlan } from './contrast-treatment';
import type { EmphasisStyle, StylePreset } from './style-presets';

/** Selectors the document defines; the renderer fits COPY_SELECTOR and measures all three. */
export const COPY_SELECTOR = '#copy';
export const HEADLINE_SELECTOR = '#copy .headline';
export const SUBLINE_SELECTOR = '#copy .sub';
export const FIT_VAR = '--fs';

export interface DocumentSpec {
  width: number;
  height: number;
  box: Box;
  align: 'center' | 'left';
  fontCss: string;
  fontStack: string;
  lang: 'ko' | 'en';
  preset: StylePreset;
  plan: TreatmentPlan;
  /** Colour of the sub-line and of the headline unless headlineColor differs. */
  bodyColor: Rgb;
  /** How prices, dates and percentages stand out (the preset's, or 'pill' where colour failed). */
  emphasis: EmphasisStyle;
  /** Emphasis (price/date/percent) colour, and for pills the colour of the text on the pill. */
  accent: Rgb;
  pillText: Rgb;
  /** Dates in pill mode are coloured text, not pills: their own contrast-checked colour. */
  dateColor: Rgb;
  /** Headline colour (the accent for bold posters, else the text colour). */
  headlineColor: Rgb;
  headlineHtml: string;
  sublineHtml: string;
  initialPx: number;
}

const css = (c: Rgb, alpha = 1) => (alpha >= 1 ? `rgb(${c[0]} ${c[1]} ${c[2]})` : `rgb(${c[0]} ${c[1]} ${c[2]} / ${alpha.toFixed(2)})`);

/** Keeps catalog strings inside their <style>: no tag can close it, no rule can be opened. */
function styleSafe(text: string): string {
  return text.replace(/<\/?(?=style|script)/gi, '').replace(/<!--|-->/g, '');
}

/** Family names need letters, digits, spaces, quotes, commas and hyphens; nothing else survives. */
function fontStackSafe(stack: string): string {
  return stack.replace(/[^\p{L}\p{N}\s,'"_-]/gu, '');
}

/**
 * Halo: eight hard offsets build a solid rim right at the glyph edge (where legibility is
 * decided: the treatment's contrast is computed for it), two blurred layers fade it out.
 * Lengths are in em, so the halo scales with whatever size the renderer fits.
 */
function haloShadow(color: Rgb, alpha: number): string {
  const rim = [0, 45, 90, 135, 180, 225, 270, 315].map((deg) => {
    const r = (deg * Math.PI) / 180;
    return `${(Math.cos(r) * 0.035).toFixed(3)}em ${(Math.sin(r) * 0.035).toFixed(3)}em 0 ${css(color, alpha)}`;
  });
  return [...rim, `0 0 0.12em ${css(color, alpha)}`, `0 0 0.35em ${css(color, alpha * 0.6)}`].join(', ');
}

function treatmentCss(plan: TreatmentPlan, preset: StylePreset): { text: string; block: string } {
  const layer = plan.layer;
  if (!layer) return { text: '', block: '' };
  switch (plan.treatment) {
    case 'shadow':
      // A drop shadow the prompt asked for reads as depth; a contrast halo as a glow.
      return plan.decorative
        ? { text: `text-shadow: 0 0.05em 0.14em ${css(layer.color, layer.alpha)}, 0 0.02em 0.03em ${css(layer.color, layer.alpha)};`, block: '' }
        : { text: `text-shadow: ${haloShadow(layer.color, layer.alpha)};`, block: '' };
    case 'outline':
      // paint-order puts the stroke under the fill, so the letters keep their full weight.
      return { text: `-webkit-text-stroke: 0.07em ${css(layer.color)}; paint-order: stroke fill; text-shadow: ${haloShadow(layer.color, layer.alpha)};`, block: '' };
    case 'panel':
      return {
        text: '',
        block: `background: ${css(layer.color, layer.alpha)}; border-radius: ${preset.radius}em; padding: 0.45em 0.8em 0.5em; box-shadow: 0 0.08em 0.4em ${css([0, 0, 0], 0.12)};`,
      };
    default:
      return { text: '', block: '' };
  }
}

function emphasisCss(spec: DocumentSpec): string {
  const { preset, accent, pillText, emphasis } = spec;
  const common = `font-weight: ${preset.emphasisWeight}; white-space: nowrap;`;
  if (emphasis === 'pill') {
    return (
      `.price, .percent { ${common} color: ${css(pillText)}; background: ${css(accent)}; padding: 0.04em 0.32em 0.08em; ` +
      `border-radius: ${Math.max(0.2, preset.radius)}em; -webkit-text-stroke: 0; text-shadow: none; box-decoration-break: clone; }\n` +
      `.date { ${common} color: ${css(spec.dateColor)}; }`
    );
  }
  if (emphasis === 'color') return `.price, .percent, .date { ${common} color: ${css(accent)}; }`;
  return `.price, .percent, .date { ${common} }`;
}

/**
 * The complete page: transparent, canvas-sized, one absolutely positioned copy block. Korean
 * line breaking: keep-all breaks only between words (eojeol), line-break: strict applies the
 * strict CJK kinsoku rules, text-wrap: balance evens the lines so no word sits alone on the
 * last one; overflow-wrap: break-word breaks inside a word only when that word alone cannot
 * fit a line (the layout also caps the font size so that rarely happens).
 */
export function buildDocument(spec: DocumentSpec): string {
  const { box, preset, plan } = spec;
  const treatment = treatmentCss(plan, preset);
  const style = `
${styleSafe(spec.fontCss)}
:root { ${FIT_VAR}: ${spec.initialPx}px; }
html, body { margin: 0; padding: 0; width: ${spec.width}px; height: ${spec.height}px; background: transparent; overflow: hidden; }
${COPY_SELECTOR} {
  position: absolute; left: ${box.x}px; top: ${box.y}px; width: ${box.width}px; height: ${box.height}px; box-sizing: border-box;
  display: flex; flex-direction: column; justify-content: safe center; align-items: ${spec.align === 'left' ? 'flex-start' : 'center'};
  font-family: ${fontStackSafe(spec.fontStack)}; color: ${css(spec.bodyColor)}; text-align: ${spec.align};
  word-break: keep-all; overflow-wrap: break-word; line-break: strict; hyphens: manual;
  -webkit-font-smoothing: antialiased; text-rendering: optimizeLegibility; font-kerning: normal;
}
${COPY_SELECTOR} .block { box-sizing: border-box; max-width: 100%; font-size: var(${FIT_VAR}); ${treatment.block} }
${COPY_SELECTOR} .headline, ${COPY_SELECTOR} .sub { margin: 0; text-wrap: balance; ${treatment.text} }
${COPY_SELECTOR} .headline {
  font-size: calc(var(${FIT_VAR}) * ${preset.headlineRatio}); font-weight: ${preset.headlineWeight}; line-height: ${preset.lineHeight};
  letter-spacing: ${preset.headlineTracking}em; text-transform: ${preset.textTransform}; color: ${css(spec.headlineColor)};
}
${COPY_SELECTOR} .sub {
  font-size: calc(var(${FIT_VAR}) * ${preset.subRatio}); font-weight: ${preset.subWeight}; line-height: 1.35;
  letter-spacing: ${preset.subTracking}em; margin-top: calc(var(${FIT_VAR}) * 0.32);
}
${emphasisCss(spec)}
`;
  const sub = spec.sublineHtml ? `\n<p class="sub">${spec.sublineHtml}</p>` : '';
  return `<!doctype html>
<html lang="${spec.lang}">
<head>
<meta charset="utf-8">
<style>${style}</style>
</head>
<body>
<div id="copy" class="copy preset-${preset.id} treatment-${plan.treatment}"><div class="block">
<h1 class="headline">${spec.headlineHtml}</h1>${sub}
</div></div>
</body>
</html>
`;
}

export interface DesignedDocumentSpec {
  width: number;
  height: number;
  box: Box;
  fontCss: string;
  fontStack: string;
  lang: 'ko' | 'en';
  /** Default ink, for whatever the design leaves uncoloured. */
  color: Rgb;
  initialPx: number;
  /** Sanitized markup and CSS (design-sanitizer), scoped under COPY_SELECTOR. */
  bodyHtml: string;
  css: string;
}

/**
 * The page for an LLM's design: the same frame as the template's (the copy block at the box,
 * sized by the fit variable), the design inside it. The CSP lets nothing load but our fonts,
 * behind the renderer's own request blocking, and the frame's geometry is set last with
 * !important (the sanitizer strips the design's own), so no rule can move the block.
 */
export function buildDesignedDocument(spec: DesignedDocumentSpec): string {
  const { box } = spec;
  const frame = `position: absolute !important; left: ${box.x}px !important; top: ${box.y}px !important; width: ${box.width}px !important; height: ${box.height}px !important; font-size: var(${FIT_VAR}) !important; box-sizing: border-box !important; margin: 0 !important;`;
  return `<!doctype html>
<html lang="${spec.lang}">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; font-src ${FONT_ASSET_ORIGIN}">
<style>
${styleSafe(spec.fontCss)}
:root { ${FIT_VAR}: ${spec.initialPx}px; }
html, body { margin: 0; padding: 0; width: ${spec.width}px; height: ${spec.height}px; background: transparent; overflow: hidden; }
${COPY_SELECTOR} {
  display: flex; flex-direction: column; justify-content: safe center; align-items: center; text-align: center;
  font-family: ${fontStackSafe(spec.fontStack)}; color: ${css(spec.color)}; line-height: 1.2; text-wrap: balance;
  word-break: keep-all; overflow-wrap: break-word; line-break: strict; -webkit-font-smoothing: antialiased;
}
${COPY_SELECTOR} * { max-width: 100%; box-sizing: border-box; }
</style>
<style>${styleSafe(spec.css)}</style>
<style>${COPY_SELECTOR} { ${frame} }</style>
</head>
<body>
<div id="copy">${spec.bodyHtml}</div>
</body>
</html>
`;
}
