import type { DataSourceOptions } from 'typeorm';
import { InitialSchema1763700000000 } from './migrations/1763700000000-InitialSchema';
import { JobEventsAndRetention1764500000000 } from './migrations/1764500000000-JobEventsAndRetention';
import { TenantsIdempotencyWebhooks1764600000000 } from './migrations/1764600000000-TenantsIdempotencyWebhooks';

export const MIGRATIONS = [InitialSchema1763700000000, JobEventsAndRetention1764500000000, TenantsIdempotencyWebhooks1764600000000];

/** The job runner's own data source: its heartbeats never queue behind HTTP requests. */
export const RUNNER_DATA_SOURCE = 'runner';

/**
 * The same options for the app and the migration CLI: migrations, never `synchronize`. The
 * entities are registered by the modules that own them (TypeOrmModule.forFeature, loaded by
 * autoLoadEntities); the migrations are plain SQL and need none.
 */
export function dataSourceOptions(url: string, poolSize = 10, applicationName = 'nanococoa'): DataSourceOptions {
  return {
    type: 'postgres',
    url,
    migrations: MIGRATIONS,
    migrationsRun: true,
    migrationsTransactionMode: 'each',
    synchronize: false,
    extra: { max: poolSize, connectionTimeoutMillis: 10_000, application_name: applicationName },
  };
}
