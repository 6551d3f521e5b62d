import { describe, it } from 'node:test';
import { expect } from 'expect';
import { DomainException } from '../common/errors/domain.exception';
import { ErrorCode } from '../common/errors/error-codes';
import type { AppConfig } from '../config/app-config';
import type { JobStatusDto } from '../jobs/dto/job-status.dto';
import type { JobHandlerRegistry } from '../jobs/job-handler.registry';
import type { JobStatusService } from '../jobs/job-status.service';
import type { JobsService } from '../jobs/jobs.service';
import { McpTasksService } from './mcp-tasks.service';
import type { JobTool } from './mcp-tool.types';

const ID = '3f1c1d3e-0000-4000-8000-000000000001';

function job(overrides: Partial<JobStatusDto>): JobStatusDto {
  return {
    job_id: ID,
    kind: 'ad',
    status: 'running',
    progress_percent: 40,
    current_step: 'step1_background',
    message: 'Painting the backdrop',
    eta_seconds: 6,
    error: null,
    created_at: '2026-12-06T10:00:00.000Z',
    started_at: '2026-12-06T10:00:01.000Z',
    finished_at: null,
    owner: 'shop-a',
    ...overrides,
  } as JobStatusDto;
}

/** The service over one job row as the status service would read it; `stopped` records stop calls. */
function tasksOver(row: JobStatusDto | undefined, retention: { decompose?: number; jobs?: number } = {}) {
  const stopped: string[] = [];
  const statuses = {
    status: async (id: string) => {
      if (!row || id !== row.job_id) throw new DomainException(ErrorCode.JOB_NOT_FOUND, `No job ${id}`);
      return row;
    },
  } as unknown as JobStatusService;
  const jobs = { stop: async (id: string) => void stopped.push(id) } as unknown as JobsService;
  const handlers = { get: (kind: string) => (kind === 'decompose' ? { retentionHours: retention.decompose ?? 24 } : undefined) } as unknown as JobHandlerRegistry;
  const config = { JOB_RETENTION_HOURS: retention.jobs ?? 168 } as AppConfig;
  return { service: new McpTasksService(jobs, statuses, handlers, config), stopped };
}

const adTool: JobTool = {
  kind: 'ad',
  start: async () => ID,
  finish: async (status) => ({ content: [{ type: 'text', text: `done ${status.job_id}` }], structuredContent: { job_id: status.job_id } }),
  waitSeconds: () => 180,
};
const principal = { name: 'shop-a', admin: false } as never;

describe('McpTasksService (a task is its job)', () => {
  it('creates a flat CreateTaskResult with the job id, integer ttlMs and pollIntervalMs, and no result', async () => {
    const { service } = tasksOver(job({ status: 'pending', progress_percent: 0, started_at: null }));
    const created = await service.created(ID, principal);
    expect(created).toMatchObject({ resultType: 'task', taskId: ID, status: 'working', ttlMs: 168 * 3_600_000, createdAt: '2026-12-06T10:00:00.000Z' });
    expect(Number.isInteger(created.pollIntervalMs)).toBe(true);
    expect(created).not.toHaveProperty('result');
    expect(created.statusMessage).toContain('about 6 s left');
  });

  it('keeps a decomposition for its own retention, and a kept-forever job has ttlMs null', async () => {
    expect((await tasksOver(job({ kind: 'decompose' })).service.created(ID, principal)).ttlMs).toBe(24 * 3_600_000);
    expect((await tasksOver(job({}), { jobs: 0 }).service.created(ID, principal)).ttlMs).toBeNull();
  });

  it('reports progress while working and inlines the tool result once completed', async () => {
    const working = await tasksOver(job({})).service.get(ID, principal, () => adTool);
    expect(working).toMatchObject({ resultType: 'complete', status: 'working', _meta: { 'io.nanococoa/progress': { progress_percent: 40, current_step: 'step1_background' } } });
    expect(working).not.toHaveProperty('result');
    const done = await tasksOver(job({ status: 'completed', progress_percent: 100, finished_at: '2026-12-06T10:00:09.000Z' })).service.get(ID, principal, () => adTool);
    expect(done).toMatchObject({ status: 'completed', lastUpdatedAt: '2026-12-06T10:00:09.000Z', result: { structuredContent: { job_id: ID } } });
    expect(done.pollIntervalMs).toBeUndefined();
  });

  it('a job that failed on its input is a completed task with an error result; a server failure is a failed task', async () => {
    const bad = await tasksOver(job({ status: 'error', error: { code: 'INVALID_IMAGE', message: 'not an image' } as never })).service.get(ID, principal, () => adTool);
    expect(bad).toMatchObject({ status: 'completed', result: { isError: true } });
    expect(JSON.stringify(bad.result)).toContain('INVALID_IMAGE');
    const crashed = await tasksOver(job({ status: 'error', error: { code: 'INTERNAL', message: 'worker exited' } as never })).service.get(ID, principal, () => adTool);
    expect(crashed).toMatchObject({ status: 'failed', error: { code: -32603, message: 'worker exited' } });
    expect(crashed).not.toHaveProperty('result');
  });

  it('a stopped job is a cancelled task; cancel stops only a live job and always answers the empty ack', async () => {
    expect((await tasksOver(job({ status: 'stopped' })).service.get(ID, principal, () => adTool)).status).toBe('cancelled');
    const live = tasksOver(job({}));
    expect(await live.service.cancel(ID, principal)).toEqual({ resultType: 'complete' });
    expect(live.stopped).toEqual([ID]);
    const finished = tasksOver(job({ status: 'completed' }));
    expect(await finished.service.cancel(ID, principal)).toEqual({ resultType: 'complete' });
    expect(finished.stopped).toEqual([]);
  });

  it('an unknown task, or another key\'s (an admin key\'s too), is -32602 naming the task', async () => {
    const { service } = tasksOver(undefined);
    await expect(service.get(ID, principal, () => adTool)).rejects.toMatchObject({ code: -32602, data: { taskId: ID } });
    await expect(service.cancel(ID, principal)).rejects.toMatchObject({ code: -32602 });
    // The job service shows an admin every job; a task stays its creator's.
    const admin = { name: 'ops', admin: true } as never;
    const theirs = tasksOver(job({}));
    await expect(theirs.service.get(ID, admin, () => adTool)).rejects.toMatchObject({ code: -32602 });
    await expect(theirs.service.cancel(ID, admin)).rejects.toMatchObject({ code: -32602 });
    expect(theirs.stopped).toEqual([]);
    // An open server (no keys): no owner, no name, the same task.
    expect((await tasksOver(job({ owner: null })).service.get(ID, { name: null, admin: true } as never, () => adTool)).status).toBe('working');
  });
});
