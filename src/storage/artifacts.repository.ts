import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { Repository } from 'typeorm';
import { ArtifactEntity } from './artifact.entity';

export type NewArtifact = Pick<ArtifactEntity, 'jobId' | 'name' | 'path' | 'mime' | 'bytes' | 'sha256'>;

@Injectable()
export class ArtifactsRepository {
  constructor(@InjectRepository(ArtifactEntity) private readonly repo: Repository<ArtifactEntity>) {}

  /** Insert or replace by (job, name): a re-run stage overwrites its file and its row. */
  async upsert(artifact: NewArtifact): Promise<void> {
    await this.repo.upsert(artifact, { conflictPaths: ['jobId', 'name'] });
  }

  listForJob(jobId: string): Promise<ArtifactEntity[]> {
    return this.repo.find({ where: { jobId }, order: { createdAt: 'ASC' } });
  }

  findOne(jobId: string, name: string): Promise<ArtifactEntity | null> {
    return this.repo.findOne({ where: { jobId, name } });
  }
}
