import { Injectable } from '@nestjs/common';
import { InjectDataSource, InjectRepository } from '@nestjs/typeorm';
import { DataSource, In, type Repository } from 'typeorm';
import type { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity';
import { ArtifactEntity, type NewArtifact } from '../storage/artifact.entity';
import { JobEntity, type JobStatus } from './job.entity';

/** The HTTP side of the jobs table (the runner has JobLeaseRepository, on its own pool). */
@Injectable()
export class JobsRepository {
  constructor(
    @InjectRepository(JobEntity) private readonly repo: Repository<JobEntity>,
    @InjectDataSource() private readonly db: DataSource,
  ) {}

  /** Inserts the job and its input artifacts in one transaction. */
  async create(job: Pick<JobEntity, 'id' | 'kind' | 'parameters' | 'message'>, inputs: NewArtifact[]): Promise<void> {
    await this.db.transaction(async (manager) => {
      await manager.insert(JobEntity, { ...job, status: 'pending' } as QueryDeepPartialEntity<JobEntity>);
      if (inputs.length) await manager.insert(ArtifactEntity, inputs);
    });
  }

  findById(id: string): Promise<JobEntity | null> {
    return this.repo.findOneBy({ id });
  }

  async list(opts: { statuses?: JobStatus[]; limit: number; offset: number }): Promise<[JobEntity[], number]> {
    return this.repo.findAndCount({
      where: opts.statuses?.length ? { status: In(opts.statuses) } : {},
      order: { createdAt: 'DESC' },
      take: opts.limit,
      skip: opts.offset,
    });
  }

  async delete(id: string): Promise<boolean> {
    const result = await this.repo.delete({ id });
    return (result.affected ?? 0) > 0;
  }

  /** A pending job stops at once; a running one is flagged for its runner. */
  async requestStop(id: string, message: string): Promise<JobStatus | null> {
    const pending = await this.repo.update(
      { id, status: 'pending' },
      { status: 'stopped', cancelRequested: true, message, errorCode: 'JOB_STOPPED', finishedAt: new Date() },
    );
    if (pending.affected) return 'stopped';
    const running = await this.repo.update({ id, status: 'running' }, { cancelRequested: true });
    if (running.affected) return 'running';
    return (await this.findById(id))?.status ?? null;
  }

  /** The row and its artifact rows, read together for a status answer. */
  async findWithArtifacts(id: string): Promise<{ job: JobEntity; artifacts: ArtifactEntity[] } | null> {
    const job = await this.repo.findOneBy({ id });
    if (!job) return null;
    const artifacts = await this.db.getRepository(ArtifactEntity).find({ where: { jobId: id }, order: { createdAt: 'ASC' } });
    return { job, artifacts };
  }
}
