import * as path from 'node:path';
import { startOpenAiServer } from '../test/helpers/openai-server';
import { httpJson, median, type Row, startServer, waitJobs } from './bench-helpers';

const RUNS = 5;

/**
 * What the provider path costs a job beyond the providers' own time: the same Stage 1 + 2 job on
 * embedded stages and against a local OpenAI-protocol server for all three roles (image edit,
 * prompt writer, vision, copy designer), each job's provider time taken from its own metrics.
 */
export async function benchProviders(root: string, productPng: Buffer, rows: Row[]): Promise<void> {
  const api = await startOpenAiServer();
  const body = JSON.stringify({ product_image: `data:image/png;base64,${productPng.toString('base64')}`, text_content: '가을 신메뉴 출시', bg_prompt: 'warm cafe' });
  const serverTimes = async (url: string) => {
    const ids = [(await httpJson(url, 'POST', '/generate', body)).job_id as string];
    await waitJobs(url, ids, 120_000); // warm-up
    const walls: number[] = [];
    const providerMs: number[] = [];
    const copyMs: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      const id = (await httpJson(url, 'POST', '/generate', body)).job_id as string;
      const [done] = await waitJobs(url, [id], 120_000);
      walls.push(Date.parse(done.finished_at as string) - Date.parse(done.started_at as string));
      const calls = ((done.result as { metrics?: { providers?: { calls?: Array<{ ms: number; role: string }> } } }).metrics?.providers?.calls ?? []);
      providerMs.push(calls.reduce((sum, c) => sum + c.ms, 0));
      // The copy: design + render stages, less the designer's own LLM call (the job's last llm call).
      const timings = done.timings as Record<string, number>;
      const designCall = calls.filter((c) => c.role === 'llm').slice(1).at(-1)?.ms ?? 0;
      copyMs.push(timings.layout + timings.render - designCall);
    }
    return { walls, providerMs, copyMs };
  };
  try {
    const embedded = await startServer(path.join(root, 'prov-embedded'), { RENDER_PREWARM: 'false' });
    const plain = await serverTimes(embedded.url).finally(() => embedded.stop());
    const providers = { OPENAI_BASE_URL: api.url, OPENAI_API_KEY: 'sk-bench', IMAGE_MODEL: 'gpt-image-1', LLM_MODEL: 'gpt-5-mini', VISION_MODEL: 'gpt-4.1-mini' };
    const configured = await startServer(path.join(root, 'prov-configured'), { RENDER_PREWARM: 'false', ...providers });
    const generative = await serverTimes(configured.url).finally(() => configured.stop());
    const beyond = generative.walls.map((w, i) => w - generative.providerMs[i]);
    rows.push({ what: 'whole job, embedded stages (started_at -> finished_at)', value: plain.walls, unit: 'ms' });
    rows.push({ what: 'whole job, all three roles on a local OpenAI-protocol server: provider calls (their own time)', value: generative.providerMs, unit: 'ms' });
    rows.push({ what: 'whole job, all three roles: the rest of the job (wall - provider calls)', value: beyond, unit: 'ms' });
    rows.push({ what: 'the copy, template designer: layout + render stages', value: plain.copyMs, unit: 'ms' });
    rows.push({ what: 'the copy, LLM designer: layout + render stages less the LLM call (sanitize, render, 2 check captures, pixel checks)', value: generative.copyMs, unit: 'ms' });
    rows.push({
      what: 'provider path overhead: (wall - provider calls) - embedded wall, medians',
      value: [median(beyond) - median(plain.walls)],
      unit: 'ms',
      target: '<= 150',
    });
  } finally {
    await api.close();
  }
}
