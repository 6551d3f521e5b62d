import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadConfig } from '../src/config/app-config';
import { OnnxModelLoader } from '../src/models/onnx-model.loader';
import { packagedIsnetManifests } from '../src/vision/segmentation/isnet-package';
import type { Row } from './bench-helpers';

const MODEL = 'isnet-medium-768';

interface Load {
  ms: number;
  stallMs: number;
}

/** In a fresh process (a restarted server): one load of the first look's ISNet, and the main thread's longest stall meanwhile. */
async function loadOnce(cacheDir: string, cache: boolean): Promise<Load> {
  const manifest = packagedIsnetManifests().find((m) => m.id === MODEL);
  if (!manifest) throw new Error(`${MODEL} is not in the ISNet package`);
  const loader = new OnnxModelLoader(loadConfig({ LOG_LEVEL: 'error' }, { ORT_CACHE: cache, ORT_CACHE_DIR: cacheDir }));
  let stallMs = 0;
  let last = performance.now();
  const tick = setInterval(() => {
    const now = performance.now();
    stallMs = Math.max(stallMs, now - last - 10);
    last = now;
  }, 10);
  const started = performance.now();
  const model = await loader.load(manifest);
  const ms = performance.now() - started;
  clearInterval(tick);
  await model.dispose();
  return { ms, stallMs };
}

/**
 * Section `model-load`: ISNet (the 768 px first look) loaded by a fresh process, as after a
 * restart, from the package (ORT_CACHE=false) and from the optimized copy ORT_CACHE keeps,
 * alternating, each in its own process.
 */
export function benchModelLoad(rows: Row[], runs = 4): void {
  const cacheDir = mkdtempSync(path.join(os.tmpdir(), 'nanococoa-ort-cache-'));
  const child = (cache: boolean): Load =>
    JSON.parse(execFileSync(process.execPath, [__filename, cacheDir, String(cache)], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] })) as Load;
  try {
    child(true); // builds the copy
    const loads: Record<'package' | 'copy', Load[]> = { package: [], copy: [] };
    for (let i = 0; i < runs; i++) {
      loads.package.push(child(false));
      loads.copy.push(child(true));
    }
    for (const [from, list] of Object.entries(loads)) {
      rows.push({ what: `${MODEL} loaded by a fresh process, from the ${from === 'copy' ? 'optimized copy (ORT_CACHE)' : 'package (ORT_CACHE=false)'}`, value: list.map((l) => l.ms), unit: 'ms' });
      rows.push({ what: `  the same: the main thread's longest stall meanwhile`, value: list.map((l) => l.stallMs), unit: 'ms' });
    }
  } finally {
    rmSync(cacheDir, { recursive: true, force: true });
  }
}

if (require.main === module) {
  const [cacheDir, cache] = process.argv.slice(2);
  loadOnce(cacheDir, cache === 'true').then(
    (load) => {
      process.stdout.write(JSON.stringify(load));
      process.exit(0);
    },
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
}
