import { after, before, describe, it } from 'node:test';
import { expect } from 'expect';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import sharp from 'sharp';
import { startTestApp, type TestApp, waitForJob } from './helpers/test-app';

/** As a shop owner copies it from the address bar or types it: Hangul and a space. */
const TYPED = 'https://map.naver.com/p/search/소금빵 연구소';
const NORMALIZED = 'https://map.naver.com/p/search/%EC%86%8C%EA%B8%88%EB%B9%B5%20%EC%97%B0%EA%B5%AC%EC%86%8C';
const STORE_TYPED = 'http://smartstore.example.kr/소금빵 3개';
const STORE = 'http://smartstore.example.kr/%EC%86%8C%EA%B8%88%EB%B9%B5%203%EA%B0%9C';

type Params = { business: { links: Record<string, string> }; products: Array<{ link: string | null }> };

/** No PUBLIC_URL here: the sites cannot know their own address, which the job must say. */
describe('homepage links as a person types them, and a site without a public URL', () => {
  let t: TestApp;
  before(async () => {
    t = await startTestApp();
  });
  after(() => t?.close());

  /** A finished site: its stored parameters, its page and the job's result. */
  const site = async (id: string) => {
    const done = await waitForJob(t.http, id, 120_000);
    expect(done.status).toBe('completed');
    const status = (await t.http.get(`/status/${id}?include_metrics=false`).expect(200)).body as { parameters: Params; result: Record<string, unknown> };
    return { params: status.parameters, result: status.result, html: (await t.http.get(`/sites/${id}/`).expect(200)).text };
  };

  it('takes a Hangul link with a space (JSON), stores and renders it percent-encoded, and warns that there is no og:image', async () => {
    const body = { name: '소금빵 연구소', phone: '02-123-4567', links: { naver_map: TYPED, instagram: 'HTTPS://WWW.Instagram.COM/소금빵' }, products: [{ name: '소금빵', price: 3000, link: STORE_TYPED }] };
    const id = (await t.http.post('/homepage').send(body).expect(202)).body.job_id as string;
    const { params, result, html } = await site(id);
    expect(params.business.links).toEqual({ naver_map: NORMALIZED, instagram: 'https://www.instagram.com/%EC%86%8C%EA%B8%88%EB%B9%B5' });
    expect(params.products[0].link).toBe(STORE);
    // The hero's map button, the location section's, and JSON-LD's hasMap; the product's name links to its store.
    expect(html.split(`href="${NORMALIZED}"`).length - 1).toBe(2);
    expect(html).toContain(`<h3><a href="${STORE}" rel="noopener">소금빵</a></h3>`);
    expect(html).not.toContain(TYPED);
    const ld = JSON.parse(/<script type="application\/ld\+json">(.*?)<\/script>/s.exec(html)![1]) as { hasMap: string; sameAs: string[]; hasOfferCatalog: { itemListElement: Array<{ url?: string }> } };
    expect(ld).toMatchObject({ hasMap: NORMALIZED, sameAs: ['https://www.instagram.com/%EC%86%8C%EA%B8%88%EB%B9%B5'] });
    expect(ld.hasOfferCatalog.itemListElement[0].url).toBe(STORE);
    expect(result.audit).toMatchObject({ axe: { serious_or_critical: 0 }, html_validate: { errors: [] }, outside_requests: [] });

    // No public URL: no relative og:image (messengers ignore it), the job says so, the card is made all the same.
    expect(html).not.toContain('og:image');
    expect(html).toContain('<meta name="twitter:card" content="summary">');
    expect(result.warnings).toEqual([expect.stringContaining('No public URL is configured (SITES_PUBLIC_URL or PUBLIC_URL)')]);
    expect(result.share_card).toMatchObject({ file: 'share-card.png', url: null });
    const card = (await t.http.get(`/sites/${id}/share-card.png`).responseType('blob').expect(200)).body as Buffer;
    expect(await sharp(card).metadata()).toMatchObject({ width: 1200, height: 630, format: 'png' });
  });

  it('takes the same link as a multipart field and as links JSON text', async () => {
    const fields = await t.http.post('/homepage').field('name', '가게').field('links[kakao_map]', 'https://map.kakao.com/?q=소금빵 연구소').field('products[0][name]', '빵').field('products[0][link]', STORE_TYPED).expect(202);
    expect((await site(fields.body.job_id)).params).toMatchObject({ business: { links: { kakao_map: 'https://map.kakao.com/?q=%EC%86%8C%EA%B8%88%EB%B9%B5%20%EC%97%B0%EA%B5%AC%EC%86%8C' } }, products: [{ link: STORE }] });
    const json = await t.http.post('/homepage').field('name', '가게').field('links', JSON.stringify({ naver_map: TYPED })).expect(202);
    expect((await site(json.body.job_id)).params.business.links).toEqual({ naver_map: NORMALIZED });
  });

  it('refuses javascript:, data:, http where https is asked, credentials and what does not parse: 400 naming the field, never a 500, no job', async () => {
    const before = (await t.http.get('/homepage').expect(200)).body.total as number;
    const refused = async (body: Record<string, unknown>, field: string, says: string) => {
      const res = await t.http.post('/homepage').send({ name: '가게', ...body });
      expect({ field, status: res.status, code: res.body.error?.code }).toEqual({ field, status: 400, code: 'INVALID_PARAMETER' });
      expect(res.body.error.details.fields[0]).toEqual({ field, problems: [expect.stringContaining(says)] });
    };
    await refused({ links: { naver_map: 'javascript:alert(1)' } }, 'links.naver_map', 'links.naver_map must be an https URL, not javascript:');
    await refused({ links: { kakao_map: 'data:text/html,<script>alert(1)</script>' } }, 'links.kakao_map', 'not data:');
    await refused({ links: { instagram: 'http://www.instagram.com/shop' } }, 'links.instagram', 'must start with https://');
    await refused({ links: { kakao_channel: 'pf.kakao.com/_abcd' } }, 'links.kakao_channel', 'must be an https URL such as');
    await refused({ links: { naver_map: 'https://exa mple.com/' } }, 'links.naver_map', 'must be an https URL such as');
    await refused({ links: { naver_map: 'https://user:pw@naver.me/x' } }, 'links.naver_map', 'user name or password');
    await refused({ links: { naver_map: 12345 } }, 'links.naver_map', 'must be a URL as text');
    await refused({ links: { naver_map: { href: TYPED } } }, 'links.naver_map', 'must be a URL as text');
    await refused({ links: { naver_map: `https://map.naver.com/${'빵'.repeat(300)}` } }, 'links.naver_map', 'at most 2048 characters');
    await refused({ products: [{ name: '빵', link: 'javascript:alert(1)' }] }, 'products.0.link', 'link must be an http(s) URL, not javascript:');
    await refused({ products: [{ name: '빵', link: '소금빵 사러 가기' }] }, 'products.0.link', 'link must be an http(s) URL such as');
    const multipart = await t.http.post('/homepage').field('name', '가게').field('links[naver_map]', 'javascript:alert(1)');
    expect({ status: multipart.status, field: multipart.body.error.details.fields[0].field }).toEqual({ status: 400, field: 'links.naver_map' });
    expect((await t.http.get('/homepage').expect(200)).body.total).toBe(before);
  });

  it('the admin form takes the typed link and shows a refused one next to its field', async () => {
    const made = await t.http.post('/admin/homepage/new').field('name', '소금빵 연구소').field('links[naver_map]', TYPED).field('products[0][name]', '소금빵').field('products[0][link]', STORE_TYPED).expect(303);
    const id = /\/admin\/jobs\/([0-9a-f-]{36})$/.exec(made.headers.location as string)![1];
    const { params, html } = await site(id);
    expect(params).toMatchObject({ business: { links: { naver_map: NORMALIZED } }, products: [{ link: STORE }] });
    expect(html).toContain(`href="${NORMALIZED}"`);

    const bad = await t.http.post('/admin/homepage/new').field('name', '가게').field('links[naver_map]', 'http://naver.me/x1AbC').field('tagline', '매일 굽는 빵').expect(400);
    expect(bad.text).toContain('<p class="field-error" id="links-naver_map-error">links.naver_map must start with https:// (http:// links are not taken here)</p>');
    expect(bad.text).toContain('value="http://naver.me/x1AbC"');
    expect(bad.text).toContain('value="매일 굽는 빵"');
    // Blank rows are left out before validation: the error names the row the person filled in.
    const row = await t.http.post('/admin/homepage/new').field('name', '가게').field('products[2][name]', '빵').field('products[2][link]', 'javascript:alert(1)').expect(400);
    expect(row.text).toContain('products[2][link]: link must be an http(s) URL, not javascript:');
  });

  it('the MCP tool takes the typed link, reports the missing public URL, and names a refused link', async () => {
    const client = new Client({ name: 'nanococoa-test', version: '1.0.0' });
    await client.connect(new StreamableHTTPClientTransport(new URL('/mcp', t.url)));
    try {
      const made = (await client.callTool({ name: 'generate_homepage', arguments: { name: '소금빵 연구소', links: { naver_map: TYPED }, products: [{ name: '소금빵', link: STORE_TYPED }] } }, undefined, { timeout: 180_000 })) as CallToolResult;
      expect(made.isError).toBeFalsy();
      const structured = made.structuredContent as { job_id: string; warnings: string[] };
      expect(structured.warnings).toEqual([expect.stringContaining('No public URL is configured')]);
      expect(JSON.stringify(made.content)).toContain('Warning: No public URL is configured');
      const { params, html } = await site(structured.job_id);
      expect(params).toMatchObject({ business: { links: { naver_map: NORMALIZED } }, products: [{ link: STORE }] });
      expect(html).toContain(`href="${NORMALIZED}"`);

      const bad = (await client.callTool({ name: 'generate_homepage', arguments: { name: '가게', links: { naver_map: 'data:text/html,hi' } } })) as CallToolResult;
      expect(bad.isError).toBe(true);
      expect(bad.structuredContent).toMatchObject({ error: { code: 'INVALID_PARAMETER', details: { fields: [{ field: 'links.naver_map', problems: ['links.naver_map must be an https URL, not data:'] }] } } });
    } finally {
      await client.close();
    }
  });
});
