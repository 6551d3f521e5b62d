import { after, before, describe, it } from 'node:test';
import { expect } from 'expect';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { SSEClientTransport } from '@modelcontextprotocol/sdk/client/sse.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { McpError, type CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import sharp from 'sharp';
import { dataUrl, samplePhoto, startTestApp, type TestApp, FS_ONLY } from './helpers/test-app';

const TOOLS = ['analyze_image', 'calculate_clip_score', 'check_generation_status', 'decompose_layers', 'generate_ad_image', 'generate_homepage', 'get_system_status', 'list_fonts', 'list_jobs', 'stop_generation'];

async function connect(url: string, kind: 'http' | 'sse', headers: Record<string, string> = {}): Promise<Client> {
  const client = new Client({ name: 'nanococoa-test', version: '1.0.0' });
  const transport =
    kind === 'http'
      ? new StreamableHTTPClientTransport(new URL('/mcp', url), { requestInit: { headers } })
      : new SSEClientTransport(new URL('/mcp/sse', url), { requestInit: { headers }, eventSourceInit: { fetch: (u, init) => fetch(u, { ...init, headers: { ...(init?.headers as Record<string, string>), ...headers } }) } });
  await client.connect(transport);
  return client;
}

describe('MCP server at /mcp (SDK client, real jobs)', () => {
  let t: TestApp;
  let finished: { jobId: string; uri: string } | undefined;
  before(async () => {
    t = await startTestApp();
  });
  after(() => t?.close());

  it('over Streamable HTTP: lists tools, makes an ad with progress notifications, serves the file as a resource', async () => {
    const client = await connect(t.url, 'http');
    try {
      const tools = await client.listTools();
      expect(tools.tools.map((tool) => tool.name).sort()).toEqual(TOOLS);
      const generate = tools.tools.find((tool) => tool.name === 'generate_ad_image')!;
      expect(generate.description!.length).toBeGreaterThan(100);
      expect(Object.keys(generate.inputSchema.properties ?? {})).toEqual(expect.arrayContaining(['product_image', 'text_content', 'placements', 'wait']));

      const progress: number[] = [];
      const result = (await client.callTool(
        { name: 'generate_ad_image', arguments: { product_image: dataUrl(samplePhoto()), text_content: '명절 특가! 20,000원', wait: true, seed: 1 } },
        undefined,
        { onprogress: (p) => progress.push(p.progress), timeout: 120_000 },
      )) as CallToolResult;
      expect(result.isError).toBeFalsy();
      expect(progress.length).toBeGreaterThan(2);
      expect(progress).toEqual([...progress].sort((a, b) => a - b));
      const structured = result.structuredContent as { job_id: string; status: string };
      expect(structured.status).toBe('completed');
      const image = result.content.find((c) => c.type === 'image') as { data: string; mimeType: string };
      expect(Buffer.from(image.data, 'base64').length).toBeLessThanOrEqual(256 * 1024);
      expect((await sharp(Buffer.from(image.data, 'base64')).metadata()).format).toBe('jpeg');
      const link = result.content.find((c) => c.type === 'resource_link') as { uri: string };
      expect(link.uri).toBe(`nanococoa://jobs/${structured.job_id}/final.png`);

      const read = await client.readResource({ uri: link.uri });
      const blob = (read.contents[0] as { blob: string; mimeType: string }).blob;
      expect((await sharp(Buffer.from(blob, 'base64')).metadata()).width).toBe(1024);
      finished = { jobId: structured.job_id, uri: link.uri };
    } finally {
      await client.close();
    }
  });

  it("makes a shop's homepage with the ad it made as a product picture (generate_homepage), and names a bad field", { skip: FS_ONLY }, async () => {
    const client = await connect(t.url, 'http');
    try {
      const result = (await client.callTool(
        { name: 'generate_homepage', arguments: { name: '사과농장 직판장', category: '가게', phone: '010-1234-5678', products: [{ name: '사과 한 박스', price: 20000, image: finished!.uri }] } },
        undefined,
        { timeout: 180_000 },
      )) as CallToolResult;
      expect(result.isError).toBeFalsy();
      const structured = result.structuredContent as { job_id: string; site_url: string; audit: { axe: { serious_or_critical: number }; outside_requests: string[] } };
      expect(structured.site_url).toBe(`/sites/${structured.job_id}/`);
      expect(structured.audit).toMatchObject({ axe: { serious_or_critical: 0 }, outside_requests: [] });
      const page = await fetch(`${t.url}${structured.site_url}`);
      expect(page.status).toBe(200);
      expect(await page.text()).toContain('사과 한 박스');
      expect((await sharp(Buffer.from((result.content.find((c) => c.type === 'image') as { data: string }).data, 'base64')).metadata()).format).toBe('jpeg');

      const bad = (await client.callTool({ name: 'generate_homepage', arguments: { name: '가게', phone: 'not a phone' } })) as CallToolResult;
      expect(bad.isError).toBe(true);
      expect(JSON.stringify(bad.content)).toContain('phone must be a Korean phone number');
    } finally {
      await client.close();
    }
  });

  it('over legacy HTTP+SSE: lists tools and checks the finished job', { skip: FS_ONLY }, async () => {
    const client = await connect(t.url, 'sse');
    try {
      expect((await client.listTools()).tools.map((tool) => tool.name).sort()).toEqual(TOOLS);
      const status = (await client.callTool({ name: 'check_generation_status', arguments: { job_id: finished!.jobId } })) as CallToolResult;
      expect(status.structuredContent).toMatchObject({ status: 'completed', job_id: finished!.jobId });
      const fonts = (await client.callTool({ name: 'list_fonts', arguments: { script: 'Hangul' } })) as CallToolResult;
      expect(JSON.stringify(fonts.structuredContent)).toContain('NanumGothic');
    } finally {
      await client.close();
    }
  });

  it('answers wrong arguments with a tool error naming each field (INVALID_PARAMETER), an unknown tool with -32602, unknown jobs with JOB_NOT_FOUND', { skip: FS_ONLY }, async () => {
    const client = await connect(t.url, 'http');
    try {
      // Since 2025-11-25 the spec wants input errors as tool results, so the model can read and fix its call.
      const wrong = (await client.callTool({ name: 'generate_ad_image', arguments: { product_image: 5, placements: ['2:3'] } })) as CallToolResult;
      expect(wrong.isError).toBe(true);
      expect(wrong.structuredContent).toMatchObject({ error: { code: 'INVALID_PARAMETER' } });
      const fields = (wrong.structuredContent as { error: { details: { fields: Array<{ field: string }> } } }).error.details.fields.map((f) => f.field);
      expect(fields).toEqual(expect.arrayContaining(['product_image', 'placements.0']));
      const typo = (await client.callTool({ name: 'list_jobs', arguments: { limt: 3 } })) as CallToolResult;
      expect(typo.isError).toBe(true);
      expect(JSON.stringify(typo.content)).toContain('limt');
      const unknown = (await client.callTool({ name: 'make_coffee', arguments: {} }).catch((e: unknown) => e)) as McpError;
      expect(unknown).toBeInstanceOf(McpError);
      expect(unknown.code).toBe(-32602);
      expect(unknown.message).toContain('generate_ad_image');

      const missing = (await client.callTool({ name: 'check_generation_status', arguments: { job_id: '3f1c1d3e-0000-4000-8000-000000000000' } })) as CallToolResult;
      expect(missing.isError).toBe(true);
      expect(missing.structuredContent).toMatchObject({ error: { code: 'JOB_NOT_FOUND' } });
      const bad = (await client.callTool({ name: 'generate_ad_image', arguments: { product_image: 'bm90IGFuIGltYWdl' } })) as CallToolResult;
      expect(bad.structuredContent).toMatchObject({ error: { code: 'INVALID_IMAGE' } });
    } finally {
      await client.close();
    }
  });

  it('refuses a foreign Host or Origin with 403 (DNS rebinding)', { skip: FS_ONLY }, async () => {
    const init = { jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'x', version: '1' } } };
    await t.http.post('/mcp').set('Host', 'evil.example').set('Accept', 'application/json, text/event-stream').send(init).expect(403);
    await t.http.post('/mcp').set('Origin', 'http://evil.example').set('Accept', 'application/json, text/event-stream').send(init).expect(403);
    await t.http.get('/mcp/sse').set('Host', 'evil.example:8000').expect(403);
  });
});

