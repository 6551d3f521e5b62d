import { Injectable, NestMiddleware } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import type { AuthInfo } from '@modelcontextprotocol/server';
import { ApiKeyAuth } from '../auth/api-key.guard';
import { AppConfig } from '../config/app-config';

const LOCAL = ['localhost', '127.0.0.1', '[::1]'];

/**
 * Guards /mcp. Host and Origin must name this server (a web page must not reach a local MCP
 * server through DNS rebinding: the MCP spec asks servers to check both), and once keys are
 * configured one must come (Bearer or X-API-Key); the tools then act for that key's principal.
 */
@Injectable()
export class McpAccessMiddleware implements NestMiddleware {
  private readonly allowed: Set<string>;

  constructor(
    config: AppConfig,
    private readonly auth: ApiKeyAuth,
  ) {
    const publicHost = config.PUBLIC_URL ? new URL(config.PUBLIC_URL).hostname : undefined;
    this.allowed = new Set([...LOCAL, ...config.MCP_ALLOWED_HOSTS, ...(publicHost ? [publicHost] : [])].map((h) => h.toLowerCase()));
  }

  use(req: Request, res: Response, next: NextFunction): void {
    const host = hostname(req.headers.host);
    if (!host || !this.allowed.has(host)) {
      this.refuse(res, 403, `Host "${req.headers.host ?? ''}" is not allowed; add it to MCP_ALLOWED_HOSTS`);
      return;
    }
    const origin = req.headers.origin;
    if (origin && origin !== 'null' && !this.allowed.has(hostname(safeUrlHost(origin)) ?? '')) {
      this.refuse(res, 403, `Origin "${origin}" is not allowed`);
      return;
    }
    const principal = this.auth.authenticate(req);
    if (!principal) {
      res.setHeader('WWW-Authenticate', 'Bearer realm="nanococoa"');
      this.refuse(res, 401, this.auth.unauthorized(req).message);
      return;
    }
    // The guard sees the principal and lets it be; the MCP SDK hands `auth` to every tool call.
    req.principal = principal;
    (req as Request & { auth?: AuthInfo }).auth = { token: '', clientId: principal.name ?? 'open', scopes: principal.admin ? ['admin'] : [], extra: { principal, ip: req.ip } };
    next();
  }

  private refuse(res: Response, status: number, message: string): void {
    res.status(status).json({ jsonrpc: '2.0', error: { code: -32000, message }, id: null });
  }
}

/** The host name of a Host header, without port; IPv6 keeps its brackets. */
function hostname(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const value = header.trim().toLowerCase();
  if (value.startsWith('[')) return value.slice(0, value.indexOf(']') + 1);
  return value.split(':')[0];
}

function safeUrlHost(origin: string): string | undefined {
  try {
    return new URL(origin).host;
  } catch {
    return undefined;
  }
}
