import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { loadConfig } from '../config/app-config';
import { dataSourceOptions } from '../database/data-source-options';
import { EmbeddedPostgresService } from '../database/embedded-postgres.service';

/** Applies pending migrations (the server also does this at boot) and lists what ran. */
async function main(): Promise<void> {
  const config = loadConfig();
  const embedded = config.DATABASE_URL ? undefined : new EmbeddedPostgresService(config);
  const url = config.DATABASE_URL ?? (await embedded!.start());
  const db = new DataSource({ ...dataSourceOptions(url), migrationsRun: false });
  try {
    await db.initialize();
    const ran = await db.runMigrations({ transaction: 'each' });
    console.log(ran.length ? `applied: ${ran.map((m) => m.name).join(', ')}` : 'database schema is up to date');
  } finally {
    if (db.isInitialized) await db.destroy();
    await embedded?.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : String(error));
  process.exit(1);
});
