import { Injectable, OnModuleDestroy } from '@nestjs/common';
import type { ArtifactEntity } from './job.entity';
import type { WebhookDelivery } from './webhook-delivery.types';
import type { JobEntity } from './job.entity';
import { JobNotificationsRepository } from './job-notifications.repository';
import { JobsRepository } from './jobs.repository';

export interface JobSnapshot {
  job: JobEntity;
  artifacts: ArtifactEntity[];
  /** Its webhook deliveries, oldest first ([] without a webhook_url). */
  webhooks: WebhookDelivery[];
}

interface Entry {
  version: number;
  value?: Promise<JobSnapshot | null>;
}

/** Jobs that are being watched or polled right now; a small bound keeps memory flat. */
const MAX_ENTRIES = 2000;

/**
 * A job's row and artifact rows, read once per change however many clients poll /status or
 * watch its events. NOTIFY (from any instance) drops the entry; a read that raced a change is
 * not kept, so a cached snapshot is never older than the last notification. While
 * notifications are down, every call reads the database.
 */
@Injectable()
export class JobSnapshotsService implements OnModuleDestroy {
  private readonly entries = new Map<string, Entry>();
  private readonly off: Array<() => void>;

  constructor(
    private readonly jobs: JobsRepository,
    private readonly notifications: JobNotificationsRepository,
  ) {
    this.off = [
      notifications.onAny((n) => this.invalidate(n.id)),
      notifications.onReconnect(() => this.entries.clear()),
    ];
  }

  onModuleDestroy(): void {
    for (const off of this.off) off();
  }

  get(jobId: string): Promise<JobSnapshot | null> {
    if (!this.notifications.connected) return this.jobs.findWithArtifacts(jobId);
    let entry = this.entries.get(jobId);
    if (entry?.value) {
      this.entries.delete(jobId); // re-insert: Map order is the LRU order
      this.entries.set(jobId, entry);
      return entry.value;
    }
    entry ??= { version: 0 };
    const version = entry.version;
    const value = this.jobs.findWithArtifacts(jobId);
    entry.value = value;
    this.entries.set(jobId, entry);
    const current = entry;
    value.then(
      () => {
        // Changed while we read: serve this read to those who waited, keep nothing.
        if (current.version !== version && current.value === value) current.value = undefined;
      },
      () => {
        if (current.value === value) current.value = undefined;
      },
    );
    while (this.entries.size > MAX_ENTRIES) this.entries.delete(this.entries.keys().next().value as string);
    return value;
  }

  invalidate(jobId: string): void {
    const entry = this.entries.get(jobId);
    if (!entry) return;
    entry.version += 1;
    entry.value = undefined;
  }
}
