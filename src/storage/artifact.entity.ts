import { Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import type { JobEntity } from '../jobs/job.entity';

@Entity({ name: 'artifacts' })
@Index('artifacts_job_name_uq', ['jobId', 'name'], { unique: true })
export class ArtifactEntity {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ name: 'job_id', type: 'uuid' })
  jobId: string;

  @ManyToOne('JobEntity', (job: JobEntity) => job.artifacts, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'job_id' })
  job?: JobEntity;

  @Column({ type: 'varchar', length: 128 })
  name: string;

  /** The object's key in the artifact store (jobs/{id}/[attempt/]name), whatever the driver. */
  @Column({ type: 'text' })
  path: string;

  @Column({ type: 'varchar', length: 64 })
  mime: string;

  @Column({ type: 'int' })
  bytes: number;

  @Column({ type: 'char', length: 64 })
  sha256: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}

export type NewArtifact = Pick<ArtifactEntity, 'jobId' | 'name' | 'path' | 'mime' | 'bytes' | 'sha256'>;
