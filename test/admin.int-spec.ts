import { after, before, describe, it } from 'node:test';
import { expect } from 'expect';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { Browser, Page } from 'puppeteer-core';
import sharp from 'sharp';
import { auditHere, auditPages, launchTestBrowser, NO_CHROMIUM, wording } from './helpers/admin-audit';
import { REPO_ROOT, SAMPLE_PHOTO, startTestApp, type TestApp, waitForJob, FS_ONLY } from './helpers/test-app';

/** What the assertions read from form elements (no DOM typings in this project). */
interface Field {
  value: string;
  checked: boolean;
}

const COPY = '명절 특가! 사과 한 박스 20,000원';
const SHOP = '밀밭베이커리';
const REDO = '주말 한정! 커피 두 잔 9,900원';
/** Set ADMIN_SCREENSHOTS=1 to refresh docs/images/admin-*.png. */
const SHOTS = process.env.ADMIN_SCREENSHOTS === '1';
// The suite runs again on S3; the pages look the same on either driver, so they are audited once.

describe('admin pages in real Chromium', { skip: NO_CHROMIUM }, () => {
  let t: TestApp;
  let browser: Browser;
  let page: Page;
  // The browser profile and the files the forms upload; removed at the end.
  const scratch = mkdtempSync(path.join(tmpdir(), 'nc-admin-'));
  let firstJob = '';
  let layersJob = '';
  let siteJob = '';

  const jobIdFrom = (url: string) => /\/admin\/jobs\/([0-9a-f-]{36})$/.exec(new URL(url).pathname)?.[1] ?? '';
  const waitDone = async () => {
    // The bar is moved by the SSE stream; when `done` arrives the page reloads with the results.
    // (Browser-side code as strings: this project compiles without the DOM library.)
    await page.waitForFunction("document.getElementById('job-progress')?.value === 100", { timeout: 180_000 });
    await page.waitForFunction("document.querySelector('[data-job]')?.getAttribute('data-status') === 'completed'", { timeout: 60_000 });
    await page.waitForFunction("[...document.querySelectorAll('img.final-img')].some((i) => i.complete && i.naturalWidth > 0)", { timeout: 30_000 });
  };
  /**
   * `until`: the picture ends below this element instead of at the page's end. `palette`: saved
   * as a 256-colour PNG, a third of the bytes, for pages that show photos.
   */
  const shot = async (name: string, width: number, opts: { until?: string; palette?: boolean } = {}) => {
    if (!SHOTS) return;
    await page.setViewport({ width, height: 900, deviceScaleFactor: 1 });
    // From the top: a page scrolled by a click would draw its sticky header mid-picture.
    await page.evaluate('window.scrollTo(0, 0)');
    await new Promise((r) => setTimeout(r, 300));
    const dir = path.join(REPO_ROOT, 'docs', 'images');
    mkdirSync(dir, { recursive: true });
    const bottom = opts.until ? await page.$eval(opts.until, (e) => (e as unknown as { getBoundingClientRect(): { bottom: number } }).getBoundingClientRect().bottom) : 0;
    const png = Buffer.from(await page.screenshot(opts.until ? { clip: { x: 0, y: 0, width, height: Math.ceil(bottom + 20) }, captureBeyondViewport: true } : { fullPage: true }));
    writeFileSync(path.join(dir, name), opts.palette ? await sharp(png).png({ palette: true, quality: 90 }).toBuffer() : png);
  };

  before(async () => {
    t = await startTestApp();
    browser = await launchTestBrowser(path.join(scratch, 'profile'));
    page = await browser.newPage();
    await page.setViewport({ width: 1280, height: 900 });
    await page.setExtraHTTPHeaders({ 'Accept-Language': 'ko-KR,ko;q=0.9' });
  });
  after(async () => {
    await browser?.close();
    await t?.close();
    rmSync(scratch, { recursive: true, force: true });
  });

  it('makes an ad from the form, follows it live over SSE and shows the result', async () => {
    await page.goto(`${t.url}/admin/new`);
    expect(await page.$eval('html', (h) => h.lang)).toBe('ko');
    const input = await page.$('input[type=file][name=product_image]');
    await input!.uploadFile(SAMPLE_PHOTO);
    await page.type('#text_content', COPY);
    await page.type('#bg_prompt', '따뜻한 베이지 스튜디오');
    await page.select('#text_position', 'top');
    await page.select('#subject_layout', 'cutout');
    await page.select('#output_format', 'jpeg');
    await shot('admin-new.png', 1280);
    await shot('admin-new-phone.png', 390);
    await Promise.all([page.waitForNavigation(), page.click('button[type=submit]')]);
    firstJob = jobIdFrom(page.url());
    expect(firstJob).not.toBe('');
    expect(await page.$('#job-progress')).not.toBeNull();
    await waitDone();
    const text = await page.$eval('main', (m) => m.textContent ?? '');
    expect(text).toContain('품질 보고서');
    expect(text).toContain(COPY);
    const downloads = await page.$$eval('a[download]', (as) => as.map((a) => a.getAttribute('href')?.split('?')[0]));
    expect(downloads).toContain(`/jobs/${firstJob}/artifacts/final.png`);
    expect(downloads).toContain(`/jobs/${firstJob}/artifacts/final.jpg`);
    // The form's product and layout choices reached the job, and the page says how the product was shown.
    const status = (await t.http.get(`/status/${firstJob}?include_images=false`).expect(200)).body as { parameters: Record<string, unknown> };
    expect(status.parameters).toMatchObject({ text_position: 'top', subject_layout: 'cutout', subject_material: 'opaque', output_format: 'jpeg' });
    expect(text).toContain('제품 표현');
    // What was used, in the page's language; why, in the pipeline's words.
    expect(text).toMatch(/누끼 \(배경 지움\)\s*asked for \(subject_layout=cutout\)/);
    await shot('admin-job.png', 1280);
    await shot('admin-job-phone.png', 390);
    await page.setViewport({ width: 1280, height: 900 });
  });

  it('opens the job from the list and redoes its text as a new Stage 2 job', async () => {
    await page.goto(`${t.url}/admin/jobs`);
    await Promise.all([page.waitForNavigation(), page.click(`a[href="/admin/jobs/${firstJob}"]`)]);
    expect(jobIdFrom(page.url())).toBe(firstJob);
    await page.$eval('#redo_text', (el) => ((el as unknown as Field).value = ''));
    await page.type('#redo_text', REDO);
    await Promise.all([page.waitForNavigation(), page.click('form.redo button[type=submit]')]);
    const second = jobIdFrom(page.url());
    expect(second).not.toBe('');
    expect(second).not.toBe(firstJob);
    await waitDone();
    const status = (await t.http.get(`/status/${second}?include_images=false`).expect(200)).body as { parameters: { start_step: number; text_content: string } };
    expect(status.parameters).toMatchObject({ start_step: 2, text_content: REDO });
    await page.goto(`${t.url}/admin`);
    expect(await page.$eval('h1', (h) => h.textContent)).toBe('대시보드');
  });

  it('splits the ad into layers from the layer form, and the viewer toggles and fans them out', async () => {
    const final = (await t.http.get(`/jobs/${firstJob}/artifacts/final.png`).responseType('blob').expect(200)).body as Buffer;
    const poster = path.join(scratch, 'poster.png');
    writeFileSync(poster, final);
    await page.goto(`${t.url}/admin/layers?lang=en`);
    await (await page.$('input[type=file][name=image]'))!.uploadFile(poster);
    await page.select('#num_layers', '4');
    await Promise.all([page.waitForNavigation(), page.click('button[type=submit]')]);
    layersJob = jobIdFrom(page.url());
    expect(layersJob).not.toBe('');
    await page.waitForFunction("[...document.querySelectorAll('img.layer-img')].length > 1 && [...document.querySelectorAll('img.layer-img')].every((i) => i.complete && i.naturalWidth > 0)", { timeout: 180_000 });
    const kinds = await page.$$eval('.layer-list strong', (els) => els.map((e) => e.textContent));
    expect(kinds[0]).toBe('background');
    expect(kinds.length).toBeLessThanOrEqual(4);
    expect(await page.$$eval('img.layer-img', (els) => els.length)).toBe(kinds.length);
    expect(await page.$eval('main', (m) => m.textContent ?? '')).toContain(COPY.replace(/\s+/g, ' ').split(' ')[0]);
    await page.click('input[data-toggle="1"]');
    expect(await page.$eval('img[data-layer="1"]', (i) => (i as unknown as { hidden: boolean }).hidden)).toBe(true);
    await page.click('input[data-toggle="1"]');
    await page.click('input[data-explode]');
    expect(await page.$eval('[data-layer-stage]', (e) => e.className)).toContain('exploded');
    const downloads = await page.$$eval('a[download]', (as) => as.map((a) => a.getAttribute('href')?.split('?')[0].split('/').pop()));
    expect(downloads).toEqual(expect.arrayContaining(['layers.zip', 'layers.psd', 'layer_00.png']));
    await shot('admin-layers.png', 1280);
  });

  it("shows the API's message next to the photo field for a non-image and keeps the other fields", { skip: FS_ONLY }, async () => {
    const bogus = path.join(scratch, 'not-an-image.png');
    writeFileSync(bogus, 'this is not a picture');
    await page.goto(`${t.url}/admin/new?lang=en`);
    await (await page.$('input[type=file][name=product_image]'))!.uploadFile(bogus);
    await page.type('#text_content', COPY);
    await page.type('#bg_prompt', 'marble table');
    await page.click('input[name=placements][value="4:5"]');
    await page.select('#font_name', await page.$eval('#font_name option:nth-child(2)', (o) => (o as unknown as Field).value));
    await Promise.all([page.waitForNavigation(), page.click('button[type=submit]')]);
    expect(new URL(page.url()).pathname).toBe('/admin/new');
    const error = await page.$eval('#product_image-error', (e) => e.textContent ?? '');
    expect(error).toContain('product_image is not an image this service can read');
    expect(await page.$eval('#text_content', (e) => (e as unknown as Field).value)).toBe(COPY);
    expect(await page.$eval('#bg_prompt', (e) => (e as unknown as Field).value)).toBe('marble table');
    expect(await page.$eval('input[name=placements][value="4:5"]', (e) => (e as unknown as Field).checked)).toBe(true);
    expect(await page.$eval('#font_name', (e) => (e as unknown as Field).value)).not.toBe('');
    // The language chosen with ?lang=en stuck through the cookie.
    expect(await page.$eval('html', (h) => h.lang)).toBe('en');
    // The form with its messages is whole and accessible too.
    expect(await auditHere(page, '/admin/new (refused)')).toEqual([]);
  });

  it('answers HTML error pages under /admin and keeps the JSON envelope for the API', { skip: FS_ONLY }, async () => {
    const missing = await t.http.get('/admin/jobs/00000000-0000-4000-8000-000000000000').expect(404);
    expect(missing.headers['content-type']).toMatch(/text\/html/);
    expect(missing.text).toContain('JOB_NOT_FOUND');
    const unknown = await t.http.get('/admin/nope').expect(404);
    expect(unknown.headers['content-type']).toMatch(/text\/html/);
    const api = await t.http.get('/status/00000000-0000-4000-8000-000000000000').expect(404);
    expect(api.body.error.code).toBe('JOB_NOT_FOUND');
    const en = await t.http.get('/admin/jobs').set('Accept-Language', 'en-US,en;q=0.8').expect(200);
    expect(en.text).toContain('<html lang="en">');
    const fonts = await t.http.get('/admin/fonts').expect(200);
    expect(fonts.text).toContain('/preview.png');
  });

  it('makes a homepage from its form, shows the site, both screenshots and the audit', async () => {
    await page.goto(`${t.url}/admin/homepage/new?lang=ko`);
    expect(await page.$$eval('input[type=file]', (els) => els.map((e) => e.getAttribute('name')))).toEqual([0, 1, 2, 3, 4, 5].map((i) => `products[${i}][image]`));
    await page.type('#name', SHOP);
    await page.type('#products-0-name', '소금빵');
    await page.type('#products-0-price', '3,000원');
    await page.type('#products-0-link', 'https://smartstore.naver.com/소금빵 연구소');
    await (await page.$('#products-0-image'))!.uploadFile(SAMPLE_PHOTO);
    await Promise.all([page.waitForNavigation(), page.click('form.hp-form button[type=submit]')]);
    const id = jobIdFrom(page.url());
    expect(id).not.toBe('');
    const done = (await waitForJob(t.http, id, 120_000)) as { status: string; parameters: { business: { name: string }; products: Array<{ name: string; price: string; input: string | null }> }; result: { site_url: string; audit: { page_weight_bytes: number } } };
    expect(done.status).toBe('completed');
    // The five blank rows were left out; the photo went with its product.
    expect(done.parameters.business.name).toBe(SHOP);
    expect(done.parameters.products).toEqual([
      expect.objectContaining({ name: '소금빵', price: '3,000원', input: 'input_product_1.png', link: 'https://smartstore.naver.com/%EC%86%8C%EA%B8%88%EB%B9%B5%20%EC%97%B0%EA%B5%AC%EC%86%8C' }),
    ]);

    await page.goto(`${t.url}/admin/jobs/${id}`);
    expect(await page.$eval('a[data-site-link]', (a) => [a.getAttribute('href'), a.getAttribute('target')])).toEqual([done.result.site_url, '_blank']);
    expect((await t.http.get(done.result.site_url).expect(200)).text).toContain(SHOP);
    const zip = await page.$eval('a[data-site-zip]', (a) => a.getAttribute('href') ?? '');
    expect((await t.http.get(zip).expect(200)).headers['content-type']).toBe('application/zip');
    // The screenshots are the job's own files, loaded by the browser: 1280 and 390 px wide.
    await page.waitForFunction("[...document.querySelectorAll('img[data-shot]')].every((i) => i.complete && i.naturalWidth > 0)", { timeout: 30_000 });
    const shots = await page.$$eval('img[data-shot]', (imgs) => imgs.map((i) => [i.getAttribute('data-shot'), (i as unknown as { naturalWidth: number }).naturalWidth]));
    expect(shots).toEqual([['desktop', 1280], ['phone', 390]]);
    // The audit as a table, each line passed or failed (the page weight is only shown).
    const checks = await page.$$eval('tr[data-check]', (rows) => rows.map((r) => [r.getAttribute('data-check'), r.className, r.querySelector('td')?.textContent?.trim()]));
    expect(checks).toEqual([
      ['site.axe', 'check-pass', '0'],
      ['site.html', 'check-pass', '0'],
      ['site.outside', 'check-pass', '0'],
      ['site.csp', 'check-pass', '0'],
      ['site.scroll', 'check-pass', '아니요'],
      ['site.weight', 'check-info', `${Math.round(done.result.audit.page_weight_bytes / 1024)} KB`],
    ]);
    expect(await page.$eval('main', (m) => m.textContent ?? '')).toContain('embedded templates');
    // The share card is shown, and this server has no public URL, so the page says it is not in previews.
    expect(await page.$eval('[data-share-card]', (d) => d.textContent ?? '')).toContain('SITES_PUBLIC_URL');
    await page.waitForFunction("document.querySelector('.share-thumb')?.naturalWidth === 1200", { timeout: 10_000 });
    await shot('admin-homepage.png', 1280, { until: '.site-audit', palette: true });
    await page.setViewport({ width: 1280, height: 900 });
    siteJob = id;
  });

  it('names and pictures every kind of job in the recent jobs', async () => {
    await page.goto(`${t.url}/admin?lang=ko`);
    const rows = await page.$$eval('.jobs tbody tr', (trs) =>
      trs.map((tr) => ({
        id: tr.querySelector('a.job-link')?.getAttribute('href')?.split('/').pop(),
        kind: tr.querySelector('[data-kind]')?.textContent?.trim(),
        preview: tr.querySelector('img.thumb')?.getAttribute('src') ?? null,
      })),
    );
    expect(rows).toEqual(
      expect.arrayContaining([
        { id: firstJob, kind: '광고', preview: `/jobs/${firstJob}/artifacts/final.png` },
        { id: layersJob, kind: '레이어 분리', preview: `/jobs/${layersJob}/artifacts/preview.jpg` },
        // The share card where the job made one, else the first product's picture.
        { id: siteJob, kind: '홈페이지', preview: expect.stringMatching(new RegExp(`^/jobs/${siteJob}/artifacts/site_(share-card|p1-\\d+)\\.(png|webp)$`)) },
      ]),
    );
    for (const r of rows) expect((await t.http.get(r.preview!).expect(200)).headers['content-type']).toMatch(/^image\//);
    // The thumbnails load lazily: brought into view, every one shows its picture.
    await page.$eval('table.jobs', (e) => (e as unknown as { scrollIntoView(): void }).scrollIntoView());
    await page.waitForFunction("[...document.querySelectorAll('img.thumb')].every((i) => i.complete && i.naturalWidth > 0)", { timeout: 10_000 });
    await shot('admin-dashboard.png', 1280);
    await shot('admin-dashboard-phone.png', 390);
  });

  it('shows every admin page whole, in its own language, and passes axe (WCAG 2.2 AA), in Korean and English at 390 and 1280 px', { skip: FS_ONLY }, async () => {
    const paths = ['/admin', '/admin/jobs', `/admin/jobs/${firstJob}`, `/admin/jobs/${layersJob}`, `/admin/jobs/${siteJob}`, '/admin/new', '/admin/layers', '/admin/fonts', '/admin/homepage', '/admin/homepage/new', '/admin/nope'];
    const { findings, views } = await auditPages(page, t.url, paths, wording);
    expect(views).toBe(paths.length * 4);
    expect(findings).toEqual([]);
  });

  it('lists the site and takes it down', async () => {
    const id = siteJob;
    const done = (await t.http.get(`/status/${id}?include_images=false`).expect(200)).body as { result: { site_url: string } };
    await page.goto(`${t.url}/admin/homepage`);
    const row = await page.$eval(`tr:has(a[href="/admin/jobs/${id}"])`, (tr) => tr.textContent ?? '');
    expect(row).toContain(SHOP);
    expect(await page.$eval(`tr:has(a[href="/admin/jobs/${id}"]) a[target=_blank]`, (a) => a.getAttribute('href'))).toBe(done.result.site_url);
    page.once('dialog', (dialog) => void dialog.accept());
    await Promise.all([page.waitForNavigation(), page.click(`form[action="/admin/homepage/${id}/delete"] button`)]);
    expect(new URL(page.url()).pathname).toBe('/admin/homepage');
    expect(await page.$(`a[href="/admin/jobs/${id}"]`)).toBeNull();
    await t.http.get(done.result.site_url).expect(404);
  });
});
