// Runs the MCP Inspector CLI (2.x) and the @modelcontextprotocol/conformance server scenarios that
// apply to nanoCocoa against the built server (dist/src/main.js) on a free local port.
import { execFile, spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

// The scenarios that test a server's own protocol behaviour. The others drive fixtures of the
// reference "everything" server (test_* tools, test:// resources, test prompts) or features
// nanoCocoa does not offer (completions, subscriptions, sampling, elicitation): see README.
const SCENARIOS = [
  'server-initialize',
  'ping',
  'logging-set-level',
  'tools-list',
  'resources-list',
  'prompts-list',
  'server-sse-multiple-streams',
  'dns-rebinding-protection',
];

const port = await new Promise((done) => {
  const probe = createServer().listen(0, '127.0.0.1', () => {
    const { port: p } = probe.address();
    probe.close(() => done(p));
  });
});
const dataDir = mkdtempSync(join(tmpdir(), 'nanococoa-mcp-'));
chmodSync(dataDir, 0o755);
const server = spawn(process.execPath, ['dist/src/main.js'], {
  env: { ...process.env, DATA_DIR: dataDir, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn', RENDER_PREWARM: 'false' },
  stdio: ['ignore', 'ignore', 'inherit'],
});
const url = `http://localhost:${port}`;
let passed = 0;
let failed = 0;
const check = (name, ok, detail = '') => {
  console.log(`${ok ? 'ok    ' : 'FAILED'} ${name}${detail ? `: ${detail}` : ''}`);
  if (ok) passed += 1;
  else failed += 1;
};

try {
  for (let i = 0; ; i++) {
    if (await fetch(`${url}/health`).then((r) => r.ok, () => false)) break;
    if (i > 300 || server.exitCode !== null) throw new Error('the server did not start');
    await new Promise((r) => setTimeout(r, 200));
  }
  // The Inspector 2.x CLI; any catalog it keeps goes to a temporary file, not the user's home.
  const inspector = (args) =>
    run(process.execPath, ['node_modules/.bin/mcp-inspector', '--cli', ...args], {
      timeout: 120_000,
      maxBuffer: 1 << 24,
      env: { ...process.env, MCP_CATALOG_PATH: join(dataDir, 'inspector.json') },
    });
  const listed = JSON.parse((await inspector(['--server-url', `${url}/mcp`, '--transport', 'http', '--method', 'tools/list'])).stdout);
  const names = listed.tools.map((t) => t.name);
  check('inspector tools/list over Streamable HTTP', names.includes('generate_ad_image') && names.length >= 7, names.join(', '));
  const called = JSON.parse(
    (await inspector(['--server-url', `${url}/mcp/sse`, '--transport', 'sse', '--method', 'tools/call', '--tool-name', 'list_fonts', '--tool-arg', 'script=Hangul'])).stdout,
  );
  check('inspector tools/call list_fonts over HTTP+SSE', !called.isError && JSON.stringify(called).includes('NanumGothic'));

  for (const scenario of SCENARIOS) {
    const out = await run('npx', ['--no-install', 'conformance', 'server', '--url', `${url}/mcp`, '--scenario', scenario], { timeout: 120_000 }).then(
      (r) => r.stdout + r.stderr,
      (e) => `${e.stdout ?? ''}${e.stderr ?? ''}`,
    );
    const summary = /Passed: (\d+)\/(\d+), (\d+) failed/.exec(out);
    check(`conformance ${scenario}`, Boolean(summary) && summary[3] === '0', summary ? summary[0] : out.slice(-300));
  }
} catch (error) {
  check('mcp checks', false, error instanceof Error ? error.message : String(error));
} finally {
  server.kill('SIGTERM');
  await new Promise((r) => server.once('exit', r));
  rmSync(dataDir, { recursive: true, force: true });
}
console.log(`mcp: ${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
