import { after, before, describe, it } from 'node:test';
import { expect } from 'expect';
import sharp from 'sharp';
import { checkBackdropColors } from '../src/quality/backdrop-colors';
import { mugPhoto } from './helpers/drawn-mugs';
import { dataUrl, samplePhoto, startTestApp, type TestApp, waitForJob } from './helpers/test-app';

/** What these tests read of a finished ad job's result. */
interface DesignResult {
  view: { estimated: string; confidence: number; why: string; forced: boolean; elevationDeg: number | null };
  canvases: Array<{
    width: number;
    height: number;
    product_box: { width: number; height: number };
    background: { description: string; colors?: { read: Array<{ name: string; metallic: boolean }>; used: string[]; separation: string | null } };
    quality: {
      issues: string[];
      colors: { firstShare: number; accentShare: number | null; ok: boolean } | null;
      sharpness: { ratio: number; scale: number; capped: boolean; ok: boolean } | null;
      view: { estimated: string; set: string } | null;
    };
  }>;
}

/** A red mug photographed at eye level on a pale sweep (drawn: its rim a sliver, its base straight). */
const RED_MUG = { body: '#b8262a', shade: '#7a1417', light: '#e04a4a', top: '#f2f0ec', bottom: '#e6e3dd', shadow: '#b9b4aa' };
const FESTIVE = '명절 느낌의 빨간색과 금색';
const RED = { name: 'red', rgb: [150, 24, 22] as [number, number, number] };
const GOLD = { name: 'gold', rgb: [214, 168, 60] as [number, number, number] };

describe('ads as a designer would judge them: the colours asked for, the camera\'s angle, no soft enlargement', () => {
  let t: TestApp;
  before(async () => {
    t = await startTestApp();
  });
  after(async () => {
    await t?.close();
  });

  const run = async (photo: Buffer, extra: Record<string, unknown>) => {
    const made = await t.http.post('/generate').send({ product_image: dataUrl(photo), test_mode: true, ...extra }).expect(202);
    const done = await waitForJob(t.http, made.body.job_id, 180_000);
    expect(done.status).toBe('completed');
    const file = async (name: string) => (await t.http.get(`/jobs/${made.body.job_id}/artifacts/${name}`).responseType('blob').expect(200)).body as Buffer;
    return { result: done.result as unknown as DesignResult, file };
  };

  /** The final's backdrop (outside the product layer) against red and gold, measured here rather than trusting the job's report. */
  const measured = async (file: (name: string) => Promise<Buffer>) => {
    const final = await sharp(await file('final.png')).removeAlpha().raw().toBuffer({ resolveWithObject: true });
    const product = await sharp(await file('product.png')).ensureAlpha().raw().toBuffer();
    return checkBackdropColors({ data: final.data, width: final.info.width, height: final.info.height, channels: 3 }, product, RED, GOLD);
  };

  it('the README\'s red cup on festive red and gold, shot from above: a red flat lay with a metallic gold plate under the cup', async () => {
    const { result, file } = await run(samplePhoto(), { bg_prompt: FESTIVE, aspect_ratio: '4:5', text_content: '설 선물 특가 4,500원' });
    expect(result.view).toMatchObject({ estimated: 'top-down', forced: false });
    expect(result.view.why).toMatch(/ellipse/);
    const [c] = result.canvases;
    expect(c.background.description).toMatch(/^flat lay on a .*red.* surface, metallic gold plate under the product/);
    expect(c.background.colors!.read.map((k) => [k.name, k.metallic])).toEqual([['red', false], ['gold', true]]);
    expect(c.background.colors!.separation).toMatch(/wears red/);
    const own = await measured(file);
    expect(own.firstShare).toBeGreaterThanOrEqual(0.5);
    expect(own.accentShare).toBeGreaterThanOrEqual(0.03);
    expect(c.quality.colors).toMatchObject({ ok: true });
    expect(Math.abs(c.quality.colors!.firstShare - own.firstShare)).toBeLessThan(0.05);
    expect(c.quality.view).toMatchObject({ estimated: 'top-down' });
    // The cup is 400 px wide in a 600 px photo: enlarged only as far as it stays sharp.
    expect(c.quality.sharpness!.ratio).toBeGreaterThanOrEqual(0.9);
    expect(c.quality.issues).toEqual([]);
  });

  it('a red mug at eye level on the same prompt: a deeper red sweep behind it, a metallic gold floor; forced top-down, a flat lay', async () => {
    const mug = await mugPhoto(RED_MUG);
    const { result, file } = await run(mug, { bg_prompt: FESTIVE, aspect_ratio: '4:5' });
    expect(result.view.estimated).toBe('eye-level');
    const [c] = result.canvases;
    expect(c.background.description).toMatch(/sweep, metallic gold floor/);
    const own = await measured(file);
    expect(own.firstShare).toBeGreaterThanOrEqual(0.5);
    expect(own.accentShare).toBeGreaterThanOrEqual(0.03);

    const forced = await run(mug, { bg_prompt: FESTIVE, aspect_ratio: '4:5', view: 'top-down' });
    expect(forced.result.view).toMatchObject({ estimated: 'top-down', forced: true, confidence: 1 });
    expect(forced.result.canvases[0].background.description).toMatch(/^flat lay/);
  });

  it('does not enlarge a small product past what keeps its sharpness: it stays smaller and says so', async () => {
    // The sample cup at a third of its size: 200 px wide, with the print of its rim and spoon.
    const small = await sharp(samplePhoto()).resize(200).png().toBuffer();
    const { result } = await run(small, { aspect_ratio: '1:1', bg_prompt: 'warm beige studio' });
    const [c] = result.canvases;
    const s = c.quality.sharpness!;
    expect(s.capped).toBe(true);
    expect(s.scale).toBeLessThan(2);
    expect(s.ratio).toBeGreaterThanOrEqual(0.9);
    expect(s.ok).toBe(true);
    expect(c.quality.issues.filter((i) => /sharpness/.test(i))).toEqual([]);
  });

  it('refuses a view it does not know with the envelope\'s code', async () => {
    const res = await t.http.post('/generate').send({ product_image: dataUrl(samplePhoto()), test_mode: true, view: 'worm-eye' }).expect(400);
    expect(res.body.error.code).toBe('INVALID_PARAMETER');
  });
});
