// Runs the MCP Inspector CLI (2.x) over /mcp and /mcp/sse, and the @modelcontextprotocol/conformance
// requirement sets of both protocol revisions, against the built server (dist/src/main.js) on a free port.
import { execFile, spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

// The conformance suite's requirement sets for the two protocol revisions /mcp serves. The
// baseline lists the checks that need the suite's own fixture tools, each with why.
const REQUIREMENTS = ['2026-07-28', '2025-11-25'];
const BASELINE = 'scripts/mcp-conformance-baseline.yml';
// What a baseline entry may excuse: a fixture of the suite's reference server, named in its
// comment. Anything else that fails is ours to fix, not to list.
const FIXTURE = /\b(test_\w+|test:\/\/[\w/-]+|greet|slow_compute|failing_job|protocol_error_job|confirm_delete|multi_input|json_schema_2020_12_tool)\b/;

const port = await new Promise((done) => {
  const probe = createServer().listen(0, '127.0.0.1', () => {
    const { port: p } = probe.address();
    probe.close(() => done(p));
  });
});
const dataDir = mkdtempSync(join(tmpdir(), 'nanococoa-mcp-'));
chmodSync(dataDir, 0o755);
// Under npm test the server gets a database on the run's PostgreSQL; alone, it starts its own.
const database = process.env.TEST_PG_URL
  ? await createRequire(import.meta.url)('../dist/test/helpers/test-cluster.js').testDatabase(process.env.TEST_PG_URL)
  : undefined;
const server = spawn(process.execPath, ['dist/src/main.js'], {
  env: { ...process.env, ...(database ? { DATABASE_URL: database.url } : {}), DATA_DIR: dataDir, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn', RENDER_PREWARM: 'false' },
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

  const entries = readFileSync(BASELINE, 'utf8').split('\n').filter((line) => /^\s*- /.test(line));
  const unexplained = entries.filter((line) => !FIXTURE.test(line.split('#')[1] ?? ''));
  check(`every baseline entry names the fixture it needs (${entries.length} entries)`, entries.length > 0 && unexplained.length === 0, unexplained.join('; '));
  for (const revision of REQUIREMENTS) {
    const out = await run('npx', ['--no-install', 'conformance', 'server', '--url', `${url}/mcp`, '--requirements', revision, '--expected-failures', BASELINE], {
      timeout: 300_000,
      maxBuffer: 1 << 24,
    }).then(
      (r) => ({ ok: true, text: r.stdout + r.stderr }),
      (e) => ({ ok: false, text: `${e.stdout ?? ''}${e.stderr ?? ''}` }),
    );
    const total = /Total: (\d+) passed, (\d+) failed/.exec(out.text);
    const unexpected = out.text.split('Unexpected failures')[1] ?? out.text.split('Stale baseline entries')[1] ?? out.text.slice(-600);
    check(`conformance --requirements ${revision} (baseline ${BASELINE})`, out.ok, total ? `${total[0]}, all failures in the baseline` : unexpected.slice(0, 1500));
  }
} catch (error) {
  check('mcp checks', false, error instanceof Error ? error.message : String(error));
} finally {
  server.kill('SIGTERM');
  await new Promise((r) => server.once('exit', r));
  await database?.drop();
  rmSync(dataDir, { recursive: true, force: true });
}
console.log(`mcp: ${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
