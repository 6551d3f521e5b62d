import type { NestExpressApplication } from '@nestjs/platform-express';
import { Eta } from 'eta';
import { existsSync } from 'node:fs';
import * as path from 'node:path';

/** The checkout's root (views/ and public/ live there), from src/admin or dist/src/admin. */
export const ROOT_DIR = (() => {
  let dir = __dirname;
  while (!existsSync(path.join(dir, 'package.json')) && path.dirname(dir) !== dir) dir = path.dirname(dir);
  return dir;
})();
export const VIEWS_DIR = path.join(ROOT_DIR, 'views');
export const ADMIN_ASSETS_DIR = path.join(ROOT_DIR, 'public', 'admin');
export const ADMIN_ASSETS_PREFIX = '/admin/assets';

/** Eta templates (autoescaped; <%~ %> for trusted HTML) as Express's view engine, plus /admin/assets. */
export function setupAdminViews(app: NestExpressApplication): void {
  const eta = new Eta({ views: VIEWS_DIR, cache: process.env.NODE_ENV === 'production' || process.env.NODE_ENV === 'test', autoEscape: true });
  app.engine('eta', (filePath: string, options: object, callback: (e: unknown, rendered?: string) => void) => {
    try {
      callback(null, eta.render(path.relative(VIEWS_DIR, filePath), options));
    } catch (error) {
      callback(error);
    }
  });
  app.setBaseViewsDir(VIEWS_DIR);
  app.setViewEngine('eta');
  app.useStaticAssets(ADMIN_ASSETS_DIR, { prefix: ADMIN_ASSETS_PREFIX, maxAge: '1h', index: false });
}
