import { Inject, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { ARTIFACT_STORE, type ArtifactStore } from './artifact-store';

/**
 * Proves the artifact store works before the app takes requests: a wrong bucket or key would
 * otherwise surface as the first job failing, long after the deploy looked healthy.
 */
@Injectable()
export class StorageBootService implements OnModuleInit {
  private readonly logger = new Logger(StorageBootService.name);

  constructor(
    private readonly config: AppConfig,
    @Inject(ARTIFACT_STORE) private readonly store: ArtifactStore,
  ) {}

  async onModuleInit(): Promise<void> {
    await this.store.check();
    if (this.store.driver === 's3' && !this.config.DATABASE_URL) {
      // Files in a shared bucket suggest several instances, but the job rows stay in this one.
      this.logger.warn(
        "STORAGE_DRIVER=s3 with the embedded database: other instances cannot share this instance's jobs; set DATABASE_URL to a shared PostgreSQL",
      );
    }
    this.logger.log(`artifact store: ${this.store.driver}`);
  }
}
