import { Controller, Get, Param, Req, Res } from '@nestjs/common';
import { ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import type { JobStatusDto } from './dto/job-status.dto';
import { JobStatusService } from './job-status.service';

const POLL_MS = 300;
const HEARTBEAT_MS = 15_000;
const TERMINAL = new Set(['completed', 'error', 'stopped']);

/** The fields a progress bar needs; an event is sent only when one of them changes. */
function progressOf(s: JobStatusDto) {
  const { job_id, status, progress_percent, current_step, sub_step, message, eta_seconds, step_eta_seconds, error } = s;
  return { job_id, status, progress_percent, current_step, sub_step, message, eta_seconds, step_eta_seconds, error };
}

/**
 * Live progress as Server-Sent Events, for the admin pages and API clients alike: `status`
 * events while the job runs, then one `done` event with the results, then the stream ends.
 * It reads the job's row, so it works whichever instance runs the job.
 */
@ApiTags('jobs')
@Controller('jobs')
export class JobEventsController {
  constructor(private readonly statuses: JobStatusService) {}

  @Get(':job_id/events')
  @ApiOperation({ summary: "A job's progress as Server-Sent Events (status events, then done)" })
  @ApiProduces('text/event-stream')
  async events(@Param('job_id') jobId: string, @Req() req: Request, @Res() res: Response): Promise<void> {
    const read = () => this.statuses.status(jobId, { includeImages: false, includeMetrics: false });
    let current = await read(); // an unknown job answers 404 here, before any stream starts
    res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache', Connection: 'keep-alive', 'X-Accel-Buffering': 'no' });
    let closed = false;
    req.on('close', () => (closed = true));
    const send = (event: string, data: unknown) => res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
    let last = '';
    let lastWrite = Date.now();
    while (!closed) {
      const progress = JSON.stringify(progressOf(current));
      if (TERMINAL.has(current.status)) {
        send('done', current);
        break;
      }
      if (progress !== last) {
        send('status', progressOf(current));
        last = progress;
        lastWrite = Date.now();
      } else if (Date.now() - lastWrite > HEARTBEAT_MS) {
        res.write(': keep-alive\n\n'); // proxies close silent connections
        lastWrite = Date.now();
      }
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
      current = await read().catch(() => current);
    }
    res.end();
  }
}
