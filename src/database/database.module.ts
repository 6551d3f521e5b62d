import { Global, Module, OnApplicationShutdown } from '@nestjs/common';
import { InjectDataSource, TypeOrmModule } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AppConfig } from '../config/app-config';
import { dataSourceOptions, RUNNER_DATA_SOURCE } from './data-source-options';
import { EmbeddedPostgresService } from './embedded-postgres.service';

/** Holds the single embedded server instance that TypeORM's factory and shutdown both use. */
@Module({ providers: [EmbeddedPostgresService], exports: [EmbeddedPostgresService] })
export class EmbeddedPostgresModule {}

@Global()
@Module({
  imports: [
    EmbeddedPostgresModule,
    TypeOrmModule.forRootAsync({
      imports: [EmbeddedPostgresModule],
      inject: [AppConfig, EmbeddedPostgresService],
      useFactory: async (config: AppConfig, embedded: EmbeddedPostgresService) => ({
        ...dataSourceOptions(config.DATABASE_URL ?? (await embedded.start()), config.DB_POOL_SIZE, 'nanococoa-http'),
        autoLoadEntities: true,
      }),
    }),
    // Claims, lease renewals, progress and artifact rows: a small pool of their own.
    TypeOrmModule.forRootAsync({
      name: RUNNER_DATA_SOURCE,
      imports: [EmbeddedPostgresModule],
      inject: [AppConfig, EmbeddedPostgresService],
      useFactory: async (config: AppConfig, embedded: EmbeddedPostgresService) => ({
        ...dataSourceOptions(config.DATABASE_URL ?? (await embedded.start()), config.JOB_CONCURRENCY * 2 + 3, 'nanococoa-runner'),
        migrationsRun: false,
        autoLoadEntities: true,
      }),
    }),
  ],
})
export class DatabaseModule implements OnApplicationShutdown {
  constructor(
    private readonly embedded: EmbeddedPostgresService,
    private readonly dataSource: DataSource,
    @InjectDataSource(RUNNER_DATA_SOURCE) private readonly runnerDataSource: DataSource,
  ) {}

  /** Close the pool before the embedded server goes, so no query sees a dying server. */
  async onApplicationShutdown(): Promise<void> {
    for (const ds of [this.runnerDataSource, this.dataSource]) if (ds.isInitialized) await ds.destroy();
    await this.embedded.stop();
  }
}
