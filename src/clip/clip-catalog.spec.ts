import { after, describe, it } from 'node:test';
import { expect } from 'expect';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import sharp from 'sharp';
import { loadConfig } from '../config/app-config';
import { estimateVramMb, installedManifests, PULLABLE_MODELS, type PullableFolderModel } from '../models/model-catalog';
import { ModelRegistry } from '../models/model-registry.service';
import { OnnxModelLoader } from '../models/onnx-model.loader';
import { CLIP_FOLDER_FILES } from './clip-assets';
import { ClipService } from './clip.service';
import { clipManifestIds, CLIP_MODEL_TYPES } from './clip.types';
import { TINY_CLIP_DIR } from './tiny-clip.testing';

const folderEntry = (id: string): PullableFolderModel => {
  const entry = PULLABLE_MODELS.find((m) => m.id === id);
  if (entry?.kind !== 'folder') throw new Error(`${id} is not a folder model`);
  return entry;
};
const PULL_CLI = path.join(__dirname, '..', 'cli', 'models-pull.js');
const pull = (modelsDir: string, id: string, preload: string[] = []) =>
  spawnSync(process.execPath, [...preload.flatMap((p) => ['--require', p]), PULL_CLI, id], {
    env: { ...process.env, MODELS_DIR: modelsDir },
    encoding: 'utf8',
    timeout: 60_000,
  });

/** A preload that answers every Hugging Face URL with the tiny model's file of the same name. */
function fakeHubPreload(dir: string): string {
  const file = path.join(dir, 'fake-hub.cjs');
  writeFileSync(
    file,
    `const fs = require('node:fs'); const path = require('node:path');
globalThis.fetch = async (url) => {
  const name = String(url).split('/resolve/')[1].split('/').slice(1).join('/');
  const local = path.join(${JSON.stringify(TINY_CLIP_DIR)}, name);
  return fs.existsSync(local) ? new Response(fs.readFileSync(local)) : new Response('not found', { status: 404 });
};`,
  );
  return file;
}
const sha256 = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');

