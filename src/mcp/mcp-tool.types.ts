import { CLIENT_CAPABILITIES_META_KEY, type CallToolResult, type ClientCapabilities, type InputRequiredResult, type ServerContext } from '@modelcontextprotocol/server';
import type { z } from 'zod';
import type { Principal } from '../auth/principal';
import { DomainException } from '../common/errors/domain.exception';
import { ErrorCode } from '../common/errors/error-codes';
import type { JobStatusDto } from '../jobs/dto/job-status.dto';

/** What the SDK hands every tool call beside its arguments. */
export type ToolExtra = ServerContext;

/** The principal McpAccessMiddleware put on the request; the SDK hands it to every call as authInfo. */
export function principalOf(extra: Pick<ToolExtra, 'http'>): Principal {
  const principal = (extra.http?.authInfo?.extra as { principal?: Principal } | undefined)?.principal;
  if (!principal) throw new DomainException(ErrorCode.UNAUTHORIZED, 'An API key is required');
  return principal;
}

/**
 * The capabilities a client declared for this one request: in the 2026-07-28 envelope (the SDK
 * lifts it out of _meta), or in _meta on a 2025-era session that opts in per request.
 */
export function requestCapabilities(extra: Pick<ToolExtra, 'mcpReq'>): (ClientCapabilities & { extensions?: Record<string, unknown> }) | undefined {
  const envelope = extra.mcpReq.envelope as Record<string, unknown> | undefined;
  return (envelope?.[CLIENT_CAPABILITIES_META_KEY] ?? extra.mcpReq._meta?.[CLIENT_CAPABILITIES_META_KEY]) as ClientCapabilities | undefined;
}

/** The client's address, for the rate limiter. */
export const clientIp = (extra: Pick<ToolExtra, 'http'>): string | undefined => (extra.http?.authInfo?.extra as { ip?: string } | undefined)?.ip;

/**
 * A tool that runs as a job. Clients with the Tasks extension get the job as a task (its id is
 * the job id, so any instance can answer for it, after a restart too); others wait for it.
 */
export interface JobTool {
  /** The job kind this tool starts: tasks/get finds the tool's result shape by it. */
  kind: string;
  /** Checks the arguments, submits the job, and returns its id. */
  start(args: Record<string, unknown>, extra: ToolExtra): Promise<string>;
  /** The tool's result for a completed job. */
  finish(status: JobStatusDto, principal: Principal): Promise<CallToolResult>;
  /** How long a synchronous call waits for the job, in seconds. */
  waitSeconds(args: Record<string, unknown>): number;
  /** A synchronous call answers with the job id at once instead of waiting (generate_ad_image without wait). */
  returnsAtOnce?(args: Record<string, unknown>): boolean;
}

export interface ToolDefinition {
  name: string;
  title: string;
  description: string;
  input: z.ZodRawShape;
  /** The shape of structuredContent: declared as the tool's outputSchema. */
  output: z.ZodRawShape;
  annotations?: { readOnlyHint?: boolean; destructiveHint?: boolean; idempotentHint?: boolean; openWorldHint?: boolean };
  run?(args: Record<string, unknown>, extra: ToolExtra): Promise<CallToolResult>;
  job?: JobTool;
  /**
   * Asks a 2026-07-28 client for what the call lacks (an input-required result), or returns the
   * arguments completed from its answers. Older clients never get here: their call runs as is.
   */
  ask?(args: Record<string, unknown>, extra: ToolExtra): { ask: InputRequiredResult } | { args: Record<string, unknown> };
}
