import { Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { Request } from 'express';
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { type WebSocket, WebSocketServer } from 'ws';
import { ApiKeyAuth } from '../auth/api-key.guard';
import { DomainException, isDomainException } from '../common/errors/domain.exception';
import { ErrorCode, httpStatusFor } from '../common/errors/error-codes';
import type { ErrorEnvelope } from '../common/errors/error.filter';
import { type EventSink, JobEventsService } from './job-events.service';

const ROUTE = /^\/api\/status\/([^/?#]+)\/ws(?:\?.*)?$/;

/**
 * The seed's WebSocket progress, `GET /api/status/{job_id}/ws` (any job kind): text frames
 * `{"event": "status" | "done" | "deleted", "data": ...}` as the Server-Sent Events of
 * /jobs/{id}/events carry them, pings while nothing changes, and a normal close after `done`.
 * The upgrade request is authenticated like every route (Authorization or X-API-Key); a refused
 * one gets the usual JSON error envelope as a plain HTTP answer before any handshake.
 */
@Injectable()
export class StatusSocket implements OnApplicationBootstrap, OnApplicationShutdown {
  // Clients only listen: anything they send beyond a small frame closes the socket.
  private readonly wss = new WebSocketServer({ noServer: true, maxPayload: 4096 });
  private server?: Server;

  constructor(
    private readonly adapter: HttpAdapterHost,
    private readonly events: JobEventsService,
    private readonly auth: ApiKeyAuth,
  ) {}

  onApplicationBootstrap(): void {
    this.server = this.adapter.httpAdapter?.getHttpServer() as Server | undefined;
    this.server?.on('upgrade', this.upgrade);
  }

  onApplicationShutdown(): void {
    this.server?.off('upgrade', this.upgrade);
    for (const client of this.wss.clients) client.terminate();
    this.wss.close();
  }

  private readonly upgrade = (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    const route = ROUTE.exec(req.url ?? '');
    if (!route) return refuse(socket, new DomainException(ErrorCode.NOT_FOUND, `No WebSocket at ${(req.url ?? '').split('?')[0]}; progress is at /api/status/{job_id}/ws`));
    const principal = this.auth.authenticate(req as Request);
    if (!principal) return refuse(socket, this.auth.unauthorized(req as Request));
    const open = (): EventSink => {
      let ws: WebSocket | undefined;
      this.wss.handleUpgrade(req, socket, head, (client) => (ws = client));
      return {
        send: (event, data) => ws?.readyState === ws?.OPEN && ws?.send(JSON.stringify({ event, data })),
        keepAlive: () => ws?.readyState === ws?.OPEN && ws?.ping(),
        onClose: (listener) => (ws ? ws.on('close', listener) : listener()),
        end: () => ws?.close(1000, 'done'),
      };
    };
    this.events.follow(decodeURIComponent(route[1]), principal, open).catch((error: unknown) => {
      refuse(socket, isDomainException(error) ? error : new DomainException(ErrorCode.INTERNAL, 'Internal error; the server log has the details'));
    });
  };
}

/** The error envelope as a plain HTTP answer on the raw socket, then the socket closed. */
function refuse(socket: Duplex, error: DomainException): void {
  if (!socket.writable) return;
  const body: ErrorEnvelope = { error: { code: error.code, message: error.message, details: error.details ?? null, timestamp: new Date().toISOString() } };
  const json = JSON.stringify(body);
  const status = httpStatusFor(error.code);
  socket.end(`HTTP/1.1 ${status} ${status === 404 ? 'Not Found' : status === 401 ? 'Unauthorized' : 'Error'}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(json)}\r\nConnection: close\r\n\r\n${json}`);
}
