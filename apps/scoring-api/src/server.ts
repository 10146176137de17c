import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Express } from 'express';
import { BodyRequest } from './http/json-body.js';
import { TimedResponse } from './http/request-context.js';

export interface RunningServer {
  server: Server;
  port: number;
  url: string;
  /**
   * Graceful stop: refuse new connections, close idle keep-alive sockets, let in-flight requests finish
   * (ask busy keep-alive sockets to close after their response), and after `timeoutMs` cut what is left.
   */
  close(timeoutMs: number): Promise<{ forced: boolean }>;
}

/** Listens on `port` (0 = ephemeral) and `host`; resolves once the socket is bound. */
export async function listen(app: Express, port: number, host: string): Promise<RunningServer> {
  // Requests and responses with the fields the hot path stores declared up front (see both classes).
  const server = createServer({ IncomingMessage: BodyRequest, ServerResponse: TimedResponse }, app);
  server.listen(port, host);
  // Keep-alive longer than common load balancers' idle timeouts (60 s), so they close first.
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  server.requestTimeout = 120_000;
  await once(server, 'listening');
  const address = server.address() as AddressInfo;
  const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  let closing: Promise<{ forced: boolean }> | undefined;

  return {
    server,
    port: address.port,
    url: `http://${shownHost === '0.0.0.0' || shownHost === '[::]' ? '127.0.0.1' : shownHost}:${address.port}`,
    close(timeoutMs) {
      closing ??= new Promise((resolve) => {
        let forced = false;
        const timer = setTimeout(() => {
          forced = true;
          server.closeAllConnections();
        }, timeoutMs);
        timer.unref();
        // Responses written while draining tell keep-alive clients to reconnect elsewhere.
        server.on('request', (_req, res) => res.setHeader('connection', 'close'));
        server.close(() => {
          clearTimeout(timer);
          resolve({ forced });
        });
        server.closeIdleConnections();
      });
      return closing;
    },
  };
}