describe('CLIP entries of the models:pull catalog', () => {
  const scratch: string[] = [];
  const tempModelsDir = () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'nanococoa-clip-'));
    scratch.push(dir);
    return dir;
  };
  after(() => scratch.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

  it('lists every file of each CLIP folder and one manifest per tower, named as the service looks them up', () => {
    for (const type of CLIP_MODEL_TYPES) {
      const entry = folderEntry(type);
      const paths = entry.files.map((f) => f.path);
      expect(paths).toEqual(expect.arrayContaining([...CLIP_FOLDER_FILES]));
      const ids = clipManifestIds(type);
      expect(entry.manifests.map((m) => [m.id, m.task])).toEqual([
        [ids.text, 'clip-text'],
        [ids.image, 'clip-image'],
      ]);
      for (const manifest of entry.manifests) expect(paths).toContain(manifest.onnx);
    }
  });

  it('pins clip to one revision with sizes and sha256 for every file', () => {
    for (const file of folderEntry('clip').files) {
      expect(file.url).toMatch(/^https:\/\/huggingface\.co\/Xenova\/clip-vit-base-patch32\/resolve\/[0-9a-f]{40}\//);
      expect(file.sha256).toMatch(/^[0-9a-f]{64}$/);
      expect(file.bytes).toBeGreaterThan(0);
    }
  });

  it('gives koclip no invented URLs for its ONNX graphs, but a command that exports them into place', () => {
    const entry = folderEntry('koclip');
    expect(entry.files.filter((f) => f.path.endsWith('.onnx')).every((f) => f.url === undefined)).toBe(true);
    expect(entry.exportCommand).toContain(`--model_id ${entry.folder}`);
    expect(entry.exportCommand).toContain('--split_modalities');
    expect(entry.exportCommand).toContain('$MODELS_DIR');
  });

  it('estimates device memory above the weights themselves', () => {
    expect(estimateVramMb(254_058_553)).toBeGreaterThan(254_058_553 / 2 ** 20);
    expect(estimateVramMb(351_685_709)).toBeGreaterThan(estimateVramMb(254_058_553));
  });

  it('models:pull koclip without the export fails with the command, downloading and installing nothing', () => {
    const modelsDir = tempModelsDir();
    const run = pull(modelsDir, 'koclip');
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('python -m scripts.convert --model_id Bingsu/clip-vit-base-patch32-ko');
    expect(run.stderr).toContain(`--output_parent_dir "${modelsDir}"`);
    expect(existsSync(path.join(modelsDir, 'manifests'))).toBe(false);
  });

  it('models:pull clip refuses a download whose sha256 differs from the pinned one, keeping nothing', () => {
    const modelsDir = tempModelsDir();
    const run = pull(modelsDir, 'clip', [fakeHubPreload(tempModelsDir())]);
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/clip\/config\.json: got \d+ bytes with sha256 [0-9a-f]{64}; expected 4524 bytes, 493ef57f/);
    expect(readdirSync(path.join(modelsDir, folderEntry('clip').folder))).toEqual([]);
    expect(existsSync(path.join(modelsDir, 'manifests'))).toBe(false);
  });

  it('models:pull koclip downloads the JSON files beside a local export and records what it got', () => {
    const modelsDir = tempModelsDir();
    const folder = path.join(modelsDir, folderEntry('koclip').folder);
    cpSync(path.join(TINY_CLIP_DIR, 'onnx'), path.join(folder, 'onnx'), { recursive: true });
    const run = pull(modelsDir, 'koclip', [fakeHubPreload(tempModelsDir())]);
    expect(run.status).toBe(0);
    for (const name of CLIP_FOLDER_FILES) {
      expect(run.stdout).toContain(`koclip/${name}: downloading`);
      expect(readFileSync(path.join(folder, name))).toEqual(readFileSync(path.join(TINY_CLIP_DIR, name)));
      expect(run.stdout).toContain(`koclip/${name}: no published checksum to compare with; sha256 ${sha256(path.join(folder, name))}`);
    }
    expect(installedManifests(modelsDir).manifests.map((m) => m.id).sort()).toEqual(['koclip-image', 'koclip-text']);
  });

  it('models:pull koclip over local files records their sha256 in manifests that the service then scores with', async () => {
    const modelsDir = tempModelsDir();
    const folder = path.join(modelsDir, folderEntry('koclip').folder);
    // Stands in for the export and for the JSON downloads: every file is already there.
    cpSync(TINY_CLIP_DIR, folder, { recursive: true });
    const run = pull(modelsDir, 'koclip');
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(run.stdout).toContain(`sha256 ${sha256(path.join(folder, 'onnx', 'text_model.onnx'))}`);

    const { manifests, problems } = installedManifests(modelsDir);
    expect(problems).toEqual([]);
    expect(manifests.map((m) => m.id).sort()).toEqual(['koclip-image', 'koclip-text']);
    for (const file of manifests[0].files ?? []) expect(file.sha256).toBe(sha256(path.join(modelsDir, file.path)));

    const config = loadConfig({ ORT_CACHE_DIR: process.env.ORT_CACHE_DIR }, { MODELS_DIR: modelsDir, ORT_INTRA_OP_THREADS: 1 });
    const registry = new ModelRegistry(config, new OnnxModelLoader(config));
    manifests.forEach((m) => registry.register(m));
    const service = new ClipService(registry, config);
    expect(service.installed('koclip')).toBe(true);
    expect(service.installed('clip')).toBe(false);
    const image = await sharp({ create: { width: 64, height: 48, channels: 3, background: '#c83' } }).png().toBuffer();
    const result = await service.score([image], ['신선한 커피 한 잔'], 'koclip');
    expect(result).toMatchObject({ modelType: 'koclip', modelId: 'Bingsu/clip-vit-base-patch32-ko', testModel: true });
    await registry.unloadIdle();
  });
});
