import { Injectable } from '@nestjs/common';
import { execFile } from 'node:child_process';
import { stat } from 'node:fs/promises';
import * as path from 'node:path';
import { CodePointSet } from './charset';

/** One face fontconfig knows: a file, or one face of a collection (TTC), or one named instance. */
export interface FontRecord {
  /** The family's first name (fontconfig lists the English one first). */
  family: string;
  /** Every family name the face declares, localized ones included (NanumGothic, 나눔고딕). */
  names: string[];
  style: string;
  /** CSS weight, 100..900. */
  weight: number;
  italic: boolean;
  /** fontconfig width: 100 normal, 75 condensed, 125 expanded. */
  width: number;
  /** The variable-font pattern itself; its named instances come as separate records. */
  variable: boolean;
  path: string;
  /** fontconfig index: the face in a collection in the low 16 bits, a named instance above. */
  index: number;
  langs: string[];
  charset: CodePointSet;
  source: 'system' | 'fonts-dir';
}

/** Formats a browser can load through @font-face; bitmap and Type 1 fonts are left out. */
export const LOADABLE_EXTENSIONS = new Set(['.ttf', '.otf', '.ttc', '.otc', '.woff', '.woff2']);

// Tab-separated so family names with spaces and commas survive; one face per line.
const FIELDS = ['family', 'style', 'weight', 'slant', 'width', 'variable', 'index', 'file', 'lang', 'charset'] as const;
const FORMAT = FIELDS.map((f) => `%{${f}}`).join('\t') + '\n';

const FC_LIST_TIMEOUT_MS = 15_000;
// fc-scan opens every file instead of reading fontconfig's cache: allow a big drop-in folder.
const FC_SCAN_TIMEOUT_MS = 60_000;
// Each face carries its charset (~5 KB for a CJK font); a desktop with 3,000 faces prints ~20 MB.
const MAX_OUTPUT_BYTES = 256 * 1024 * 1024;

/** fontconfig's weight scale to CSS: the table of FcWeightToOpenType, piecewise linear between points. */
const WEIGHT_POINTS: Array<[fc: number, css: number]> = [
  [0, 100],
  [40, 200],
  [50, 300],
  [80, 400],
  [100, 500],
  [180, 600],
  [200, 700],
  [205, 800],
  [210, 900],
];

/** Maps a fontconfig weight to the nearest CSS weight step (100..900). */
export function fontconfigWeightToCss(fcWeight: number): number {
  if (!Number.isFinite(fcWeight)) return 400;
  if (fcWeight <= 0) return 100;
  for (let i = 1; i < WEIGHT_POINTS.length; i++) {
    const [fc1, css1] = WEIGHT_POINTS[i];
    if (fcWeight <= fc1) {
      const [fc0, css0] = WEIGHT_POINTS[i - 1];
      const css = css0 + ((fcWeight - fc0) / (fc1 - fc0)) * (css1 - css0);
      return Math.round(css / 100) * 100;
    }
  }
  return 900;
}

/** Parses `fc-list`/`fc-scan` output printed with FORMAT. Faces in formats a browser cannot load are dropped. */
export function parseFontconfigOutput(stdout: string, source: FontRecord['source']): FontRecord[] {
  const records: FontRecord[] = [];
  for (const line of stdout.split('\n')) {
    const cols = line.split('\t');
    if (cols.length < FIELDS.length) continue;
    const [family, style, weight, slant, width, variable, index, file, lang, charset] = cols;
    const names = family.split(',').map((n) => n.trim()).filter(Boolean);
    if (names.length === 0 || !file || !LOADABLE_EXTENSIONS.has(path.extname(file).toLowerCase())) continue;
    // A variable font prints its weight as a range "[100 900]"; named instances print one value.
    const weights = (weight.match(/-?\d+(\.\d+)?/g) ?? []).map(Number);
    const isRange = weights.length > 1;
    records.push({
      family: names[0],
      names: [...new Set(names)],
      style: style.split(',')[0]?.trim() || 'Regular',
      weight: isRange ? 400 : fontconfigWeightToCss(weights[0] ?? 80),
      // fontconfig slant: 0 roman, 100 italic, 110 oblique. CSS treats oblique faces as italic ones when no italic exists.
      italic: Number(slant) >= 100,
      width: Number(width) || 100,
      variable: variable === 'True' || isRange,
      path: file,
      index: Number(index) || 0,
      langs: lang ? lang.split('|') : [],
      charset: CodePointSet.parseFontconfig(charset),
      source,
    });
  }
  return records;
}

/** The only code that runs fontconfig. Arguments go as arrays (no shell) and every call has a deadline. */
@Injectable()
export class FontsRepository {
  /** Every face the system's fontconfig knows, from its cache (fast: no font file is opened). */
  async listSystem(): Promise<FontRecord[]> {
    const stdout = await runFontconfig('fc-list', ['--format', FORMAT], FC_LIST_TIMEOUT_MS);
    return parseFontconfigOutput(stdout, 'system');
  }

  /** Every face in the files under `dir` (recursively); [] when the folder does not exist. */
  async scanDir(dir: string): Promise<FontRecord[]> {
    const info = await stat(dir).catch(() => null);
    if (!info?.isDirectory()) return [];
    // fc-scan exits 1 when the folder holds no font at all (only a README, say): that is not an error.
    const stdout = await runFontconfig('fc-scan', ['--format', FORMAT, dir], FC_SCAN_TIMEOUT_MS, [1]);
    return parseFontconfigOutput(stdout, 'fonts-dir');
  }
}

function runFontconfig(command: string, args: string[], timeout: number, okExitCodes: number[] = []): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(command, args, { timeout, maxBuffer: MAX_OUTPUT_BYTES, encoding: 'utf8', windowsHide: true }, (error, stdout, stderr) => {
      if (!error) return resolve(stdout);
      const err = error as NodeJS.ErrnoException & { code?: string | number; killed?: boolean };
      if (err.code === 'ENOENT') return reject(new Error(`${command} was not found: install fontconfig (apt-get install fontconfig)`));
      if (err.killed) return reject(new Error(`${command} did not finish within ${timeout} ms`));
      if (typeof err.code === 'number' && okExitCodes.includes(err.code)) return resolve(stdout);
      reject(new Error(`${command} failed: ${String(stderr).trim() || err.message}`));
    });
  });
}
