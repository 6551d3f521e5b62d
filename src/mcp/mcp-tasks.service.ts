import { Injectable } from '@nestjs/common';
import {
  MissingRequiredClientCapabilityError,
  ProtocolError,
  ProtocolErrorCode,
  type CallToolResult,
  type Server,
} from '@modelcontextprotocol/server';
import type { Principal } from '../auth/principal';
import { DomainException, isDomainException } from '../common/errors/domain.exception';
import { ErrorCode } from '../common/errors/error-codes';
import { AppConfig } from '../config/app-config';
import type { JobStatusDto } from '../jobs/dto/job-status.dto';
import { JobHandlerRegistry } from '../jobs/job-handler.registry';
import { JobStatusService } from '../jobs/job-status.service';
import { JobsService } from '../jobs/jobs.service';
import { unfinished } from './mcp-job-wait';
import { requestCapabilities, type JobTool, type ToolExtra } from './mcp-tool.types';

/** The Tasks extension (SEP-2663) as clients declare it and we advertise it. */
export const TASKS_EXTENSION = 'io.modelcontextprotocol/tasks';

type TaskStatus = 'working' | 'input_required' | 'completed' | 'failed' | 'cancelled';

type Task = {
  taskId: string;
  status: TaskStatus;
  statusMessage: string;
  createdAt: string;
  lastUpdatedAt: string;
  ttlMs: number | null;
  pollIntervalMs?: number;
  _meta: Record<string, unknown>;
};

/** A task's state with the tool's result or the protocol error inlined once it is terminal. */
type DetailedTask = Task & { resultType: 'complete'; result?: CallToolResult; error?: { code: number; message: string; data?: unknown } };

const TASK_STATUS: Record<JobStatusDto['status'], TaskStatus> = {
  pending: 'working',
  running: 'working',
  completed: 'completed',
  error: 'completed',
  stopped: 'cancelled',
};

/**
 * MCP Tasks over the job table: a task is a job, its id the job id. Nothing is kept in memory,
 * so every instance answers for every task and a restart loses none; a task is visible only to
 * the key that owns its job, like the job itself.
 */
@Injectable()
export class McpTasksService {
  constructor(
    private readonly jobs: JobsService,
    private readonly statuses: JobStatusService,
    private readonly handlers: JobHandlerRegistry,
    private readonly config: AppConfig,
  ) {}

  /** Whether this call may become a task: the client declared the extension for the session or in this request's _meta. */
  declared(server: Server, extra: ToolExtra): boolean {
    const perRequest = requestCapabilities(extra);
    const session = server.getClientCapabilities() as { extensions?: Record<string, unknown> } | undefined;
    return Boolean(perRequest?.extensions?.[TASKS_EXTENSION] ?? session?.extensions?.[TASKS_EXTENSION]);
  }

  /** tasks/* from a client that never declared the extension: the spec's -32021 naming what is missing. */
  requireDeclared(server: Server, extra: ToolExtra): void {
    if (!this.declared(server, extra)) {
      throw new MissingRequiredClientCapabilityError({ requiredCapabilities: { extensions: { [TASKS_EXTENSION]: {} } } }, `Declare the ${TASKS_EXTENSION} extension to use tasks`);
    }
  }

  /** The CreateTaskResult for a job just submitted (the row exists: tasks/get answers at once). */
  async created(jobId: string, principal: Principal): Promise<Task & { resultType: 'task' }> {
    return { resultType: 'task', ...this.task(await this.status(jobId, principal)) };
  }

  async get(taskId: string, principal: Principal, toolOf: (kind: string) => JobTool | undefined): Promise<DetailedTask> {
    const status = await this.status(taskId, principal);
    const task: DetailedTask = { resultType: 'complete', ...this.task(status) };
    if (task.status === 'completed' && status.status === 'completed') {
      const tool = toolOf(status.kind);
      if (!tool) throw new ProtocolError(ProtocolErrorCode.InvalidParams, `Job ${taskId} is a ${status.kind} job, not a task of a tool`, { taskId });
      task.result = await tool.finish(status, principal);
    } else if (status.status === 'error' && status.error?.code === ErrorCode.INTERNAL) {
      // The tool did not fail on its input; the server did. SEP-2663 keeps `failed` for that.
      task.status = 'failed';
      task.error = { code: ProtocolErrorCode.InternalError, message: status.error.message, data: { job_id: taskId } };
    } else if (status.status === 'error') {
      task.result = unfinished('Job', status);
    }
    return task;
  }

  /** Stops the job; the cancelled status shows on the next tasks/get. A finished task's cancel is the same empty ack. */
  async cancel(taskId: string, principal: Principal): Promise<{ resultType: 'complete' }> {
    const status = await this.status(taskId, principal);
    if (status.status === 'pending' || status.status === 'running') await this.jobs.stop(taskId, principal);
    return { resultType: 'complete' };
  }

  private task(status: JobStatusDto): Task {
    const hours = this.handlers.get(status.kind)?.retentionHours ?? this.config.JOB_RETENTION_HOURS;
    const eta = status.eta_seconds !== null && TASK_STATUS[status.status] === 'working' ? `, about ${Math.ceil(status.eta_seconds)} s left` : '';
    return {
      taskId: status.job_id,
      status: TASK_STATUS[status.status],
      statusMessage: `${status.status} ${Math.round(status.progress_percent)}%${eta}: ${status.message}`,
      createdAt: status.created_at,
      lastUpdatedAt: status.finished_at ?? status.started_at ?? status.created_at,
      // A finished job is deleted after its retention; 0 keeps it.
      ttlMs: hours > 0 ? Math.round(hours * 3_600_000) : null,
      pollIntervalMs: TASK_STATUS[status.status] === 'working' ? this.pollMs(status) : undefined,
      _meta: {
        'io.nanococoa/progress': { progress_percent: status.progress_percent, current_step: status.current_step, eta_seconds: status.eta_seconds },
      },
    };
  }

  /** A poll a few times per remaining ETA, between half a second and five seconds. */
  private pollMs(status: JobStatusDto): number {
    const eta = status.eta_seconds ?? 5;
    return Math.round(Math.min(5000, Math.max(500, (eta * 1000) / 4)));
  }

  /** The task's job, for the key that started it only: an admin key sees every job, not every task. */
  private async status(taskId: string, principal: Principal): Promise<JobStatusDto> {
    try {
      const status = await this.statuses.status(taskId, principal, { includeMetrics: false });
      if (status.owner !== (principal.name ?? null)) throw new DomainException(ErrorCode.JOB_NOT_FOUND, `No job with id ${taskId}`);
      return status;
    } catch (error) {
      if (isDomainException(error) && (error.code === ErrorCode.JOB_NOT_FOUND || error.code === ErrorCode.INVALID_PARAMETER)) {
        throw new ProtocolError(ProtocolErrorCode.InvalidParams, `Unknown taskId ${taskId}`, { taskId });
      }
      throw error;
    }
  }
}
