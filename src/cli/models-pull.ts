import { createHash } from 'node:crypto';
import { createWriteStream, existsSync } from 'node:fs';
import { mkdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { loadConfig } from '../config/app-config';
import { installedManifests, manifestsDir, PULLABLE_MODELS, type PullableModel } from '../models/model-catalog';
import type { ModelManifest } from '../models/model.types';

/**
 * Downloads model weights that no npm package ships, checks size and sha256, and installs a
 * manifest so the registry picks them up at the next start. Needs internet; the service never
 * downloads anything at run time.
 */
async function pull(model: PullableModel, modelsDir: string): Promise<void> {
  const target = path.join(modelsDir, model.file);
  if (existsSync(target) && (await stat(target)).size === model.bytes && (await sha256(target)) === model.sha256) {
    console.log(`${model.id}: already present and verified`);
  } else {
    const partial = `${target}.part`;
    console.log(`${model.id}: downloading ${(model.bytes / 2 ** 20).toFixed(0)} MB from ${model.url}`);
    const res = await fetch(model.url, { redirect: 'follow' });
    if (!res.ok || !res.body) throw new Error(`${model.id}: HTTP ${res.status} from ${model.url}`);
    const hash = createHash('sha256');
    let received = 0;
    let lastReport = 0;
    const body = Readable.fromWeb(res.body as import('node:stream/web').ReadableStream<Uint8Array>);
    body.on('data', (chunk: Buffer) => {
      hash.update(chunk);
      received += chunk.length;
      if (received - lastReport > 50 * 2 ** 20) {
        lastReport = received;
        process.stderr.write(`  ${((received / model.bytes) * 100).toFixed(0)}%\n`);
      }
    });
    await pipeline(body, createWriteStream(partial));
    const digest = hash.digest('hex');
    if (received !== model.bytes || digest !== model.sha256) {
      await rm(partial, { force: true });
      throw new Error(`${model.id}: got ${received} bytes with sha256 ${digest}; expected ${model.bytes} bytes, ${model.sha256}`);
    }
    await rename(partial, target);
  }
  const manifest: ModelManifest = { ...model.manifest, source: { kind: 'file', path: model.file }, files: [{ path: model.file, url: model.url, sha256: model.sha256, bytes: model.bytes }] };
  await mkdir(manifestsDir(modelsDir), { recursive: true });
  await writeFile(path.join(manifestsDir(modelsDir), `${model.id}.json`), `${JSON.stringify(manifest, null, 2)}\n`);
  console.log(`${model.id}: installed (${target})`);
}

async function sha256(file: string): Promise<string> {
  const hash = createHash('sha256');
  const { createReadStream } = await import('node:fs');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

async function main(): Promise<void> {
  const config = loadConfig();
  const ids = process.argv.slice(2).filter((a) => !a.startsWith('-'));
  if (ids.length === 0 || process.argv.includes('--list')) {
    const { manifests } = installedManifests(config.modelsDir);
    console.log('Models this command can install (into MODELS_DIR=' + config.modelsDir + '):');
    for (const m of PULLABLE_MODELS) {
      const installed = manifests.some((i) => i.id === m.id) ? ' [installed]' : '';
      console.log(`  ${m.id.padEnd(18)} ${(m.bytes / 2 ** 20).toFixed(0).padStart(5)} MB  ${m.manifest.description}${installed}`);
    }
    console.log('\nUsage: npm run models:pull -- <id> [<id> ...]');
    return;
  }
  await mkdir(config.modelsDir, { recursive: true });
  for (const id of ids) {
    const model = PULLABLE_MODELS.find((m) => m.id === id);
    if (!model) throw new Error(`unknown model ${id}; choices: ${PULLABLE_MODELS.map((m) => m.id).join(', ')}`);
    await pull(model, config.modelsDir);
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : String(error));
  process.exit(1);
});
