import type { DataSourceOptions } from 'typeorm';
import { JobEntity } from '../jobs/job.entity';
import { ArtifactEntity } from '../storage/artifact.entity';
import { InitialSchema1763700000000 } from './migrations/1763700000000-InitialSchema';

export const ENTITIES = [JobEntity, ArtifactEntity];
export const MIGRATIONS = [InitialSchema1763700000000];

/** The same options for the app and the migration CLI: migrations, never `synchronize`. */
export function dataSourceOptions(url: string): DataSourceOptions {
  return {
    type: 'postgres',
    url,
    entities: ENTITIES,
    migrations: MIGRATIONS,
    migrationsRun: true,
    migrationsTransactionMode: 'each',
    synchronize: false,
    extra: { max: 10, connectionTimeoutMillis: 10_000 },
  };
}
