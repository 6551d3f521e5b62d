import { existsSync } from 'node:fs';
import * as path from 'node:path';

/**
 * An installed package's directory, or null when it is not installed. Resolving is not
 * importing. Packages whose "exports" map leaves out ./package.json make require.resolve of it
 * throw ERR_PACKAGE_PATH_NOT_EXPORTED, so Node's own node_modules lookup list is walked then.
 */
export function packageDir(name: string): string | null {
  try {
    return path.dirname(require.resolve(`${name}/package.json`));
  } catch {
    for (const dir of require.resolve.paths(name) ?? []) {
      const candidate = path.join(dir, name);
      if (existsSync(path.join(candidate, 'package.json'))) return candidate;
    }
    return null;
  }
}
