import type { RequestHandlerExtra } from '@modelcontextprotocol/sdk/shared/protocol.js';
import type { CallToolResult, ServerNotification, ServerRequest } from '@modelcontextprotocol/sdk/types.js';
import type { z } from 'zod';
import type { Principal } from '../auth/principal';
import { DomainException } from '../common/errors/domain.exception';
import { ErrorCode } from '../common/errors/error-codes';

/** What the SDK hands every tool call beside its arguments. */
export type ToolExtra = RequestHandlerExtra<ServerRequest, ServerNotification>;

/** The principal McpAccessMiddleware put on the request; the SDK hands it to every call as authInfo. */
export function principalOf(extra: Pick<ToolExtra, 'authInfo'>): Principal {
  const principal = (extra.authInfo?.extra as { principal?: Principal } | undefined)?.principal;
  if (!principal) throw new DomainException(ErrorCode.UNAUTHORIZED, 'An API key is required');
  return principal;
}

export interface ToolDefinition {
  name: string;
  title: string;
  description: string;
  input: z.ZodRawShape;
  run(args: Record<string, unknown>, extra: ToolExtra): Promise<CallToolResult>;
}