describe('MCP with API keys', { skip: FS_ONLY }, () => {
  let t: TestApp;
  const key = 'test-key-0123456789abcdef';
  const tenantA = 'shop-a-secret-0123456789';
  const tenantB = 'shop-b-secret-0123456789';
  before(async () => {
    t = await startTestApp({ API_KEY: key, API_KEYS: `shop-a:${tenantA},shop-b:${tenantB}`, RUNNER_ENABLED: false });
  });
  after(() => t?.close());

  it('needs a key (Bearer or X-API-Key): 401 without or with a wrong one', async () => {
    await t.http.post('/mcp').send({}).expect(401).expect('WWW-Authenticate', /Bearer/);
    await t.http.post('/mcp').set('Authorization', 'Bearer wrong-key-0123456789').send({}).expect(401);
    await expect(connect(t.url, 'http')).rejects.toThrow();
    const client = await connect(t.url, 'http', { Authorization: `Bearer ${key}` });
    expect((await client.listTools()).tools.length).toBe(TOOLS.length);
    await client.close();
    const sse = await connect(t.url, 'sse', { 'X-API-Key': key });
    expect((await sse.listTools()).tools.length).toBe(TOOLS.length);
    await sse.close();
  });

  it("acts for the key's tenant: another tenant's job is not found, and its session id is no use", async () => {
    const a = await connect(t.url, 'http', { Authorization: `Bearer ${tenantA}` });
    const started = await a.callTool({ name: 'generate_ad_image', arguments: { product_image: dataUrl(samplePhoto()), text_content: '세일' } });
    const jobId = (started.structuredContent as { job_id: string }).job_id;
    const mine = await a.callTool({ name: 'list_jobs', arguments: {} });
    expect((mine.structuredContent as { total: number }).total).toBe(1);

    const b = await connect(t.url, 'http', { Authorization: `Bearer ${tenantB}` });
    const theirs = await b.callTool({ name: 'check_generation_status', arguments: { job_id: jobId } });
    expect(theirs.isError).toBe(true);
    expect(theirs.structuredContent).toMatchObject({ error: { code: 'JOB_NOT_FOUND' } });
    expect((await b.callTool({ name: 'list_jobs', arguments: {} })).structuredContent).toMatchObject({ total: 0 });
    await expect(b.readResource({ uri: `nanococoa://jobs/${jobId}/input_product.png` })).rejects.toThrow(/JOB_NOT_FOUND|No job/);

    // Tenant B presenting tenant A's session id: the session is not found for B's key.
    const sessionId = (a.transport as StreamableHTTPClientTransport).sessionId!;
    const hijack = await t.http
      .post('/mcp')
      .set('Authorization', `Bearer ${tenantB}`)
      .set('Mcp-Session-Id', sessionId)
      .set('Accept', 'application/json, text/event-stream')
      .send({ jsonrpc: '2.0', id: 9, method: 'tools/list' });
    expect(hijack.status).toBe(404);

    const admin = await connect(t.url, 'http', { Authorization: `Bearer ${key}` });
    expect((await admin.callTool({ name: 'check_generation_status', arguments: { job_id: jobId } })).isError).toBeUndefined();
    await Promise.all([a.close(), b.close(), admin.close()]);
  });
});
