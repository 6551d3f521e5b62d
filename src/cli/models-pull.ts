import { createHash } from 'node:crypto';
import { createWriteStream, existsSync } from 'node:fs';
import { mkdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { loadConfig } from '../config/app-config';
import {
  estimateVramMb,
  installedManifests,
  manifestsDir,
  PULLABLE_MODELS,
  type PullableEntry,
  type PullableFolderModel,
  type PullableModel,
} from '../models/model-catalog';
import type { ModelFileSpec, ModelManifest } from '../models/model.types';

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
    await download(model.id, model.url, target, { bytes: model.bytes, sha256: model.sha256 });
  }
  const manifest: ModelManifest = { ...model.manifest, source: { kind: 'file', path: model.file }, files: [{ path: model.file, url: model.url, sha256: model.sha256, bytes: model.bytes }] };
  await mkdir(manifestsDir(modelsDir), { recursive: true });
  await writeFile(path.join(manifestsDir(modelsDir), `${model.id}.json`), `${JSON.stringify(manifest, null, 2)}\n`);
  console.log(`${model.id}: installed (${target})`);
}

/**
 * A folder model (CLIP: tokenizer and config JSON plus two ONNX graphs). Files without a URL
 * must already be there (a local export); files without a pinned checksum get the sha256 this
 * pull saw printed and written into the manifests, so later changes can be noticed.
 */
async function pullFolder(model: PullableFolderModel, modelsDir: string): Promise<void> {
  const folder = path.join(modelsDir, model.folder);
  const unobtainable = model.files.filter((f) => !f.url && !existsSync(path.join(folder, f.path)));
  if (unobtainable.length) {
    const command = (model.exportCommand ?? '').replaceAll('$MODELS_DIR', modelsDir);
    throw new Error(
      `${model.id}: ${unobtainable.map((f) => f.path).join(', ')} have no public download. Export them into ${folder} with:\n  ${command}\n` +
        `then run this command again.`,
    );
  }
  const seen: ModelFileSpec[] = [];
  for (const file of model.files) {
    const target = path.join(folder, file.path);
    const label = `${model.id}/${file.path}`;
    const present = existsSync(target) ? { bytes: (await stat(target)).size, sha256: await sha256(target) } : null;
    const matches = present && (!file.bytes || present.bytes === file.bytes) && (!file.sha256 || present.sha256 === file.sha256);
    let got = present;
    if (!matches) {
      if (!file.url) throw new Error(`${label}: got ${present?.bytes} bytes with sha256 ${present?.sha256}; expected ${file.bytes} bytes, ${file.sha256}`);
      await mkdir(path.dirname(target), { recursive: true });
      got = await download(label, file.url, target, file);
    }
    if (!got) throw new Error(`${label}: missing`);
    if (!file.sha256) console.log(`${label}: no published checksum to compare with; sha256 ${got.sha256} (${got.bytes} bytes) recorded`);
    seen.push({ path: path.join(model.folder, file.path), url: file.url, sha256: got.sha256, bytes: got.bytes });
  }
  await mkdir(manifestsDir(modelsDir), { recursive: true });
  for (const { onnx, ...rest } of model.manifests) {
    const source = path.join(model.folder, onnx);
    const onnxBytes = seen.find((f) => f.path === source)?.bytes ?? 0;
    const manifest: ModelManifest = { ...rest, estimatedVramMb: estimateVramMb(onnxBytes), source: { kind: 'file', path: source }, files: seen };
    await writeFile(path.join(manifestsDir(modelsDir), `${rest.id}.json`), `${JSON.stringify(manifest, null, 2)}\n`);
  }
  console.log(`${model.id}: installed (${folder})`);
}

/** Streams `url` to `target` via a .part file; rejects a size or sha256 that differs from a pinned one. */
async function download(label: string, url: string, target: string, expected: { bytes?: number; sha256?: string }): Promise<{ bytes: number; sha256: string }> {
  const partial = `${target}.part`;
  const size = !expected.bytes ? '' : expected.bytes < 2 ** 20 ? ` ${Math.ceil(expected.bytes / 1024)} kB` : ` ${(expected.bytes / 2 ** 20).toFixed(0)} MB`;
  console.log(`${label}: downloading${size} from ${url}`);
  const res = await fetch(url, { redirect: 'follow' });
  if (!res.ok || !res.body) throw new Error(`${label}: HTTP ${res.status} from ${url}`);
  const hash = createHash('sha256');
  let received = 0;
  let lastReport = 0;
  const body = Readable.fromWeb(res.body as import('node:stream/web').ReadableStream<Uint8Array>);
  body.on('data', (chunk: Buffer) => {
    hash.update(chunk);
    received += chunk.length;
    if (expected.bytes && received - lastReport > 50 * 2 ** 20) {
      lastReport = received;
      process.stderr.write(`  ${((received / expected.bytes) * 100).toFixed(0)}%\n`);
    }
  });
  await pipeline(body, createWriteStream(partial));
  const digest = hash.digest('hex');
  if ((expected.bytes && received !== expected.bytes) || (expected.sha256 && digest !== expected.sha256)) {
    await rm(partial, { force: true });
    throw new Error(`${label}: got ${received} bytes with sha256 ${digest}; expected ${expected.bytes} bytes, ${expected.sha256}`);
  }
  await rename(partial, target);
  return { bytes: received, sha256: digest };
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
      const ids = m.kind === 'folder' ? m.manifests.map((x) => x.id) : [m.id];
      const installed = ids.every((id) => manifests.some((i) => i.id === id)) ? ' [installed]' : '';
      const bytes = m.kind === 'folder' ? m.files.reduce((sum, f) => sum + (f.bytes ?? 0), 0) : m.bytes;
      const description = m.kind === 'folder' ? m.description : m.manifest.description;
      console.log(`  ${m.id.padEnd(18)} ${bytes ? (bytes / 2 ** 20).toFixed(0).padStart(5) + ' MB' : '    ? MB'}  ${description}${installed}`);
    }
    console.log('\nUsage: npm run models:pull -- <id> [<id> ...]');
    return;
  }
  await mkdir(config.modelsDir, { recursive: true });
  for (const id of ids) {
    const model: PullableEntry | undefined = PULLABLE_MODELS.find((m) => m.id === id);
    if (!model) throw new Error(`unknown model ${id}; choices: ${PULLABLE_MODELS.map((m) => m.id).join(', ')}`);
    if (model.kind === 'folder') await pullFolder(model, config.modelsDir);
    else await pull(model, config.modelsDir);
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : String(error));
  process.exit(1);
});
