import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { EmbeddedDecomposer } from '../src/layers/embedded-decomposer.service';
import { FontMatchService } from '../src/layers/font-match.service';
import { layerPng } from '../src/layers/layer-export';
import { htmlOf } from '../src/layers/layer-html';
import { scoreHtmlExport } from '../test/helpers/html-export-scoring';
import { decomposerContext, type PosterScore, scoreDetectors, scorePoster, summarize } from '../test/helpers/layer-quality';
import { followJob, type Row, startServer } from './bench-helpers';
import { DESIGN_FAMILIES, designSpec } from '../test/helpers/design-families';
import { DesignRenderer } from '../test/helpers/design-poster';
import { type DesignScore, scoreDesign, summarizeDesigns } from '../test/helpers/design-scoring';

/** The design set: posters made as HTML/CSS in Chromium, four of each layout family, 512-2048 px. */
const DESIGNS = DESIGN_FAMILIES.length * 4;

/** The generated set: seeds 1..N (even seeds gradients, odd seeds photos), 1024x1024. */
const POSTERS = 12;

/**
 * Poster decomposition on the repo's seeded set with LayerD's metric (see docs/layers.md): the
 * embedded decomposer in-process, one poster at a time after a warm-up.
 */
export async function benchLayers(rows: Row[]): Promise<PosterScore[]> {
  const app = await decomposerContext();
  const scores: PosterScore[] = [];
  try {
    const decomposer = app.get(EmbeddedDecomposer);
    await scorePoster(decomposer, 0); // loads ISNet, PP-OCRv4 and OpenCV
    for (let seed = 1; seed <= POSTERS; seed++) scores.push(await scorePoster(decomposer, seed));
    const set = summarize(scores);
    const [none, most] = [set.levels[0], set.levels.at(-1)!];
    const label = `${POSTERS} generated 1024 px posters`;
    rows.push({ what: `layers: RGB L1, LayerD metric, no merges (${label})`, value: [none.rgbL1], unit: '', digits: 4 });
    rows.push({ what: `layers: RGB L1 after merges (up to 5; ${most.edits} helped)`, value: [most.rgbL1], unit: '', digits: 4, target: '<= 0.04' });
    rows.push({ what: 'layers: soft alpha IoU, no merges', value: [none.alphaIou], unit: '', digits: 3 });
    rows.push({ what: `layers: soft alpha IoU after merges (up to 5; ${most.edits} helped)`, value: [most.alphaIou], unit: '', digits: 3, target: '>= 0.8' });
    rows.push({ what: 'layers: recomposition PSNR per poster (Infinity = exact, shown as 99)', value: set.psnrs.map((p) => Math.min(p, 99)), unit: 'dB', target: '>= 40' });
    rows.push({ what: 'layers: layer-count error, found vs true (asked for up to 10)', value: set.countErrors, unit: '', digits: 0 });
    rows.push({ what: 'layers: text-mask soft IoU (union of text layers)', value: set.textIous, unit: '', digits: 3 });
    rows.push({ what: 'layers: seconds per 1024 px poster, warm', value: set.seconds, unit: 's', digits: 2, target: '<= 10' });
    // The two text detectors the issue names, on the same posters: what the decomposer should use.
    const detectors = [];
    for (let seed = 1; seed <= POSTERS; seed++) detectors.push(await scoreDetectors(app, seed));
    for (const name of ['ppocr', 'tesseract'] as const) {
      const label = name === 'ppocr' ? 'PP-OCRv4 lines' : 'Tesseract word boxes (psm 11)';
      rows.push({ what: `layers: text detection, ${label}: recall of the true ink`, value: detectors.map((d) => d[name].recall), unit: '', digits: 3 });
      rows.push({ what: `layers: text detection, ${label}: precision (box area on true text)`, value: detectors.map((d) => d[name].precision), unit: '', digits: 3 });
      rows.push({ what: `layers: text detection, ${label}: time per poster`, value: detectors.map((d) => d[name].ms), unit: 'ms', digits: 0 });
    }
    await benchDesigns(decomposer, app.get(FontMatchService), rows);
  } finally {
    await app.close();
  }
  await benchSubmitToDone(rows);
  return scores;
}

const mean = (v: number[]) => (v.length ? v.reduce((a, b) => a + b, 0) / v.length : 0);
const median = (v: number[]) => {
  const s = [...v].sort((a, b) => a - b);
  return s.length ? s[s.length >> 1] : 0;
};

