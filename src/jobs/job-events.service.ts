import { Injectable } from '@nestjs/common';
import type { Request, Response } from 'express';
import type { Principal } from '../auth/principal';
import { isDomainException } from '../common/errors/domain.exception';
import { ErrorCode } from '../common/errors/error-codes';
import type { JobStatusDto } from './dto/job-status.dto';
import { JobNotificationsRepository } from './job-notifications.repository';
import { JobStatusService } from './job-status.service';

/** Only while notifications are down. */
const POLL_MS = 1000;
const HEARTBEAT_MS = 15_000;
const TERMINAL = new Set(['completed', 'error', 'stopped']);

/** The fields a progress bar needs; an event is sent only when one of them changes. */
function progressOf(s: JobStatusDto) {
  const { job_id, status, progress_percent, current_step, sub_step, message, eta_seconds, step_eta_seconds, error } = s;
  return { job_id, status, progress_percent, current_step, sub_step, message, eta_seconds, step_eta_seconds, error };
}

/** Where a follower's events go: a Server-Sent Events response or a WebSocket. */
export interface EventSink {
  send(event: string, data: unknown): void;
  /** Something on a silent line, so proxies keep it open. */
  keepAlive(): void;
  onClose(listener: () => void): void;
  end(): void;
}

/**
 * Live progress for the admin pages and API clients alike, over Server-Sent Events or a
 * WebSocket: `status` events while the job runs, then one `done` event with the results (or
 * `deleted`), then the stream ends. It wakes on the job's NOTIFY (whichever instance runs it)
 * and reads the shared snapshot, so a hundred viewers cost the database what one does; without
 * notifications it polls.
 */
@Injectable()
export class JobEventsService {
  constructor(
    private readonly statuses: JobStatusService,
    private readonly notifications: JobNotificationsRepository,
  ) {}

  /** As Server-Sent Events on an HTTP response. */
  stream(jobId: string, principal: Principal, req: Request, res: Response): Promise<void> {
    return this.follow(jobId, principal, () => {
      res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache', Connection: 'keep-alive', 'X-Accel-Buffering': 'no' });
      return {
        send: (event, data) => res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`),
        keepAlive: () => res.write(': keep-alive\n\n'),
        onClose: (listener) => req.on('close', listener),
        end: () => res.end(),
      };
    });
  }

  /**
   * Follows a job until it ends or the client goes. The job is read (and an unknown or foreign
   * job refused with its error) before `open` starts the stream.
   */
  async follow(jobId: string, principal: Principal, open: () => EventSink): Promise<void> {
    const read = () => this.statuses.status(jobId, principal, { includeMetrics: false });
    let dirty = false;
    let wake = () => {};
    const changed = () => {
      dirty = true;
      wake();
    };
    // Listen before the first read, so no change falls between the two.
    const off = this.notifications.onJob(jobId.toLowerCase(), changed);
    let current: JobStatusDto;
    try {
      current = await read();
    } catch (error) {
      off();
      throw error;
    }
    const sink = open();
    let closed = false;
    sink.onClose(() => {
      closed = true;
      changed();
    });
    let last = '';
    try {
      while (!closed) {
        if (TERMINAL.has(current.status)) {
          sink.send('done', current);
          break;
        }
        const progress = JSON.stringify(progressOf(current));
        if (progress !== last) {
          sink.send('status', progressOf(current));
          last = progress;
        } else if (!dirty) {
          sink.keepAlive();
        }
        if (!dirty) await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, this.notifications.connected ? HEARTBEAT_MS : POLL_MS);
          wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        if (closed) break;
        dirty = false;
        try {
          current = await read();
        } catch (error) {
          if (isDomainException(error) && error.code === ErrorCode.JOB_NOT_FOUND) {
            sink.send('deleted', { job_id: current.job_id }); // deleted while watched: nothing more will come
            break;
          }
          // a passing database error: keep the last state and try again at the next change
        }
      }
    } finally {
      off();
      sink.end();
    }
  }
}
