import { after, before, describe, it } from 'node:test';
import { expect } from 'expect';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { Browser } from 'puppeteer-core';
import { auditHere, auditPages, launchTestBrowser, NO_CHROMIUM, wording } from './helpers/admin-audit';
import { samplePhoto, startTestApp, type TestApp } from './helpers/test-app';

/** What the assertions read from form elements (no DOM typings in this project). */
interface Field {
  value: string;
}

const SHOP = '밀밭베이커리';

// One browser for the audit's own check and the signed-in pages; its profile lives in scratch.
const scratch = mkdtempSync(path.join(tmpdir(), 'nc-admin-access-'));
let browser: Browser | undefined;
before(async () => {
  if (!NO_CHROMIUM) browser = await launchTestBrowser(path.join(scratch, 'profile'));
});
after(async () => {
  await browser?.close();
  rmSync(scratch, { recursive: true, force: true });
});

describe('the admin page audit', { skip: NO_CHROMIUM }, () => {
  it('finds what it looks for: cut text, a cut option and placeholder, a sideways page, low contrast and API words', async () => {
    const page = await browser!.newPage();
    try {
      // Each defect the issue saw on the admin pages, in small; and visually-hidden text, which is not one.
      await page.setContent(`<!doctype html><html lang="ko"><head><title>audit</title><style>
        body { margin: 0; font: 16px sans-serif; } .cut { width: 80px; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
        select, input { width: 100px; } dl > div { display: grid; grid-template-columns: 60px 1fr; } .wide { width: 2000px; }
        .chip { background: #f3e9df; color: #667085; } .visually-hidden { position: absolute; width: 1px; height: 1px; overflow: hidden; white-space: nowrap; }
        </style></head><body><main><p class="cut">Cutting out the product</p>
        <p><label>a <select><option>Automatic: a photo card when the cutout is poor</option></select></label></p>
        <p><label>b <input placeholder="Tue-Sun 08:00-20:00, closed Mondays"></label></p>
        <dl><div><dt><code>subject_material</code></dt><dd>opaque</dd></div></dl>
        <p><span class="badge">resident</span> <span class="bar-label">layers_text</span></p><p class="chip">4:5 1080×1350</p>
        <p class="visually-hidden">hidden on purpose</p><div class="wide">wide</div></main></body></html>`);
      const findings = await auditHere(page, 'fixture');
      const clipped = findings.filter((f) => f.kind === 'clipped' && f.width === 390).map((f) => f.where[0].split(' > ').pop()!.split('.')[0]);
      expect(clipped.sort()).toEqual(['dt', 'html', 'input', 'p', 'select']);
      expect(findings.filter((f) => f.kind === 'axe:color-contrast').map((f) => f.width)).toEqual([390, 1280]);
      expect(await wording(page, 'fixture')).toEqual([expect.objectContaining({ what: 'badge: resident' }), expect.objectContaining({ what: 'bar-label: layers_text' }), expect.objectContaining({ what: 'dt: subject_material' })]);
    } finally {
      await page.close();
    }
  });
});

describe('admin forms with a small upload limit', () => {
  let t: TestApp;
  before(async () => {
    t = await startTestApp({ MAX_BODY_MB: 1, RUNNER_ENABLED: false });
  });
  after(() => t?.close());

  it('shows the size error next to the photo field and keeps the rest of the form', async () => {
    const res = await t.http
      .post('/admin/new')
      .field('text_content', '겨울 한정 30% 할인')
      .field('bg_prompt', 'marble table')
      .attach('product_image', Buffer.alloc(2 * 2 ** 20, 1), 'huge.png')
      .expect(413);
    expect(res.text).toContain('MAX_BODY_MB');
    expect(res.text).toContain('겨울 한정 30% 할인');
    expect(res.text).toContain('marble table');
    expect((await t.http.get('/jobs').expect(200)).body.total).toBe(0);
  });

  it('shows the size error next to the product photo it was for, and keeps the typed fields', async () => {
    const res = await t.http
      .post('/admin/homepage/new')
      .field('name', '밀밭베이커리')
      .field('products[1][name]', '소금빵')
      .attach('products[1][image]', Buffer.alloc(2 * 2 ** 20, 1), 'huge.png')
      .expect(413);
    expect(res.text).toContain('<p class="field-error" id="products-1-image-error">The upload is larger than MAX_BODY_MB allows</p>');
    expect(res.text).toContain('value="밀밭베이커리"');
    expect(res.text).toMatch(/name="products\[1\]\[name\]" type="text" value="소금빵"/);
    expect((await t.http.get('/homepage').expect(200)).body.total).toBe(0);
  });
});

