import { Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, OneToMany, PrimaryColumn, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';

export const JOB_STATUSES = ['pending', 'running', 'completed', 'error', 'stopped'] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];
export const TERMINAL_STATUSES: readonly JobStatus[] = ['completed', 'error', 'stopped'];

@Entity({ name: 'jobs' })
@Index('jobs_status_created_idx', ['status', 'createdAt'])
export class JobEntity {
  @PrimaryColumn('uuid')
  id: string;

  @Column({ type: 'varchar', length: 32 })
  kind: string;

  @Column({ type: 'varchar', length: 16 })
  status: JobStatus;

  /** Request parameters without image bytes; images are artifacts. */
  @Column({ type: 'jsonb' })
  parameters: Record<string, unknown>;

  @Column({ name: 'progress_percent', type: 'real', default: 0 })
  progressPercent: number;

  @Column({ name: 'current_step', type: 'varchar', length: 64, nullable: true })
  currentStep: string | null;

  @Column({ name: 'sub_step', type: 'varchar', length: 64, nullable: true })
  subStep: string | null;

  @Column({ type: 'text', default: '' })
  message: string;

  @Column({ name: 'error_code', type: 'varchar', length: 64, nullable: true })
  errorCode: string | null;

  @Column({ name: 'error_message', type: 'text', nullable: true })
  errorMessage: string | null;

  /** Milliseconds per finished stage, e.g. {"segment": 2410}; the ETA is built from these. */
  @Column({ type: 'jsonb', default: () => "'{}'::jsonb" })
  timings: Record<string, number>;

  /** What the stages reported about their results (model used, backdrop description...). */
  @Column({ type: 'jsonb', default: () => "'{}'::jsonb" })
  result: Record<string, unknown>;

  @Column({ type: 'int', default: 0 })
  attempts: number;

  /** The name of the API key that made the job; null on an open service. */
  @Column({ type: 'varchar', length: 64, nullable: true })
  owner: string | null;

  /** Where the job's end is announced (a delivery row is queued by trigger). */
  @Column({ name: 'webhook_url', type: 'text', nullable: true })
  webhookUrl: string | null;

  @Column({ name: 'cancel_requested', type: 'boolean', default: false })
  cancelRequested: boolean;

  @Column({ name: 'lease_owner', type: 'varchar', length: 128, nullable: true })
  leaseOwner: string | null;

  @Column({ name: 'lease_expires_at', type: 'timestamptz', nullable: true })
  leaseExpiresAt: Date | null;

  @Column({ name: 'stage_started_at', type: 'timestamptz', nullable: true })
  stageStartedAt: Date | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;

  @Column({ name: 'started_at', type: 'timestamptz', nullable: true })
  startedAt: Date | null;

  @Column({ name: 'finished_at', type: 'timestamptz', nullable: true })
  finishedAt: Date | null;

  @OneToMany(() => ArtifactEntity, (a) => a.job)
  artifacts?: ArtifactEntity[];
}

/** A file of a job (inputs, stage outputs, finals); its bytes are in the artifact store. */
@Entity({ name: 'artifacts' })
@Index('artifacts_job_name_uq', ['jobId', 'name'], { unique: true })
export class ArtifactEntity {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ name: 'job_id', type: 'uuid' })
  jobId: string;

  @ManyToOne(() => JobEntity, (job) => job.artifacts, { onDelete: 'CASCADE' })
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