/** Issue 25's table on the design set: what a user's real posters get. */
async function benchDesigns(decomposer: EmbeddedDecomposer, fontMatch: FontMatchService, rows: Row[]): Promise<DesignScore[]> {
  const renderer = new DesignRenderer();
  const scores: DesignScore[] = [];
  const live = { psnr: [] as number[], ink: [] as number[], seconds: [] as number[], family: [] as number[], size: [] as number[] };
  try {
    for (let seed = 0; seed < DESIGNS; seed++) {
      const poster = await renderer.render(await designSpec(seed));
      const { score, result } = await scoreDesign(decomposer, poster);
      scores.push(score);
      // Live text: the typography matched, the HTML export drawn by Chromium against the poster.
      const started = performance.now();
      await fontMatch.typeset(result.layers, result.width, result.height);
      live.seconds.push((performance.now() - started) / 1000);
      const pngs = await Promise.all(result.layers.map((l) => layerPng({ name: l.name, rgba: l.rgba, box: l.box }, result.width, result.height)));
      const html = await htmlOf(result.width, result.height, result.layers.map((l, i) => ({ name: l.name, box: l.box, png: pngs[i], text: l.text, typography: l.typography })));
      const exported = await scoreHtmlExport(renderer, poster, html);
      [live.psnr, live.ink].forEach((v, i) => v.push(i ? exported.inkIou : exported.textPsnr));
      score.elements.forEach((e, k) => {
        const truth = poster.layers[k + 1].typography;
        const found = e.layer > 0 ? result.layers[e.layer].typography : undefined;
        if (!truth || !found || e.iou < 0.5) return;
        live.family.push(found.family === truth.family && found.weight === truth.weight ? 1 : 0);
        live.size.push(Math.abs(found.size_px - truth.sizePx) / truth.sizePx);
      });
    }
  } finally {
    await renderer.close();
  }
  const s = summarizeDesigns(scores);
  const label = `design set: ${s.posters} posters, ${DESIGN_FAMILIES.length} families, ${s.elements} elements`;
  rows.push({ what: `layers, ${label}: elements found (one layer at soft IoU >= 0.5)`, value: [s.found * 100], unit: '%', target: '>= 95' });
  rows.push({ what: 'layers, design set: mean best soft IoU per true element', value: [s.meanBestIou], unit: '', digits: 3, target: '>= 0.88' });
  rows.push({ what: 'layers, design set: LayerD metric, no merges, RGB L1 (median)', value: [s.rgbL1], unit: '', digits: 4, target: '<= 0.055' });
  rows.push({ what: 'layers, design set: LayerD metric, no merges, soft IoU (median)', value: [s.alphaIou], unit: '', digits: 3, target: '>= 0.87' });
  rows.push({ what: 'layers, design set: text read, character similarity (mean over text elements)', value: [s.textSimilarity], unit: '', digits: 3, target: '>= 0.95' });
  rows.push({ what: 'layers, design set: background under the elements, mean L1 (median)', value: [s.backgroundL1], unit: '', digits: 3, target: '<= 0.04' });
  rows.push({ what: 'layers, design set: recomposition PSNR (median, 99 = exact)', value: [s.psnr], unit: 'dB', target: '>= 40' });
  rows.push({ what: 'layers, design set: alpha outside the true element, per matched layer (mean)', value: [s.outside * 100], unit: '%', digits: 2, target: '< 2' });
  rows.push({ what: 'layers, design set: seconds per poster, detection to stack (median)', value: scores.map((x) => x.seconds), unit: 's', digits: 2 });
  rows.push({ what: 'layers, design set: live text, family and weight as designed (share of found text elements)', value: [mean(live.family) * 100], unit: '%' });
  rows.push({ what: 'layers, design set: live text, size error |found - true| / true (median)', value: [median(live.size) * 100], unit: '%', digits: 1 });
  rows.push({ what: 'layers, design set: HTML export, text regions PSNR against the poster (median)', value: [median(live.psnr)], unit: 'dB', digits: 1, target: '>= 28' });
  rows.push({ what: "layers, design set: HTML export, live text's ink IoU with the true text (median)", value: [median(live.ink)], unit: '', digits: 3, target: '>= 0.85' });
  rows.push({ what: 'layers, design set: seconds per poster, typeset (font matching in Chromium)', value: live.seconds, unit: 's', digits: 2 });
  return scores;
}

/**
 * Submit to done as a user gets it: the built server on its own (embedded PostgreSQL), one
 * design poster of each family made at 1024 and at 2048 px (long side) posted to /api/decompose,
 * waited on through the job's status socket; the job's stage timings say where the time goes.
 */
export async function benchSubmitToDone(rows: Row[]): Promise<void> {
  const dir = await mkdtemp(path.join(tmpdir(), 'nanococoa-bench-layers-'));
  const server = await startServer(dir);
  const renderer = new DesignRenderer();
  try {
    const submit = async (png: Buffer) => {
      const form = new FormData();
      form.append('image', new Blob([new Uint8Array(png)], { type: 'image/png' }), 'poster.png');
      const res = await fetch(`${server.url}/api/decompose`, { method: 'POST', body: form });
      if (res.status !== 202) throw new Error(`POST /api/decompose: ${res.status} ${await res.text()}`);
      return ((await res.json()) as { job_id: string }).job_id;
    };
    for (const [size, goal] of [[1024, '<= 5'], [2048, '<= 10']] as const) {
      const posters = [];
      for (let seed = 0; seed < DESIGN_FAMILIES.length; seed++) posters.push((await renderer.render(await designSpec(seed, size))).png);
      if (size === 1024) await followJob(server.url, await submit(posters[0])); // loads the models
      const seconds: number[] = [];
      for (const png of posters) {
        const started = performance.now();
        await followJob(server.url, await submit(png));
        seconds.push((performance.now() - started) / 1000);
      }
      const what = `layers, design set: submit to done through the built server, ${size} px (${seconds.length} posters, one per family)`;
      rows.push({ what, value: seconds, unit: 's', digits: 2, target: goal });
    }
  } finally {
    await renderer.close();
    await server.stop();
    await rm(dir, { recursive: true, force: true });
  }
}
