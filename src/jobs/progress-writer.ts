import type { Logger } from '@nestjs/common';
import type { JobProgress } from './job-handler';

/** Writes progress in order, at most one write in flight; the latest update wins. */
export class ProgressWriter {
  private latest?: JobProgress;
  private inFlight?: Promise<void>;

  constructor(
    private readonly write: (update: JobProgress) => Promise<void>,
    private readonly logger: Logger,
  ) {}

  push(update: JobProgress): void {
    this.latest = update;
    this.inFlight ??= this.drain();
  }

  async flush(): Promise<void> {
    await this.inFlight;
  }

  private async drain(): Promise<void> {
    try {
      while (this.latest) {
        const update = this.latest;
        this.latest = undefined;
        await this.write(update).catch((error: unknown) => this.logger.warn(`progress write failed: ${(error as Error).message}`));
      }
    } finally {
      this.inFlight = undefined;
    }
  }
}
