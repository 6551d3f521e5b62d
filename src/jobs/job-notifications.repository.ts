import { Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { EventEmitter } from 'node:events';
import { Client } from 'pg';
import { DataSource } from 'typeorm';

export const JOBS_CHANNEL = 'nanococoa_jobs';

/** One change of one job, as the jobs/artifacts triggers announce it. */
export interface JobNotification {
  id: string;
  kind?: string;
  /** The job's status after the change; 'deleted' when the row went. Absent for artifact writes. */
  status?: string;
  cancel?: boolean;
  /** Set when an artifact row was written. */
  artifact?: string;
  /** Set when a webhook delivery of the job was queued or attempted: its state. */
  webhook?: string;
}

/**
 * Holds one LISTEN connection for the whole process (outside both pools) and fans the
 * notifications out in memory, so a hundred SSE viewers cost the database nothing more than
 * one. It reconnects with back-off; while it is down `connected` is false and callers fall
 * back to polling.
 */
@Injectable()
export class JobNotificationsRepository implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(JobNotificationsRepository.name);
  private readonly events = new EventEmitter().setMaxListeners(0);
  private client?: Client;
  private closing = false;
  private retryMs = 250;
  connected = false;

  constructor(@InjectDataSource() private readonly db: DataSource) {}

  async onModuleInit(): Promise<void> {
    await this.connect();
  }

  async onApplicationShutdown(): Promise<void> {
    this.closing = true;
    await this.client?.end().catch(() => undefined);
  }

  /** Every job change; returns the unsubscribe function. */
  onAny(listener: (n: JobNotification) => void): () => void {
    this.events.on('any', listener);
    return () => this.events.off('any', listener);
  }

  /** Changes of one job. */
  onJob(id: string, listener: (n: JobNotification) => void): () => void {
    this.events.on(`job:${id}`, listener);
    return () => this.events.off(`job:${id}`, listener);
  }

  /** Called after a reconnect: notifications may have been missed, so state must be re-read. */
  onReconnect(listener: () => void): () => void {
    this.events.on('reconnect', listener);
    return () => this.events.off('reconnect', listener);
  }

  private async connect(): Promise<void> {
    const client = new Client({ connectionString: (this.db.options as { url?: string }).url, application_name: 'nanococoa-listen' });
    client.on('notification', (msg) => this.dispatch(msg.payload));
    client.on('error', (error) => this.lost(client, error));
    client.on('end', () => this.lost(client, new Error('connection ended')));
    await client.connect();
    await client.query(`LISTEN ${JOBS_CHANNEL}`);
    const wasDown = this.client !== undefined;
    this.client = client;
    this.connected = true;
    this.retryMs = 250;
    if (wasDown) {
      this.logger.log('job notifications reconnected');
      this.events.emit('reconnect');
    }
  }

  private lost(client: Client, error: Error): void {
    if (client !== this.client || !this.connected || this.closing) return;
    this.connected = false;
    this.logger.warn(`job notifications lost (${error.message}); polling until they are back`);
    client.end().catch(() => undefined);
    this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    if (this.closing) return;
    const wait = this.retryMs;
    this.retryMs = Math.min(this.retryMs * 2, 10_000);
    setTimeout(() => {
      this.connect().catch((error: unknown) => {
        this.logger.warn(`job notifications: reconnect failed (${(error as Error).message})`);
        this.scheduleReconnect();
      });
    }, wait).unref();
  }

  private dispatch(payload: string | undefined): void {
    let n: JobNotification;
    try {
      n = JSON.parse(payload ?? '') as JobNotification;
    } catch {
      return;
    }
    if (typeof n.id !== 'string') return;
    this.events.emit('any', n);
    this.events.emit(`job:${n.id}`, n);
  }
}
