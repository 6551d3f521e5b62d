// Runs the compiled test files with Node's own test runner, so tests load modules exactly as
// production does (NestJS 12 ships ES modules, which Node 20.19+ can require natively).
// Usage: node scripts/run-tests.mjs [unit|integration|all] [name filter]
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

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

// Unit specs are independent and CPU-light: two at a time. Integration suites each start
// PostgreSQL and ONNX Runtime: one at a time on a 2-core machine.
// The suites that run jobs through the in-process app run a second time on a real S3 API
// (s3rver), so both artifact drivers are covered; storage-s3 and multi-instance use S3 already.
const S3_SUITES = ['jobs-api', 'job-kinds', 'job-runner', 'stage2', 'mcp', 'admin', 'security', 'webhooks'];
const integration = find('dist/test', '.int-spec.js');
const suites = {
  unit: { files: [...find('dist/src', '.spec.js'), ...find('dist/test', '.spec.js').filter((f) => !f.endsWith('.int-spec.js'))], concurrency: 2 },
  integration: { files: integration, concurrency: 1 },
  'integration-s3': {
    files: integration.filter((f) => S3_SUITES.some((name) => f.endsWith(`/${name}.int-spec.js`))),
    concurrency: 1,
    env: { TEST_STORAGE_DRIVER: 's3' },
  },
};
let failed = false;
for (const [name, suite] of Object.entries(suites)) {
  if (which !== 'all' && which !== name && !(which === 'integration' && name === 'integration-s3')) continue;
  if (suite.files.length === 0) continue;
  console.log(`\n# ${name}: ${suite.files.length} file(s)`);
  const result = spawnSync(
    process.execPath,
    ['--test', `--test-concurrency=${suite.concurrency}`, '--test-timeout=600000', '--test-reporter=spec', ...suite.files],
    { stdio: 'inherit', env: { ...process.env, NODE_ENV: 'test', ...suite.env } },
  );
  if (result.status !== 0) failed = true;
}
// MCP Inspector CLI and the conformance suite against the built server.
if (which === 'all' || which === 'mcp') {
  console.log('\n# mcp: inspector-cli and conformance scenarios');
  const result = spawnSync(process.execPath, ['scripts/mcp-checks.mjs'], { stdio: 'inherit' });
  if (result.status !== 0) failed = true;
}
process.exit(failed ? 1 : 0);
