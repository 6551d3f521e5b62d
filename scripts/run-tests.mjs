// Runs the compiled tests with Node's own test runner, so tests load modules exactly as
// production does (NestJS 12 ships ES modules, which Node 20.19+ can require natively).
// Usage: node scripts/run-tests.mjs [unit|integration|mcp|all] [name filter]
//        node scripts/run-tests.mjs changed   (the suites that touch what git says changed)
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { suitesForChanges } from './changed-suites.mjs';

const require = createRequire(import.meta.url);
const [which = 'all', filter = ''] = process.argv.slice(2);

function find(dir, suffix) {
  let out = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out = out.concat(find(path, suffix));
    // tsc never deletes the output of a removed source: only run specs whose .ts still exists.
    else if (name.endsWith(suffix) && path.includes(filter) && existsSync(path.replace(/^dist\//, '').replace(/\.js$/, '.ts'))) out.push(path);
  }
  return out.sort();
}

const integration = find('dist/test', '.int-spec.js');
// These measure time against a clock (leases expiring, a server killed and restarted, boot
// deadlines) or start several servers of their own: they run alone, after the others.
const ALONE = ['multi-instance', 'crash-recovery', 'storage-faults'];
const alone = (f) => ALONE.some((name) => f.endsWith(`/${name}.int-spec.js`));
// The suites whose storage-touching tests run again on a real S3 API (s3rver); a test that
// does not read, serve or delete files skips itself there (FS_ONLY in test/helpers/test-app.ts).
// The store's own contract runs on both drivers in artifact-store.int-spec. The admin pages read
// and serve files only through the routes and services these suites cover.
const S3_SUITES = ['jobs-api', 'job-kinds', 'job-runner', 'stage2', 'mcp', 'security', 'webhooks'];

// The longest suites start first, so the pool does not end on one of them running alone
// (longest-first keeps both workers busy to the end), by the file times npm test prints.
const LONGEST_FIRST = ['composition', 'design-decomposition', 'providers', 'doc-commands', 'decompose', 'admin', 'mcp-tasks'];
const rank = (f) => {
  const i = LONGEST_FIRST.findIndex((name) => f.endsWith(`/${name}.int-spec.js`));
  return i < 0 ? LONGEST_FIRST.length : i;
};
const longestFirst = (files) => [...files].sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));

let suites = {
  unit: { files: [...find('dist/src', '.spec.js'), ...find('dist/test', '.spec.js').filter((f) => !f.endsWith('.int-spec.js'))], concurrency: 2 },
  // Two at a time on two cores: most suites wait on I/O (HTTP, Chromium, PostgreSQL) much of the time.
  integration: { files: longestFirst(integration.filter((f) => !alone(f))), concurrency: 2 },
  'integration-alone': { files: integration.filter(alone), concurrency: 1 },
  'integration-s3': {
    files: integration.filter((f) => S3_SUITES.some((name) => f.endsWith(`/${name}.int-spec.js`))),
    concurrency: 2,
    env: { TEST_STORAGE_DRIVER: 's3' },
  },
};
if (which === 'changed') {
  const wanted = suitesForChanges();
  console.log(`changed: ${wanted.unit.length} unit spec(s), ${wanted.integration.length} integration suite(s) touch what changed`);
  for (const [name, suite] of Object.entries(suites)) suite.files = suite.files.filter((f) => (name === 'unit' ? wanted.unit : wanted.integration).includes(f));
}
const selected = (name) => which === 'all' || which === 'changed' || which === name || (which === 'integration' && name.startsWith('integration'));
suites = Object.fromEntries(Object.entries(suites).filter(([name, suite]) => selected(name) && suite.files.length > 0));

const scratch = mkdtempSync(join(tmpdir(), 'nanococoa-run-'));
chmodSync(scratch, 0o755); // as root, the test PostgreSQL runs as the postgres user, who must reach its data dir
// One PostgreSQL for the run; each test app gets a database copied from a migrated template.
const cluster = Object.keys(suites).some((n) => n.startsWith('integration'))
  ? await require('../dist/test/helpers/test-cluster.js').startTestCluster(scratch)
  : null;
