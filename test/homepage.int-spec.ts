import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { expect } from 'expect';
import { unzipSync } from 'fflate';
import sharp from 'sharp';
import { PRESETS, type SiteTheme, themeProblems } from '../src/homepage/site-theme';
import { launchTestBrowser } from './helpers/admin-audit';
import { shareCardOf } from './helpers/share-card';
import { dataUrl, samplePhoto, startTestApp, type TestApp, waitForJob } from './helpers/test-app';

const UUID = '00000000-0000-4000-8000-000000000000';

describe('homepage generator (POST /homepage), embedded templates', () => {
  let t: TestApp;
  let adJob: string;
  before(async () => {
    t = await startTestApp({ PUBLIC_URL: 'https://ads.example.com' });
    adJob = (await t.http.post('/generate').send({ product_image: dataUrl(samplePhoto()), text_content: '아메리카노 4,500원', test_mode: true }).expect(202)).body.job_id;
    expect((await waitForJob(t.http, adJob, 120_000)).status).toBe('completed');
  });
  after(async () => {
    await t?.close();
  });

  const shop = () => ({
    name: '밀밭<b>베이커리</b>',
    category: '베이커리',
    tagline: '매일 아침 굽는 천연발효 빵',
    address: '서울특별시 마포구 양화로 12, 1층',
    phone: '02-123-4567',
    hours: [{ days: '화-일', opens: '08:00', closes: '20:00' }],
    links: { naver_map: 'https://naver.me/x1AbC', kakao_channel: 'https://pf.kakao.com/_abcd' },
    products: [
      { name: '소금빵', price: 3000, description: '버터 향 가득', image: dataUrl(samplePhoto()) },
      { name: '아메리카노', price: '4,500원', job_id: adJob },
      { name: '<img src=x onerror=alert(1)>', price: '문의' },
    ],
    owner: '김밀밭',
    business_number: '123-45-67890',
    mail_order_number: '2024-서울마포-0123',
  });

  it("publishes a Korean bakery's page: strict CSP, escaped text, JSON-LD, a tel: link, WebP pictures, a ZIP; lists and deletes it", async () => {
    const made = await t.http.post('/homepage').send(shop()).expect(202);
    const id = made.body.job_id as string;
    const done = await waitForJob(t.http, id, 120_000);
    expect(done.status).toBe('completed');
    // One picture is an earlier ad: the site takes its colours from it (no style words were given).
    expect(done.result).toMatchObject({ site_url: `https://ads.example.com/sites/${id}/`, zip_url: `/homepage/${id}/site.zip`, theme: 'ads', generator: 'embedded templates' });

    // The audit, run in Chromium before publishing: nothing serious for axe, valid HTML, no
    // request outside the site, nothing its own CSP refused, no sideways scroll on a phone.
    const audit = (done.result as { audit: { axe: Record<string, unknown>; page_weight_bytes: number } }).audit;
    expect({ ...audit, axe: { ...audit.axe, passes: undefined } }).toMatchObject({
      axe: { serious_or_critical: 0 },
      html_validate: { errors: [] },
      outside_requests: [],
      csp_violations: [],
      horizontal_scroll_390: false,
    });
    expect(audit.page_weight_bytes).toBeGreaterThan(10_000);
    expect(audit.page_weight_bytes).toBeLessThan(600_000);

    expect((await t.http.get(`/sites/${id}`).expect(301)).headers.location).toBe(`/sites/${id}/`);
    const page = await t.http.get(`/sites/${id}/`).expect(200);
    expect(page.headers['content-type']).toContain('text/html');
    const csp = page.headers['content-security-policy'] as string;
    expect(csp).toMatch(/^default-src 'none'; img-src 'self'; style-src 'sha256-[A-Za-z0-9+/]+=*'; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'$/);
    const html = page.text;
    expect(html).toContain('<html lang="ko">');
    expect(html).toContain('밀밭&lt;b&gt;베이커리&lt;/b&gt;');
    expect(html).not.toContain('<b>');
    expect(html).not.toContain('<img src=x');
    expect(html).not.toMatch(/<script(?! type="application\/ld\+json")/);
    expect(html).toContain('href="tel:+8221234567"');
    expect(html).toContain('<link rel="canonical" href="https://ads.example.com/sites/');
    // The share card: absolute, 1200x630, under 300 KB, the ad (the hero) beside the name.
    const card = await shareCardOf(t, id, html, `https://ads.example.com/sites/${id}/`);
    expect(done.result).toMatchObject({ share_card: { file: card.file, url: card.url, bytes: card.bytes }, warnings: [] });
    expect(card.panel.stdev).toBeGreaterThan(20);

    const colours = Object.fromEntries([...html.matchAll(/--(accent|surface|ink|muted):(#[0-9a-f]{6})/g)].map((m) => [m[1], m[2]])) as unknown as SiteTheme;
    expect(Object.values(PRESETS).map((p) => p.accent)).not.toContain(colours.accent);
    expect(themeProblems(colours)).toEqual([]);
    const ld = JSON.parse(/<script type="application\/ld\+json">(.*?)<\/script>/s.exec(html)![1]) as { openingHoursSpecification: unknown; hasOfferCatalog: { itemListElement: unknown[] } };
    expect(ld).toMatchObject({ '@type': 'Bakery', name: '밀밭<b>베이커리</b>', telephone: '+8221234567', address: { streetAddress: '서울특별시 마포구 양화로 12, 1층' }, hasMap: 'https://naver.me/x1AbC', sameAs: ['https://pf.kakao.com/_abcd'] });
    expect(ld.openingHoursSpecification).toEqual([{ '@type': 'OpeningHoursSpecification', description: '화-일', opens: '08:00', closes: '20:00' }]);
    expect(ld.hasOfferCatalog.itemListElement[0]).toMatchObject({ price: 3000, priceCurrency: 'KRW' });
    expect(ld.hasOfferCatalog.itemListElement[1]).toMatchObject({ price: 4500, priceCurrency: 'KRW' });

    // Each picture in WebP variants with srcset, width and height; the hero eager, the cards lazy.
    // The hero is the largest picture (the ad, 1024 px wide), the 600 px photo is not enlarged.
    expect(html).toMatch(/<img class="ad" src="p2-1024\.webp" srcset="p2-320\.webp 320w, p2-640\.webp 640w, p2-960\.webp 960w, p2-1024\.webp 1024w" sizes="[^"]+" width="1024" height="1024" alt="아메리카노" decoding="async" fetchpriority="high">/);
    expect(html).toMatch(/<img src="p1-600\.webp" srcset="p1-320\.webp 320w, p1-600\.webp 600w" sizes="[^"]+" width="600" height="400" alt="소금빵" decoding="async" loading="lazy">/);
    const webp = await t.http.get(`/sites/${id}/p2-640.webp`).responseType('blob').expect(200);
    expect(webp.headers['content-type']).toBe('image/webp');
    expect((await sharp(webp.body as Buffer).metadata()).width).toBe(640);
    expect((await t.http.get(`/sites/${id}/favicon.png`).expect(200)).headers['content-type']).toBe('image/png');
    await t.http.get(`/sites/${id}/input_product_1.png`).expect(404);
    await t.http.get(`/sites/${id}/..%2Fsite.zip`).expect(404);

    const zip = unzipSync(new Uint8Array((await t.http.get(`/homepage/${id}/site.zip`).responseType('blob').expect(200)).body as Buffer));
    expect(Object.keys(zip)).toEqual(expect.arrayContaining(['index.html', 'favicon.png', 'apple-touch-icon.png', 'p1-320.webp', 'p1-600.webp', 'p2-640.webp', 'p2-1024.webp', 'share-card.png']));
    expect(Buffer.from(zip['index.html']).toString('utf8')).toBe(html);

    const list = (await t.http.get('/homepage').expect(200)).body as { total: number; items: Array<{ job_id: string; site_url: string; name: string }> };
    expect(list.items.find((s) => s.job_id === id)).toMatchObject({ name: '밀밭<b>베이커리</b>', site_url: `https://ads.example.com/sites/${id}/` });
    await t.http.delete(`/homepage/${id}`).expect(204);
    await t.http.get(`/sites/${id}/`).expect(404);
    await t.http.get(`/sites/${adJob}/`).expect(404); // an ad job is not a site
  });

  it('makes an ad from a product photo first with make_ads, and uses it as the picture', async () => {
    const made = await t.http.post('/homepage').send({ name: '카페 온기', category: '카페', make_ads: true, products: [{ name: '에스프레소', price: 3500, image: dataUrl(samplePhoto()) }] }).expect(202);
    const done = await waitForJob(t.http, made.body.job_id, 180_000);
    expect(done.status).toBe('completed');
    expect(done.result).toMatchObject({ made_ads: ['ad1_final.png'], theme: 'ads' });
    const status = (await t.http.get(`/status/${made.body.job_id}?include_metrics=false`).expect(200)).body as { artifacts: Array<{ name: string }> };
    expect(status.artifacts.map((a) => a.name)).toEqual(expect.arrayContaining(['ad1_final.png', 'ad1_step1.png', 'site_index.html', 'site_p1-1080.webp']));
    const html = (await t.http.get(`/sites/${made.body.job_id}/`).expect(200)).text;
    // The ad (1080x1350, 4:5 like the cards) is the picture, with its copy: the name and the price.
    expect(html).toMatch(/<img class="ad" src="p1-1080\.webp"[^>]* width="1080" height="1350" alt="에스프레소"/);
    const ad = await t.http.get(`/sites/${made.body.job_id}/p1-1080.webp`).responseType('blob').expect(200);
    expect(await sharp(ad.body as Buffer).metadata()).toMatchObject({ width: 1080, height: 1350 });
  });

  it('takes multipart (fields, JSON text, photo files); the unpacked ZIP renders the same page in Chromium as the published one', async () => {
    const form = t.http
      .post('/homepage')
      .field('name', '꽃집 봄날')
      .field('category', '꽃집')
      .field('phone', '010-1234-5678')
      .field('hours', JSON.stringify([{ days: '매일', opens: '10:00', closes: '19:00' }]))
      .field('links[instagram]', 'https://www.instagram.com/bomnal')
      .field('products[0][name]', '장미 한 다발')
      .field('products[0][price]', '25000')
      .field('products[1][name]', '꽃바구니')
      .attach('products[0][image]', samplePhoto(), 'rose.png');
    const id = (await form.expect(202)).body.job_id as string;
    const done = await waitForJob(t.http, id, 120_000);
    expect(done.status).toBe('completed');
    expect(done.result).toMatchObject({ theme: 'fresh' });
    const html = (await t.http.get(`/sites/${id}/`).expect(200)).text;
    expect(html).toContain('<p class="price">25,000원</p>');
    expect(html).toContain('href="https://www.instagram.com/bomnal"');
    expect(html).toMatch(/<img src="p1-\d+\.webp"[^>]* alt="장미 한 다발"/);

    const dir = mkdtempSync(path.join(tmpdir(), 'site-'));
    const browser = await launchTestBrowser(mkdtempSync(path.join(dir, '.browser-')));
    try {
      const zip = (await t.http.get(`/homepage/${id}/site.zip`).responseType('blob').expect(200)).body as Buffer;
      for (const [name, bytes] of Object.entries(unzipSync(new Uint8Array(zip)))) {
        mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
        writeFileSync(path.join(dir, name), bytes);
      }
      const shot = async (url: string, width: number) => {
        const page = await browser.newPage();
        try {
          await page.setViewport({ width, height: 900 });
          await page.goto(url, { waitUntil: 'load' });
          return await sharp(await page.screenshot({ fullPage: true })).raw().toBuffer({ resolveWithObject: true });
        } finally {
          await page.close();
        }
      };
      for (const width of [390, 1280]) {
        const served = await shot(`${t.url}/sites/${id}/`, width);
        const unpacked = await shot(pathToFileURL(path.join(dir, 'index.html')).href, width);
        expect(unpacked.info).toMatchObject({ width: served.info.width, height: served.info.height });
        let differing = 0;
        for (let i = 0; i < served.data.length; i++) if (Math.abs(served.data[i] - unpacked.data[i]) > 8) differing++;
        expect({ width, differing }).toEqual({ width, differing: 0 });
      }
    } finally {
      await browser.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('gives a shop with no photo a share card all the same: its name on its accent colour, absolute og:image', async () => {
    const made = await t.http.post('/homepage').send({ name: '소금빵 연구소', category: '베이커리', tagline: '매일 아침 굽는 천연발효 소금빵', phone: '02-123-4567', products: [{ name: '소금빵', price: 3000 }] }).expect(202);
    const id = made.body.job_id as string;
    const done = await waitForJob(t.http, id, 120_000);
    expect(done.status).toBe('completed');
    const html = (await t.http.get(`/sites/${id}/`).expect(200)).text;
    expect(html).not.toMatch(/<img /); // no picture on the page at all
    const card = await shareCardOf(t, id, html, `https://ads.example.com/sites/${id}/`);
    expect(card.alt).toBe('소금빵 연구소: 매일 아침 굽는 천연발효 소금빵');
    expect(JSON.parse(/<script type="application\/ld\+json">(.*?)<\/script>/s.exec(html)![1])).toMatchObject({ image: card.url });
    // Drawn, not blank: the accent fills the card and the name's white glyphs stand on it.
    const { colors } = done.result as { colors: SiteTheme };
    expect(card.corner).toBe(colors.accent);
    expect(card.whiteShare).toBeGreaterThan(0.02);
    expect(card.panel.stdev).toBeGreaterThan(20); // the first letter on its disc
  });

  it('refuses bad input with 400, naming the field, and makes no job', async () => {
    const post = (body: Record<string, unknown>) => t.http.post('/homepage').send(body).expect(400);
    const { name: _n, ...nameless } = shop();
    expect((await post(nameless)).body.error.message).toContain('name is required');
    expect((await post({ ...shop(), phone: '12345' })).body.error.details.fields[0].field).toBe('phone');
    expect((await post({ ...shop(), links: { naver_map: 'javascript:alert(1)' } })).body.error.details.fields[0].field).toBe('links.naver_map');
    expect((await post({ ...shop(), business_number: '12345' })).body.error.details.fields[0].field).toBe('business_number');
    expect((await post({ ...shop(), hours: [{ days: '월', opens: '25:00', closes: '20:00' }] })).body.error.details.field).toBe('hours[0]');
    const notImage = await post({ name: '가게', products: [{ name: 'x', image: Buffer.from('not an image at all').toString('base64') }] });
    expect(notImage.body.error).toMatchObject({ code: 'INVALID_IMAGE', details: { field: 'products[0].image' } });
    expect((await post({ name: '가게', products: [{ name: 'x', job_id: UUID }] })).body.error).toMatchObject({ code: 'INVALID_PARAMETER', details: { field: 'products[0].job_id' } });
    const pending = (await t.http.post('/generate').send({ product_image: dataUrl(samplePhoto()), test_mode: true }).expect(202)).body.job_id as string;
    expect((await post({ name: '가게', products: [{ name: 'x', job_id: pending }] })).body.error.message).toMatch(/is (pending|running), not completed/);
    const stray = t.http.post('/homepage').field('name', '가게').attach('photo', samplePhoto(), 'a.png');
    expect((await stray.expect(400)).body.error.details).toMatchObject({ field: 'photo' });
    const orphan = t.http.post('/homepage').field('name', '가게').field('products[0][name]', 'x').attach('products[1][image]', samplePhoto(), 'a.png');
    expect((await orphan.expect(400)).body.error.details).toMatchObject({ field: 'products[1].image' });
    const twice = t.http.post('/homepage').field('name', '가게').field('products[0][name]', 'x').field('products[0][job_id]', adJob).attach('products[0][image]', samplePhoto(), 'a.png');
    expect((await twice.expect(400)).body.error.details).toMatchObject({ field: 'products[0]' });
    expect((await t.http.post('/homepage').field('name', '가게').field('products', '[{"name": ').expect(400)).body.error.details.fields[0].field).toBe('products');
    const list = (await t.http.get('/homepage').expect(200)).body as { items: Array<{ name: string }> };
    expect(list.items.some((s) => s.name === '가게')).toBe(false);
    await waitForJob(t.http, pending, 120_000);
  });
});
