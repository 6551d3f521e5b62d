import { after, before, describe, it } from 'node:test';
import { expect } from 'expect';
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import sharp from 'sharp';
import { z } from 'zod';
import { dataUrl, removeDataDir, REPO_ROOT, samplePhoto } from './helpers/test-app';
import { testDatabase } from './helpers/test-cluster';

const MAIN = path.join(REPO_ROOT, 'dist', 'src', 'main.js');
const TASKS = 'io.modelcontextprotocol/tasks';
const SHOP_A = 'shop-a-key-0123456789abcdef';
const SHOP_B = 'shop-b-key-0123456789abcdef';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const anyResult = z.looseObject({});

/** The built server as its own process, so the task can outlive it; on the run's PostgreSQL under npm test. */
function startServer(dataDir: string, port: number, databaseUrl: string | undefined): ChildProcess {
  return spawn(process.execPath, [MAIN], {
    env: {
      ...process.env,
      ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}),
      DATA_DIR: dataDir,
      PORT: String(port),
      HOST: '127.0.0.1',
      API_KEYS: `shop-a:${SHOP_A},shop-b:${SHOP_B}`,
      JOB_POLL_MS: '200',
      LOG_LEVEL: 'warn',
      RENDER_PREWARM: 'false',
      RATE_LIMIT_SUBMITS_PER_MINUTE: '100000',
      RATE_LIMIT_READS_PER_MINUTE: '1000000',
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
}

async function waitHealthy(url: string, server: ChildProcess): Promise<void> {
  for (let i = 0; i < 600; i++) {
    if (await fetch(`${url}/health`).then((r) => r.ok, () => false)) return;
    if (server.exitCode !== null) throw new Error(`the server exited with ${server.exitCode}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`server at ${url} did not become healthy`);
}

const exited = (p: ChildProcess) => new Promise<void>((resolve) => (p.exitCode !== null || p.signalCode !== null ? resolve() : p.once('exit', () => resolve())));

/** An SDK v2 client on the 2026-07-28 revision (stateless requests), with or without the Tasks extension. */
async function modernClient(url: string, key: string, tasks = true): Promise<Client> {
  const client = new Client(
    { name: 'nanococoa-tasks-test', version: '1.0.0' },
    { capabilities: tasks ? { extensions: { [TASKS]: {} } } : {}, versionNegotiation: { mode: { pin: '2026-07-28' } } },
  );
  await client.connect(new StreamableHTTPClientTransport(new URL('/mcp', url), { requestInit: { headers: { Authorization: `Bearer ${key}` } } }));
  return client;
}

/**
 * tools/call as a Tasks client sends it. The SDK v2 Client rejects a CreateTaskResult
 * (resultType "task" is not one it decodes), and @modelcontextprotocol/ext-tasks asks for this
 * same raw path for a 2026-07-28 server: one POST with the standard headers and the _meta envelope.
 */
async function rawRequest(url: string, key: string, method: string, params: Json, name: string): Promise<Json> {
  const res = await fetch(`${url}/mcp`, {
    method: 'POST',
    headers: {
      'Content-Type': 'application/json',
      Accept: 'application/json, text/event-stream',
      Authorization: `Bearer ${key}`,
      'MCP-Protocol-Version': '2026-07-28',
      'Mcp-Method': method,
      'Mcp-Name': name,
    },
    body: JSON.stringify({
      jsonrpc: '2.0',
      id: 1,
      method,
      params: {
        ...params,
        _meta: {
          'io.modelcontextprotocol/protocolVersion': '2026-07-28',
          'io.modelcontextprotocol/clientInfo': { name: 'nanococoa-tasks-test', version: '1.0.0' },
          'io.modelcontextprotocol/clientCapabilities': { extensions: { [TASKS]: {} } },
        },
      },
    }),
  });
  const text = await res.text();
  // A JSON body, or an SSE stream whose last message is the response.
  const messages = res.headers.get('content-type')?.includes('text/event-stream')
    ? text.split('\n').filter((l) => l.startsWith('data:')).map((l) => JSON.parse(l.slice(5)) as Json)
    : [JSON.parse(text) as Json];
  const response = messages.find((m) => m.id === 1);
  if (!response?.result) throw new Error(`${method} ${name}: HTTP ${res.status} ${text.slice(0, 300)}`);
  return response.result as Json;
}

const callTool = (url: string, key: string, name: string, args: Json) => rawRequest(url, key, 'tools/call', { name, arguments: args }, name);
const getTask = (client: Client, taskId: string) => client.request({ method: 'tasks/get', params: { taskId } }, anyResult) as Promise<Json>;
const cancelTask = (client: Client, taskId: string) => client.request({ method: 'tasks/cancel', params: { taskId } }, anyResult) as Promise<Json>;
const rpcError = (promise: Promise<unknown>) => promise.then(() => undefined, (e: { code?: number; message?: string }) => e);

/** Polls tasks/get at the pace the task asks for until it is terminal; returns every answer. */
async function pollTask(client: Client, taskId: string, timeoutMs = 120_000): Promise<Json[]> {
  const seen: Json[] = [];
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const task = await getTask(client, taskId);
    seen.push(task);
    if (['completed', 'failed', 'cancelled'].includes(task.status)) return seen;
    if (Date.now() > deadline) throw new Error(`task ${taskId} still ${task.status} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, Math.min(task.pollIntervalMs ?? 500, 500)));
  }
}

