import type { CallToolResult } from '@modelcontextprotocol/server';
import { z } from 'zod';
import type { Principal } from '../auth/principal';
import type { JobStatusDto } from '../jobs/dto/job-status.dto';
import { JOB_STATUSES } from '../jobs/job.entity';
import type { JobStatusService } from '../jobs/job-status.service';
import type { JobsService } from '../jobs/jobs.service';
import type { ToolExtra } from './mcp-tool.types';

/** What every job tool's structuredContent has, finished or not: the rest is optional in its schema. */
export const JOB_OUTPUT = {
  job_id: z.string().describe('The job (and task) id'),
  status: z.enum(JOB_STATUSES),
  error: z.looseObject({ code: z.string(), message: z.string() }).nullable().optional().describe('Why the job failed'),
};

/** Polls the job, forwarding progress as notifications when the client asked for them. */
export async function waitForJob(statuses: JobStatusService, jobs: JobsService, id: string, timeoutMs: number, extra: ToolExtra, principal: Principal): Promise<JobStatusDto> {
  const token = extra.mcpReq._meta?.progressToken;
  const signal = extra.mcpReq.signal;
  const deadline = Date.now() + timeoutMs;
  let last = -1;
  for (;;) {
    const status = await statuses.status(id, principal, { includeMetrics: false });
    if (token !== undefined && status.progress_percent !== last) {
      last = status.progress_percent;
      await extra.mcpReq.notify({
        method: 'notifications/progress',
        params: { progressToken: token, progress: status.progress_percent, total: 100, message: status.message },
      });
    }
    if (!['pending', 'running'].includes(status.status) || Date.now() > deadline) return status;
    if (signal.aborted) {
      await jobs.stop(id, principal).catch(() => undefined);
      return statuses.status(id, principal, { includeMetrics: false });
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/** A tool's answer for a job that did not complete (stopped, failed, or still running at the timeout). */
export function unfinished(what: string, status: JobStatusDto): CallToolResult {
  const why = status.error ? ` ${status.error.code}: ${status.error.message}` : ` ${status.message}`;
  return {
    content: [{ type: 'text', text: `${what} ${status.job_id}: ${status.status} (${Math.round(status.progress_percent)}%).${why}` }],
    isError: status.status === 'error' ? true : undefined,
    structuredContent: { job_id: status.job_id, status: status.status, error: status.error },
  };
}