/**
 * A child's exit status, waited for without blocking this process: the test PostgreSQL writes its
 * log into a pipe this process reads, and a synchronous wait left that pipe unread until it filled
 * and every backend that logged hung mid-statement (two suites' databases stuck in CREATE EXTENSION).
 */
function run(args, env) {
  return new Promise((resolve) => {
    spawn(process.execPath, args, { stdio: 'inherit', env })
      .on('error', (error) => {
        console.error(error);
        resolve(1);
      })
      .on('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });
}

let failed = false;
const started = Date.now();
const phases = [];
try {
  for (const [name, suite] of Object.entries(suites)) {
    console.log(`\n# ${name}: ${suite.files.length} file(s)`);
    const phaseStarted = Date.now();
    // Suites run side by side share the cores: each one's inferences get its share of them.
    const threads = String(Math.max(1, Math.floor(availableParallelism() / suite.concurrency)));
    const status = await run(
      [
        '--test',
        `--test-concurrency=${suite.concurrency}`,
        '--test-timeout=600000',
        '--test-reporter=spec',
        '--test-reporter-destination=stdout',
        '--test-reporter=./scripts/test-timings-reporter.mjs',
        `--test-reporter-destination=${join(scratch, `${name}.jsonl`)}`,
        ...suite.files,
      ],
      // The compile cache spares each of the ~40 processes compiling the same libraries again.
      // One folder of optimized model copies for the run: the first app to load ISNet builds its copy, the rest read it.
      {
        ORT_INTRA_OP_THREADS: threads,
        ORT_CACHE_DIR: join(scratch, 'ort-cache'),
        ...process.env,
        NODE_ENV: 'test',
        NODE_COMPILE_CACHE: join(scratch, 'compile-cache'),
        ...(cluster ? { TEST_PG_URL: cluster.url } : {}),
        ...suite.env,
      },
    );
    if (status !== 0) failed = true;
    phases.push(`${name} ${((Date.now() - phaseStarted) / 1000).toFixed(0)} s`);
  }
  // MCP Inspector CLI and the conformance suite against the built server.
  if (which === 'all' || which === 'mcp') {
    console.log('\n# mcp: inspector-cli and the conformance requirement sets');
    const phaseStarted = Date.now();
    const status = await run(['scripts/mcp-checks.mjs'], { ORT_CACHE_DIR: join(scratch, 'ort-cache'), ...process.env, ...(cluster ? { TEST_PG_URL: cluster.url } : {}) });
    if (status !== 0) failed = true;
    phases.push(`mcp ${((Date.now() - phaseStarted) / 1000).toFixed(0)} s`);
  }
  printSlowest(Object.keys(suites));
} finally {
  await cluster?.stop();
  rmSync(scratch, { recursive: true, force: true });
}
console.log(`\ntests ran in ${((Date.now() - started) / 1000).toFixed(0)} s (${phases.join(', ')})`);
process.exit(failed ? 1 : 0);

/** The ten slowest tests and files of the run, from the timings reporter's lines. */
function printSlowest(names) {
  const rows = names.flatMap((name) => {
    const file = join(scratch, `${name}.jsonl`);
    if (!existsSync(file)) return [];
    return readFileSync(file, 'utf8').trim().split('\n').filter(Boolean).map((line) => ({ ...JSON.parse(line), pass: name }));
  });
  const short = (f) => (f ?? '').replace(/^.*\/dist\//, '');
  const tests = rows.filter((r) => !r.suite).sort((a, b) => b.ms - a.ms).slice(0, 10);
  console.log('\n# the slowest ten tests');
  for (const t of tests) console.log(`${(t.ms / 1000).toFixed(1).padStart(6)} s  ${short(t.file)}${t.pass === 'integration-s3' ? ' (s3)' : ''}: ${t.name}`);
  const files = new Map();
  for (const r of rows.filter((r) => r.nesting === 0)) {
    const key = `${short(r.file)}${r.pass === 'integration-s3' ? ' (s3)' : ''}`;
    files.set(key, (files.get(key) ?? 0) + r.ms);
  }
  console.log('\n# the slowest ten files');
  for (const [file, ms] of [...files].sort((a, b) => b[1] - a[1]).slice(0, 10)) console.log(`${(ms / 1000).toFixed(1).padStart(6)} s  ${file}`);
}