describe('MCP Tasks (2026-07-28, SDK v2 client, real jobs on a server process)', () => {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'nanococoa-mcp-tasks-'));
  const port = 20000 + Math.floor(Math.random() * 2000);
  const url = `http://127.0.0.1:${port}`;
  let server: ChildProcess;
  let database: Awaited<ReturnType<typeof testDatabase>> | undefined;
  let a: Client;
  let adUri: string;

  before(async () => {
    if (!existsSync(MAIN)) throw new Error(`${MAIN} is missing: run npm run build first (npm test does)`);
    database = process.env.TEST_PG_URL ? await testDatabase(process.env.TEST_PG_URL) : undefined;
    server = startServer(dataDir, port, database?.url);
    await waitHealthy(url, server);
    a = await modernClient(url, SHOP_A);
  });
  after(async () => {
    await a?.close().catch(() => undefined);
    if (server && server.exitCode === null && server.signalCode === null) {
      server.kill('SIGTERM');
      await exited(server);
    }
    await database?.drop();
    await removeDataDir(dataDir);
  });

  it('advertises the extension in server/discover and declares an output schema for every tool', async () => {
    expect(a.getServerCapabilities()?.extensions).toHaveProperty([TASKS]);
    const { tools } = await a.listTools();
    expect(tools.map((t) => t.name)).toContain('generate_ad_image');
    for (const tool of tools) expect(tool.outputSchema).toMatchObject({ type: 'object' });
  });

  it('makes an ad as a task: created at once, polled with progress, completed with the result inlined', async () => {
    const created = await callTool(url, SHOP_A, 'generate_ad_image', { product_image: dataUrl(samplePhoto()), text_content: '명절 특가! 20,000원', seed: 1 });
    expect(created).toMatchObject({ resultType: 'task', status: 'working' });
    expect(created).not.toHaveProperty('result');
    expect(Number.isInteger(created.ttlMs) && created.ttlMs > 0).toBe(true);
    expect(Number.isInteger(created.pollIntervalMs) && created.pollIntervalMs > 0).toBe(true);
    // The task is the job: the REST API knows it by the same id.
    const job = await fetch(`${url}/status/${created.taskId}?include_images=false&include_metrics=false`, { headers: { Authorization: `Bearer ${SHOP_A}` } });
    expect(job.status).toBe(200);

    const seen = await pollTask(a, created.taskId);
    const working = seen.filter((t) => t.status === 'working');
    expect(working.length).toBeGreaterThan(0);
    expect(working.every((t) => typeof t._meta?.['io.nanococoa/progress']?.progress_percent === 'number' && /%/.test(t.statusMessage))).toBe(true);
    const done = seen.at(-1)!;
    expect(done.status).toBe('completed');
    expect(done.result.isError).toBeFalsy();
    expect(done.result.content.map((c: Json) => c.type)).toEqual(expect.arrayContaining(['text', 'image', 'resource_link']));
    expect(done.result.structuredContent).toMatchObject({ job_id: created.taskId, status: 'completed' });
    adUri = done.result.content.find((c: Json) => c.type === 'resource_link').uri;
    expect(adUri).toMatch(/^nanococoa:\/\/jobs\/.+\/final\.png$/);
    const file = await a.readResource({ uri: adUri });
    expect(file.contents[0].mimeType).toBe('image/png');
    // The key's recent finished files are offered in resources/list.
    const { resources } = await a.listResources();
    expect(resources.find((r) => r.uri === adUri)).toMatchObject({ mimeType: 'image/png' });
  });

  it('splits that ad into layers as a task (its copy read back, links to each layer and the PSD), and a foreign key can neither see nor cancel it', async () => {
    const created = await callTool(url, SHOP_A, 'decompose_layers', { image: adUri, num_layers: 6 });
    expect(created.resultType).toBe('task');
    const b = await modernClient(url, SHOP_B);
    try {
      for (const attempt of [getTask(b, created.taskId), cancelTask(b, created.taskId)]) {
        const error = await rpcError(attempt);
        expect(error).toMatchObject({ code: -32602 });
      }
      await expect(b.readResource({ uri: adUri })).rejects.toMatchObject({ code: -32602 });
      expect((await b.listResources()).resources.map((r) => r.uri)).not.toContain(adUri);
    } finally {
      await b.close();
    }
    const done = (await pollTask(a, created.taskId)).at(-1)!;
    expect(done.status).toBe('completed');
    const structured = done.result.structuredContent as { job_id: string; layers: Array<{ kind: string; file: string; text: string | null }>; psd_url: string; html_url: string };
    expect(structured.layers[0]).toMatchObject({ kind: 'background', file: 'layer_00.png' });
    expect(structured.layers.length).toBeLessThanOrEqual(6);
    // The copy may come back as one block or as headline and price: read together, it is the copy.
    const read = structured.layers.filter((l) => l.kind === 'text').map((l) => l.text ?? '').join('').replace(/[\s|]+/g, '');
    expect(read).toBe('명절특가!20,000원');
    expect(structured.psd_url).toContain(`/jobs/${structured.job_id}/artifacts/layers.psd`);
    expect(structured.html_url).toContain(`/jobs/${structured.job_id}/artifacts/layers.html`);
    const preview = done.result.content.find((c: Json) => c.type === 'image');
    expect((await sharp(Buffer.from(preview.data, 'base64')).metadata()).format).toBe('jpeg');
    const links = done.result.content.filter((c: Json) => c.type === 'resource_link').map((c: Json) => c.uri);
    expect(links).toEqual(expect.arrayContaining([`nanococoa://jobs/${structured.job_id}/layer_00.png`, `nanococoa://jobs/${structured.job_id}/layers.psd`, `nanococoa://jobs/${structured.job_id}/layers.zip`]));
  });

  it('cancels a task: an empty ack, the job stopped, the task cancelled; cancelling again is the same ack', async () => {
    const created = await callTool(url, SHOP_A, 'generate_ad_image', { product_image: dataUrl(samplePhoto()), text_content: '취소될 광고', placements: ['1:1', '4:5', '9:16'] });
    // The ack on the wire: resultType "complete" and nothing of the task (its state is for tasks/get).
    const ack = await rawRequest(url, SHOP_A, 'tasks/cancel', { taskId: created.taskId }, created.taskId);
    expect(ack.resultType).toBe('complete');
    expect(Object.keys(ack).filter((k) => !['resultType', '_meta'].includes(k))).toEqual([]);
    const done = (await pollTask(a, created.taskId)).at(-1)!;
    expect(done.status).toBe('cancelled');
    expect(done).not.toHaveProperty('result');
    const job = (await (await fetch(`${url}/status/${created.taskId}?include_images=false&include_metrics=false`, { headers: { Authorization: `Bearer ${SHOP_A}` } })).json()) as Json;
    expect(job.status).toBe('stopped');
    expect(Object.keys(await cancelTask(a, created.taskId)).filter((k) => k !== '_meta')).toEqual([]);
    expect(await rpcError(getTask(a, '3f1c1d3e-0000-4000-8000-000000000000'))).toMatchObject({ code: -32602 });
  });

  it('without the extension: tasks/* answer -32021 and a job tool is a plain synchronous call', async () => {
    const plain = await modernClient(url, SHOP_A, false);
    try {
      const error = await rpcError(getTask(plain, '3f1c1d3e-0000-4000-8000-000000000000'));
      expect(error).toMatchObject({ code: -32021 });
      const started = await plain.callTool({ name: 'generate_ad_image', arguments: { product_image: dataUrl(samplePhoto()), text_content: '동기 호출' } });
      expect(started).not.toHaveProperty('taskId');
      expect(started.structuredContent).toMatchObject({ status: 'pending' });
      await plain.callTool({ name: 'stop_generation', arguments: { job_id: (started.structuredContent as Json).job_id } });
    } finally {
      await plain.close();
    }
  });

  it('asks a client that can show a form for the copy when the call has none (input required), and uses the answer', async () => {
    const asked: string[] = [];
    const client = new Client({ name: 'nanococoa-form-test', version: '1.0.0' }, { capabilities: { elicitation: { form: {} } }, versionNegotiation: { mode: { pin: '2026-07-28' } } });
    client.setRequestHandler('elicitation/create', async (request) => {
      asked.push(request.params.message);
      return asked.length === 1 ? { action: 'accept', content: { text_content: '주말 특가 5,000원' } } : { action: 'decline' };
    });
    await client.connect(new StreamableHTTPClientTransport(new URL('/mcp', url), { requestInit: { headers: { Authorization: `Bearer ${SHOP_A}` } } }));
    const parametersOf = async (result: Json) => {
      const id = result.structuredContent.job_id as string;
      await client.callTool({ name: 'stop_generation', arguments: { job_id: id } });
      const res = await fetch(`${url}/status/${id}?include_images=false&include_metrics=false`, { headers: { Authorization: `Bearer ${SHOP_A}` } });
      return ((await res.json()) as Json).parameters as Json;
    };
    try {
      const answered = await client.callTool({ name: 'generate_ad_image', arguments: { product_image: dataUrl(samplePhoto()) } });
      expect(asked).toHaveLength(1);
      expect(asked[0]).toMatch(/What should the ad say/);
      expect((await parametersOf(answered)).text_content).toBe('주말 특가 5,000원');
      // Declined: an ad without text, as an empty text_content asks for.
      const declined = await client.callTool({ name: 'generate_ad_image', arguments: { product_image: dataUrl(samplePhoto()) } });
      expect(asked).toHaveLength(2);
      expect((await parametersOf(declined)).text_content ?? '').toBe('');
      // The copy given: nothing to ask.
      await parametersOf(await client.callTool({ name: 'generate_ad_image', arguments: { product_image: dataUrl(samplePhoto()), text_content: '' } }));
      expect(asked).toHaveLength(2);
    } finally {
      await client.close();
    }
  });

  it('keeps answering for a task across a server restart, and inlines the result once the job finishes', async () => {
    const created = await callTool(url, SHOP_A, 'generate_ad_image', { product_image: dataUrl(samplePhoto()), text_content: '재시작에도 살아남는 광고' });
    for (let task = await getTask(a, created.taskId); task.status === 'working' && task._meta['io.nanococoa/progress'].progress_percent === 0; task = await getTask(a, created.taskId)) {
      await new Promise((r) => setTimeout(r, 100));
    }
    // Nest requeues the running job on SIGTERM; the restarted instance (same DATA_DIR) takes it back.
    server.kill('SIGTERM');
    await exited(server);
    await a.close();
    server = startServer(dataDir, port, database?.url);
    await waitHealthy(url, server);
    a = await modernClient(url, SHOP_A);
    const done = (await pollTask(a, created.taskId)).at(-1)!;
    expect(done.status).toBe('completed');
    expect(done.result.structuredContent).toMatchObject({ job_id: created.taskId, status: 'completed' });
    const job = (await (await fetch(`${url}/status/${created.taskId}?include_images=false&include_metrics=false`, { headers: { Authorization: `Bearer ${SHOP_A}` } })).json()) as Json;
    expect(job.attempts).toBe(2); // it ran on both instances
  });
});
