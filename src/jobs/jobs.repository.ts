import { Injectable } from '@nestjs/common';
import { InjectDataSource, InjectRepository } from '@nestjs/typeorm';
import { DataSource, In, IsNull, type Repository } from 'typeorm';
import type { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity';
import { DomainException } from '../common/errors/domain.exception';
import { ErrorCode } from '../common/errors/error-codes';
import { ArtifactEntity, type NewArtifact } from './job.entity';
import type { WebhookDelivery } from './webhook-delivery.types';
import { JobEntity, type JobStatus } from './job.entity';

export type NewJob = Pick<JobEntity, 'id' | 'kind' | 'parameters' | 'message'> & Partial<Pick<JobEntity, 'owner' | 'webhookUrl'>>;

/** What a submit answered, kept under its Idempotency-Key for a day. */
export interface IdempotentResponse {
  requestHash: string;
  jobId: string;
  response: Record<string, unknown>;
}

/** Thrown inside the insert when a concurrent request with the same Idempotency-Key won. */
export class IdempotencyRace extends Error {}

export const IDEMPOTENCY_HOURS = 24;

/** The HTTP side of the jobs table (the runner has JobLeaseRepository, on its own pool). */
@Injectable()
export class JobsRepository {
  constructor(
    @InjectRepository(JobEntity) private readonly repo: Repository<JobEntity>,
    @InjectDataSource() private readonly db: DataSource,
  ) {}

  /**
   * Inserts the job and its input artifacts in one transaction, after checking the owner's
   * queue (under a per-owner advisory lock, so concurrent submits cannot both take the last
   * place) and claiming the Idempotency-Key (a concurrent duplicate waits on the key's row,
   * then finds it taken: IdempotencyRace).
   */
  async create(
    job: NewJob,
    inputs: NewArtifact[],
    opts: { maxPending?: number; idempotency?: { owner: string; key: string } & IdempotentResponse } = {},
  ): Promise<void> {
    await this.db.transaction(async (manager) => {
      const owner = job.owner ?? null;
      let pending = 0;
      if (opts.maxPending !== undefined) {
        // Two statements: a count in the locking statement would read a snapshot taken before the lock was granted.
        await manager.query(`SELECT pg_advisory_xact_lock(hashtext('nanococoa-queue:' || coalesce($1, '')))`, [owner]);
        const [row] = (await manager.query(
          `SELECT count(*)::int AS pending FROM jobs WHERE owner IS NOT DISTINCT FROM $1::varchar AND status = 'pending'`,
          [owner],
        )) as Array<{ pending: number }>;
        pending = row.pending;
      }
      if (opts.maxPending !== undefined && pending >= opts.maxPending) {
        throw new DomainException(ErrorCode.QUEUE_FULL, `${pending} jobs are already waiting for this key (MAX_PENDING_JOBS_PER_KEY); try again when some finish`, {
          pending,
          limit: opts.maxPending,
          retry_after_seconds: 30,
        });
      }
      await manager.insert(JobEntity, { ...job, status: 'pending' } as QueryDeepPartialEntity<JobEntity>);
      if (inputs.length) await manager.insert(ArtifactEntity, inputs);
      const idem = opts.idempotency;
      if (!idem) return;
      const claimed = (await manager.query(
        `INSERT INTO idempotency_keys (owner, key, request_hash, job_id, response) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (owner, key) DO UPDATE SET request_hash = EXCLUDED.request_hash, job_id = EXCLUDED.job_id,
           response = EXCLUDED.response, created_at = now()
         WHERE idempotency_keys.created_at < now() - make_interval(hours => ${IDEMPOTENCY_HOURS})
         RETURNING key`,
        [idem.owner, idem.key, idem.requestHash, idem.jobId, idem.response],
      )) as unknown[];
      if (claimed.length === 0) throw new IdempotencyRace();
    });
  }

  /** The response a live Idempotency-Key holds, if any. */
  async findIdempotent(owner: string, key: string): Promise<IdempotentResponse | null> {
    const rows = (await this.db.query(
      `SELECT request_hash, job_id, response FROM idempotency_keys
        WHERE owner = $1 AND key = $2 AND created_at >= now() - make_interval(hours => ${IDEMPOTENCY_HOURS})`,
      [owner, key],
    )) as Array<{ request_hash: string; job_id: string; response: Record<string, unknown> }>;
    return rows[0] ? { requestHash: rows[0].request_hash, jobId: rows[0].job_id, response: rows[0].response } : null;
  }

  findById(id: string): Promise<JobEntity | null> {
    return this.repo.findOneBy({ id });
  }

  /** Newest first; `owner` undefined lists every owner's jobs (an admin), null the open service's. */
  async list(opts: { statuses?: JobStatus[]; owner?: string | null; kind?: string; limit: number; offset: number }): Promise<[JobEntity[], number]> {
    return this.repo.findAndCount({
      where: {
        ...(opts.statuses?.length ? { status: In(opts.statuses) } : {}),
        ...(opts.kind ? { kind: opts.kind } : {}),
        ...(opts.owner !== undefined ? { owner: opts.owner ?? IsNull() } : {}),
      },
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

  /** The row, its artifact rows and its webhook deliveries, read together for a status answer. */
  async findWithArtifacts(id: string): Promise<{ job: JobEntity; artifacts: ArtifactEntity[]; webhooks: WebhookDelivery[] } | null> {
    const job = await this.repo.findOneBy({ id });
    if (!job) return null;
    const [artifacts, webhooks] = await Promise.all([
      this.db.getRepository(ArtifactEntity).find({ where: { jobId: id }, order: { createdAt: 'ASC' } }),
      job.webhookUrl
        ? (this.db.query(`SELECT * FROM webhook_deliveries WHERE job_id = $1 ORDER BY created_at`, [id]) as Promise<WebhookDelivery[]>)
        : Promise.resolve([]),
    ]);
    return { job, artifacts, webhooks };
  }
}