describe('admin pages behind API_KEY', () => {
  let t: TestApp;
  const key = 'admin-key-0123456789abcdef';
  before(async () => {
    // Models configured (nothing is called: no job runs here), so the new-job form shows their choices.
    const nowhere = 'http://127.0.0.1:9/v1';
    t = await startTestApp({
      API_KEY: key,
      RUNNER_ENABLED: false,
      ...{ IMAGE_API_BASE_URL: nowhere, IMAGE_MODEL: 'gpt-image-1', VISION_API_BASE_URL: nowhere, VISION_MODEL: 'Qwen2.5-VL-7B-Instruct', LLM_API_BASE_URL: nowhere, LLM_MODEL: 'gpt-4.1-mini' },
    });
  });
  after(() => t?.close());

  it('shows the sign-in page, its refusal, the signed-in header and the form with models whole, and passes axe, in both languages at 390 and 1280 px', { skip: NO_CHROMIUM }, async () => {
    const context = await browser!.createBrowserContext();
    try {
      const page = await context.newPage();
      const signIn = await auditPages(page, t.url, ['/admin/login'], wording);
      await page.type('#api_key', 'not-the-key');
      await Promise.all([page.waitForNavigation(), page.click('button[type=submit]')]);
      expect(await page.$eval('#api_key-error', (e) => e.getAttribute('role'))).toBe('alert');
      const refused = await auditHere(page, '/admin/login (refused)');
      await page.$eval('#api_key', (e) => ((e as unknown as Field).value = ''));
      await page.type('#api_key', key);
      await Promise.all([page.waitForNavigation(), page.click('button[type=submit]')]);
      expect(new URL(page.url()).pathname).toBe('/admin');
      // Signed in, the header holds one more button; the form offers the configured models' choices.
      const signedIn = await auditPages(page, t.url, ['/admin', '/admin/new', '/admin/nope'], wording);
      await page.goto(`${t.url}/admin/new`);
      expect(await page.$$eval('#background_mode, #use_qwen_analysis, #use_llm_html', (els) => els.length)).toBe(3);
      expect([...signIn.findings, ...refused, ...signedIn.findings]).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it('asks for the key once, then knows the browser by an httpOnly SameSite=Strict cookie', async () => {
    const first = await t.http.get('/admin/jobs?status=completed').expect(303);
    expect(first.headers.location).toBe('/admin/login?next=%2Fadmin%2Fjobs%3Fstatus%3Dcompleted');
    expect((await t.http.get('/admin/login').expect(200)).text).toContain('type="password"');

    const wrong = await t.http.post('/admin/login').type('form').send({ api_key: 'nope', next: '/admin' }).expect(401);
    expect(wrong.text).toContain('role="alert"');
    expect(wrong.headers['set-cookie']).toBeUndefined();

    const ok = await t.http.post('/admin/login').type('form').send({ api_key: key, next: '/admin/jobs' }).expect(303);
    expect(ok.headers.location).toBe('/admin/jobs');
    const cookie = String(ok.headers['set-cookie']);
    expect(cookie).toMatch(/nc_admin=/);
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/SameSite=Strict/i);
    expect(cookie).not.toContain(key);
    const session = cookie.split(';')[0];

    const page = await t.http.get('/admin').set('Cookie', session).expect(200);
    expect(page.text).toContain('/admin/logout');
    // An open redirect through ?next= is refused.
    const evil = await t.http.post('/admin/login').type('form').send({ api_key: key, next: '//evil.example/x' }).expect(303);
    expect(evil.headers.location).toBe('/admin');
  });

  it('refuses a form post without the CSRF token, and accepts it with the token from the page', async () => {
    const session = String((await t.http.post('/admin/login').type('form').send({ api_key: key }).expect(303)).headers['set-cookie']).split(';')[0];
    const form = await t.http.get('/admin/new').set('Cookie', session).expect(200);
    const token = decodeURIComponent(/action="\/admin\/new\?_csrf=([^"]+)"/.exec(form.text)![1]);
    const id = '3f1c1d3e-0000-4000-8000-000000000000';
    expect((await t.http.post(`/admin/jobs/${id}/delete`).set('Cookie', session).type('form').send({}).expect(403)).text).toContain('CSRF');
    await t.http.post(`/admin/jobs/${id}/delete`).set('Cookie', session).type('form').send({ _csrf: 'forged' }).expect(403);
    // With the token the request reaches the page: an unknown job is a 404 page, not a refusal.
    await t.http.post(`/admin/jobs/${id}/delete`).set('Cookie', session).type('form').send({ _csrf: token }).expect(404);
    await t.http.post(`/admin/jobs/${id}/delete`).type('form').send({ _csrf: token }).expect(401);
    // The API itself keeps its own rules (REST is not behind the admin cookie).
    await t.http.get('/health').expect(200);
  });

  it('takes the homepage form with its CSRF token, names a bad field and keeps what was typed, and lists and deletes the site', async () => {
    const session = String((await t.http.post('/admin/login').type('form').send({ api_key: key }).expect(303)).headers['set-cookie']).split(';')[0];
    const form = await t.http.get('/admin/homepage/new').set('Cookie', session).expect(200);
    expect(form.text).toContain('href="/admin/homepage"');
    const action = /action="(\/admin\/homepage\/new\?_csrf=[^"]+)"/.exec(form.text)![1].replace(/&amp;/g, '&');
    const post = (url = action) => t.http.post(url).set('Cookie', session);
    await post('/admin/homepage/new').field('name', SHOP).expect(403);

    // No name: the message names it, next to the field; the rest is kept, blank rows too.
    const noName = await post().field('name', '').field('tagline', '매일 굽는 빵').field('phone', '02-123-4567').field('products[2][name]', '크루아상').field('products[2][price]', '4,000원').expect(400);
    expect(noName.text).toContain('<p class="field-error" id="name-error">name is required</p>');
    expect(noName.text).toContain('value="매일 굽는 빵"');
    expect(noName.text).toContain('value="02-123-4567"');
    expect(noName.text).toMatch(/name="products\[2\]\[name\]" type="text" value="크루아상"/);
    expect(noName.text).toMatch(/name="products\[2\]\[price\]" type="text" value="4,000원"/);

    const badPhone = await post().field('name', SHOP).field('phone', '12345').field('links[instagram]', 'https://www.instagram.com/milbat').expect(400);
    expect(badPhone.text).toMatch(/<input id="phone" name="phone" type="tel" value="12345"[^>]* aria-invalid="true">/);
    expect(badPhone.text).toContain('<p class="field-error" id="phone-error">phone must be a Korean phone number');
    expect(badPhone.text).toContain('value="https://www.instagram.com/milbat"');
    expect(badPhone.text).toContain(`value="${SHOP}"`);

    // Blank rows are left out before validation; the error still points at the row it came from.
    const badAd = await post().field('name', SHOP).field('products[3][name]', '크루아상').field('products[3][job_id]', 'not-a-job').expect(400);
    expect(badAd.text).toContain('<p class="field-error" id="products-3-job_id-error">products[3][job_id]: job_id must be a job id (UUID)</p>');
    expect(badAd.text).toMatch(/<details class="product-row row-error" open>\s*<summary>상품 4/);
    expect((await t.http.get('/homepage').set('Authorization', `Bearer ${key}`).expect(200)).body.total).toBe(0);

    const made = await post().field('name', SHOP).field('products[0][name]', '소금빵').attach('products[0][image]', samplePhoto(), 'salt-bread.png').expect(303);
    const id = /^\/admin\/jobs\/([0-9a-f-]{36})$/.exec(made.headers.location)![1];
    const job = await t.http.get(`/admin/jobs/${id}`).set('Cookie', session).expect(200);
    expect(job.text).toContain(SHOP);
    const list = await t.http.get('/admin/homepage').set('Cookie', session).expect(200);
    expect(list.text).toContain(`href="/admin/jobs/${id}">${SHOP}</a>`);
    const token = /name="_csrf" value="([^"]+)"/.exec(list.text)![1];
    await t.http.post(`/admin/homepage/${id}/delete`).set('Cookie', session).type('form').send({}).expect(403);
    expect((await t.http.post(`/admin/homepage/${id}/delete`).set('Cookie', session).type('form').send({ _csrf: token }).expect(303)).headers.location).toBe('/admin/homepage');
    expect((await t.http.get('/admin/homepage').set('Cookie', session).expect(200)).text).not.toContain(id);
    await t.http.get(`/status/${id}`).set('Authorization', `Bearer ${key}`).expect(404);
  });
});
