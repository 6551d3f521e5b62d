import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ArtifactEntity } from './artifact.entity';
import { ArtifactStoreRepository } from './artifact-store.repository';
import { ArtifactsRepository } from './artifacts.repository';

@Module({
  imports: [TypeOrmModule.forFeature([ArtifactEntity])],
  providers: [ArtifactStoreRepository, ArtifactsRepository],
  exports: [ArtifactStoreRepository, ArtifactsRepository],
})
export class StorageModule {}
