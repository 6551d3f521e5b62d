// Which test files touch what changed, for the inner loop (npm run test:changed): a test file
// is picked when it, or any source file it reaches through relative imports, changed since
// TEST_CHANGED_BASE (default HEAD: the uncommitted work; e.g. main for a branch's whole diff).
// The README and docs/ pick the suite that runs their commands, views/ and public/ the admin
// suites; anything else outside src/, test/ and bench/ (package.json, scripts/...) everything.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';

const IMPORT = /(?:from|import)\s*\(?\s*['"](\.{1,2}\/[^'"]+)['"]/g;

function changedFiles() {
  const base = process.env.TEST_CHANGED_BASE ?? 'HEAD';
  const git = (...args) => execFileSync('git', args, { encoding: 'utf8' }).split('\n').filter(Boolean);
  return new Set([...git('diff', '--name-only', base), ...git('ls-files', '--others', '--exclude-standard')]);
}

/** The .ts files a file reaches through relative imports, itself included. */
function closure(start, cache) {
  const seen = new Set();
  const stack = [start];
  while (stack.length) {
    const file = stack.pop();
    if (seen.has(file)) continue;
    seen.add(file);
    let imports = cache.get(file);
    if (!imports) {
      const text = existsSync(file) ? readFileSync(file, 'utf8') : '';
      imports = [...text.matchAll(IMPORT)].map((m) => normalize(join(dirname(file), m[1]))).map((p) => (existsSync(`${p}.ts`) ? `${p}.ts` : p));
      cache.set(file, imports);
    }
    stack.push(...imports.filter((p) => p.endsWith('.ts')));
  }
  return seen;
}

/** The compiled unit specs and integration suites (dist/ paths) to run for the current changes. */
export function suitesForChanges() {
  const changed = changedFiles();
  const extra = new Set();
  let everything = false;
  for (const f of changed) {
    if (/^(src|test|bench)\/.*\.ts$/.test(f)) continue;
    if (f === 'README.md' || f.startsWith('docs/')) extra.add('test/doc-commands.int-spec.ts');
    else if (f.startsWith('views/') || f.startsWith('public/')) extra.add('test/admin.int-spec.ts').add('test/admin-access.int-spec.ts');
    else if (!f.startsWith('samples/')) everything = true;
  }
  const sources = (dir, suffix) =>
    execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard', dir], { encoding: 'utf8' })
      .split('\n')
      .filter((f) => f.endsWith(suffix));
  const cache = new Map();
  const touches = (f) => everything || extra.has(f) || [...closure(f, cache)].some((dep) => changed.has(dep));
  const pick = (files) => files.filter(touches).map((f) => `dist/${f.replace(/\.ts$/, '.js')}`);
  const specs = [...sources('src', '.spec.ts'), ...sources('test', '.spec.ts')].filter((f) => !f.endsWith('.int-spec.ts'));
  return { unit: pick(specs), integration: pick(sources('test', '.int-spec.ts')) };
}
