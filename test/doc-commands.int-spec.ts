import { after, before, describe, it } from 'node:test';
import { expect } from 'expect';
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { REPO_ROOT, startTestApp, type TestApp } from './helpers/test-app';

interface Block {
  file: string;
  line: number;
  text: string;
  /** The block's first command: what NOT_RUN names it by. */
  first: string;
}

/** Every ```bash block of the README and docs/, indented ones (inside a list) included. */
function shellBlocks(): Block[] {
  const files = ['README.md', ...readdirSync(path.join(REPO_ROOT, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)];
  const blocks: Block[] = [];
  for (const file of files) {
    const lines = readFileSync(path.join(REPO_ROOT, file), 'utf8').split('\n');
    for (let i = 0; i < lines.length; i++) {
      const open = /^(\s*)```(bash|sh|shell)\s*$/.exec(lines[i]);
      if (!open) continue;
      const body: string[] = [];
      for (i++; i < lines.length && !/^\s*```\s*$/.test(lines[i]); i++) body.push(lines[i].slice(open[1].length));
      const first = body.find((l) => l.trim() && !l.trim().startsWith('#'))?.trim() ?? '';
      blocks.push({ file, line: i - body.length, text: body.join('\n'), first });
    }
  }
  return blocks;
}

/**
 * Blocks this suite does not run, by the start of their first command, and why. Anything else
 * runs as written against a real server (only the port differs); a new block must run here or
 * be named here with its reason, so the docs cannot rot unnoticed again.
 */
const NOT_RUN: Array<[string, string]> = [
  ['bash scripts/setup.sh', 'the set-up line itself: CI runs it first, on a fresh machine'],
  ['npm test', 'this suite is part of it'],
  ['npm run lint', 'CI runs lint, the suite and the bench; migrations run at every boot'],
  ['npm run models:pull', 'downloads weights from Hugging Face: no internet here (the catalog is tested offline)'],
  ['claude mcp add', 'needs Claude Code; the MCP suite and the Inspector CLI cover /mcp'],
  ['docker compose', 'no Docker engine here: scripts/check-image.sh builds and runs the image, check-compose.mjs renders compose'],
  ['curl -s https://api.openai.com', 'a hosted API: test/providers.int-spec.ts runs its protocol against a local server'],
  ['curl -s http://gpu-host', 'a GPU server: test/providers.int-spec.ts runs its protocol against a local server'],
  ['vllm serve', 'a GPU server: test/providers.int-spec.ts runs its protocol against a local server'],
  ['LAYERED_API_BASE_URL=', 'a hosted API: test/layered-provider.int-spec.ts runs its protocol against a local server'],
  ["API_KEYS='", 'settings to choose, not commands'],
];

const reasonFor = (block: Block) => NOT_RUN.find(([start]) => block.first.startsWith(start))?.[1];

/** Runs a block as a reader pastes it into bash in a checkout, failing on the first failed command. */
function runBlock(block: Block, cwd: string, port: number): Promise<{ code: number | null; out: string }> {
  const script = `set -eo pipefail\n${block.text.replaceAll('localhost:8000', `127.0.0.1:${port}`)}`;
  return new Promise((resolve, reject) => {
    const child = spawn('bash', ['-c', script], { cwd, env: { ...process.env, NODE_ENV: 'production' } });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, out }));
  });
}

describe('the shell commands in the README and docs/ run as written', () => {
  let t: TestApp;
  let checkout: string;
  const blocks = shellBlocks();

  before(async () => {
    t = await startTestApp({ RENDER_PAGES: 1 });
    // A checkout as a reader has it after set-up: everything but build output, so `npm run`
    // builds its own dist/ and the files the commands write stay out of the repository.
    checkout = mkdtempSync(path.join(tmpdir(), 'nanococoa-docs-'));
    for (const entry of readdirSync(REPO_ROOT)) if (!['dist', 'data', '.git'].includes(entry)) symlinkSync(path.join(REPO_ROOT, entry), path.join(checkout, entry));
  });
  after(async () => {
    await t?.close();
    rmSync(checkout, { recursive: true, force: true });
  });

  it('finds the blocks, and every one is either run or named with its reason', () => {
    expect(blocks.length).toBeGreaterThan(10);
    expect(blocks.filter((b) => !b.first)).toEqual([]);
  });

  for (const block of blocks.filter((b) => !reasonFor(b))) {
    it(`${block.file}:${block.line}: ${block.first.slice(0, 60)}`, async () => {
      const { code, out } = await runBlock(block, checkout, Number(new URL(t.url).port));
      if (code !== 0) throw new Error(`exit ${code}\n${out.slice(-3000)}`);
      // A refused request still exits 0 under curl -s: no error envelope may come back either.
      expect(out).not.toMatch(/"error":\{"code"/);
    });
  }
});
