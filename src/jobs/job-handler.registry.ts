import { Injectable } from '@nestjs/common';
import { DiscoveryService } from '@nestjs/core';
import { JobHandler, type JobKindHandler } from './job-handler';

/** The handlers feature modules declared with @JobHandler(kind), found once through discovery. */
@Injectable()
export class JobHandlerRegistry {
  private handlers?: Map<string, JobKindHandler>;

  constructor(private readonly discovery: DiscoveryService) {}

  kinds(): string[] {
    return [...this.all().keys()];
  }

  get(kind: string): JobKindHandler | undefined {
    return this.all().get(kind);
  }

  private all(): Map<string, JobKindHandler> {
    if (this.handlers) return this.handlers;
    const found = new Map<string, JobKindHandler>();
    for (const wrapper of this.discovery.getProviders({ metadataKey: JobHandler.KEY })) {
      const kind = this.discovery.getMetadataByDecorator(JobHandler, wrapper);
      if (!kind || !wrapper.instance) continue;
      if (found.has(kind)) throw new Error(`two handlers for job kind "${kind}"`);
      found.set(kind, wrapper.instance as JobKindHandler);
    }
    this.handlers = found;
    return found;
  }
}
