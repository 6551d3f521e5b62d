import { Module } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { ArtifactLinks } from './artifact-links';
import { ARTIFACT_STORE, type ArtifactStore } from './artifact-store';
import { FsArtifactStore } from './fs-artifact.store';
import { S3ArtifactStore } from './s3-artifact.store';
import { StorageBootService } from './storage-boot.service';

/** The artifact store STORAGE_DRIVER names, checked once at boot, and signed links to its files. */
@Module({
  providers: [
    {
      provide: ARTIFACT_STORE,
      inject: [AppConfig],
      useFactory: (config: AppConfig): ArtifactStore =>
        config.STORAGE_DRIVER === 's3' ? new S3ArtifactStore(config) : new FsArtifactStore(config),
    },
    StorageBootService,
    ArtifactLinks,
  ],
  exports: [ARTIFACT_STORE, ArtifactLinks],
})
export class StorageModule {}
