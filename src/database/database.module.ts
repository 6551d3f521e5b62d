import { Global, Module, OnApplicationShutdown } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AppConfig } from '../config/app-config';
import { dataSourceOptions } from './data-source-options';
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
      useFactory: async (config: AppConfig, embedded: EmbeddedPostgresService) =>
        dataSourceOptions(config.DATABASE_URL ?? (await embedded.start())),
    }),
  ],
})
export class DatabaseModule implements OnApplicationShutdown {
  constructor(
    private readonly embedded: EmbeddedPostgresService,
    private readonly dataSource: DataSource,
  ) {}

  /** Close the pool before the embedded server goes, so no query sees a dying server. */
  async onApplicationShutdown(): Promise<void> {
    if (this.dataSource.isInitialized) await this.dataSource.destroy();
    await this.embedded.stop();
  }
}
