import { All, Controller, Get, Logger, OnApplicationShutdown, Post, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { SSEServerTransport } from '@modelcontextprotocol/sdk/server/sse.js';
import { NodeStreamableHTTPServerTransport, toNodeHandler, toWebRequest, type NodeMcpRequestHandler } from '@modelcontextprotocol/node';
import { createMcpHandler, isInitializeRequest, isLegacyRequest, type McpHttpHandler, type Transport } from '@modelcontextprotocol/server';
import type { Request, Response } from 'express';
import { randomUUID } from 'node:crypto';
import { McpServerFactory } from './mcp-server.factory';

interface Session {
  transport: NodeStreamableHTTPServerTransport | SSEServerTransport;
  /** The key that opened it: a session id is no use with another key. */
  owner: string | null;
  close(): Promise<void>;
}

const ownerOf = (req: Request) => req.principal?.name ?? null;

/**
 * MCP at /mcp for both protocol eras, chosen per request as the spec says: 2026-07-28 requests
 * (stateless, each with its _meta envelope) go to the SDK's per-request handler; 2025-era clients
 * (initialize, then Mcp-Session-Id on POST, GET and DELETE) get sessions as before. The legacy
 * HTTP+SSE transport stays at GET /mcp/sse with POST /mcp/messages for the oldest clients.
 */
@ApiExcludeController()
@Controller('mcp')
export class McpController implements OnApplicationShutdown {
  private readonly logger = new Logger('Mcp');
  private readonly sessions = new Map<string, Session>();
  private readonly modern: McpHttpHandler;
  private readonly serveModern: NodeMcpRequestHandler;

  constructor(private readonly factory: McpServerFactory) {
    const onerror = (error: Error) => this.logger.debug(`2026-07-28 request: ${error.message}`);
    this.modern = createMcpHandler((context) => factory.create(context), { legacy: 'reject', onerror });
    this.serveModern = toNodeHandler(this.modern, { onerror });
  }

  @All()
  async streamable(@Req() req: Request, @Res() res: Response): Promise<void> {
    const probe = await toWebRequest(req, req.body);
    if (!(await isLegacyRequest(probe, req.body))) {
      await this.serveModern(req, res, req.body);
      return;
    }
    const id = req.headers['mcp-session-id'];
    const found = typeof id === 'string' ? this.sessions.get(id) : undefined;
    const existing = found?.owner === ownerOf(req) ? found : undefined;
    if (existing?.transport instanceof NodeStreamableHTTPServerTransport) {
      await existing.transport.handleRequest(req, res, req.body);
      return;
    }
    if (req.method !== 'POST' || id !== undefined || !isInitializeRequest(req.body)) {
      const status = id === undefined ? 400 : 404;
      const message = id === undefined ? 'Start a session with an initialize request, or send 2026-07-28 requests with their _meta' : 'Unknown or expired Mcp-Session-Id; initialize again';
      res.status(status).json({ jsonrpc: '2.0', error: { code: -32000, message }, id: null });
      return;
    }
    const server = this.factory.create({ era: 'legacy' });
    const transport = new NodeStreamableHTTPServerTransport({
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
    const server = this.factory.create({ era: 'legacy' });
    // The SDK v2 has no HTTP+SSE transport; the v1 one speaks the same JSON-RPC messages.
    const transport = new SSEServerTransport('/mcp/messages', res);
    this.sessions.set(transport.sessionId, { transport, owner: ownerOf(req), close: () => server.close() });
    res.on('close', () => {
      this.sessions.delete(transport.sessionId);
      void server.close().catch(() => undefined);
    });
    await server.connect(transport as unknown as Transport);
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
    await Promise.allSettled([...sessions.map((s) => s.close()), this.modern.close()]);
    if (sessions.length) this.logger.log(`closed ${sessions.length} MCP session(s)`);
  }
}
