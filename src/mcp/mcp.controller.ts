import { All, Controller, Get, Logger, OnApplicationShutdown, Post, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { SSEServerTransport } from '@modelcontextprotocol/sdk/server/sse.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { isInitializeRequest } from '@modelcontextprotocol/sdk/types.js';
import type { Request, Response } from 'express';
import { randomUUID } from 'node:crypto';
import { McpServerFactory } from './mcp-server.factory';

interface Session {
  transport: StreamableHTTPServerTransport | SSEServerTransport;
  /** The key that opened it: a session id is no use with another key. */
  owner: string | null;
  close(): Promise<void>;
}

const ownerOf = (req: Request) => req.principal?.name ?? null;

/**
 * MCP over Streamable HTTP at /mcp (POST, GET, DELETE with Mcp-Session-Id) and the legacy
 * HTTP+SSE transport at GET /mcp/sse with POST /mcp/messages, for older clients.
 */
@ApiExcludeController()
@Controller('mcp')
export class McpController implements OnApplicationShutdown {
  private readonly logger = new Logger('Mcp');
  private readonly sessions = new Map<string, Session>();

  constructor(private readonly factory: McpServerFactory) {}

  @All()
  async streamable(@Req() req: Request, @Res() res: Response): Promise<void> {
    const id = req.headers['mcp-session-id'];
    const found = typeof id === 'string' ? this.sessions.get(id) : undefined;
    const existing = found?.owner === ownerOf(req) ? found : undefined;
    if (existing?.transport instanceof StreamableHTTPServerTransport) {
      await existing.transport.handleRequest(req, res, req.body);
      return;
    }
    if (req.method !== 'POST' || id !== undefined || !isInitializeRequest(req.body)) {
      const status = id === undefined ? 400 : 404;
      const message = id === undefined ? 'Start a session with an initialize request' : 'Unknown or expired Mcp-Session-Id; initialize again';
      res.status(status).json({ jsonrpc: '2.0', error: { code: -32000, message }, id: null });
      return;
    }
    const server = this.factory.create();
    const transport = new StreamableHTTPServerTransport({
      sessionIdGenerator: () => randomUUID(),
      onsessioninitialized: (sessionId) => {
        this.sessions.set(sessionId, { transport, owner: ownerOf(req), close: () => server.close() });
      },
    });
    transport.onclose = () => {
      if (transport.sessionId) this.sessions.delete(transport.sessionId);
    };
    await server.connect(transport);
    await transport.handleRequest(req, res, req.body);
  }

  @Get('sse')
  async sse(@Req() req: Request, @Res() res: Response): Promise<void> {
    const server = this.factory.create();
    const transport = new SSEServerTransport('/mcp/messages', res);
    this.sessions.set(transport.sessionId, { transport, owner: ownerOf(req), close: () => server.close() });
    res.on('close', () => {
      this.sessions.delete(transport.sessionId);
      void server.close().catch(() => undefined);
    });
    await server.connect(transport);
  }

  @Post('messages')
  async messages(@Req() req: Request, @Res() res: Response): Promise<void> {
    const session = this.sessions.get(String(req.query.sessionId ?? ''));
    if (!(session?.transport instanceof SSEServerTransport) || session.owner !== ownerOf(req)) {
      res.status(404).json({ jsonrpc: '2.0', error: { code: -32000, message: 'Unknown sessionId; open GET /mcp/sse first' }, id: null });
      return;
    }
    await session.transport.handlePostMessage(req, res, req.body);
  }

  async onApplicationShutdown(): Promise<void> {
    const sessions = [...this.sessions.values()];
    this.sessions.clear();
    await Promise.allSettled(sessions.map((s) => s.close()));
    if (sessions.length) this.logger.log(`closed ${sessions.length} MCP session(s)`);
  }
}
