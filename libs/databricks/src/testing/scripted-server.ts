import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A request as the server saw it. */
export interface SeenRequest {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/** What to answer: a status with a body, or `drop` (destroy the socket without answering). */
export type ScriptedReply =
  { status: number; body?: string | Buffer; headers?: Record<string, string>; delayMs?: number } | 'drop';

export interface ScriptedServer {
  url: string;
  requests: SeenRequest[];
  close(): Promise<void>;
}

/**
 * A real HTTP server on an ephemeral port whose answers a test scripts request by request — for the
 * retry, error-parsing and OAuth cases that a faithful emulator never produces on its own (HTML error
 * pages, 400 bodies in odd shapes). Only the specs use it (excluded from the library build).
 */
export async function startScriptedServer(
  reply: (request: SeenRequest, index: number) => ScriptedReply | Promise<ScriptedReply>,
): Promise<ScriptedServer> {
  const requests: SeenRequest[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on(
      'end',
      () =>
        void (async () => {
          const seen: SeenRequest = {
            method: req.method ?? '',
            url: req.url ?? '',
            headers: req.headers,
            body: Buffer.concat(chunks),
          };
          requests.push(seen);
          const answer = await reply(seen, requests.length - 1);
          if (answer === 'drop') {
            req.socket.destroy();
            return;
          }
          // The delay ends early when the client goes away (a request timeout, the server closing), so that no
          // timer outlives the test that scripted it.
          if (answer.delayMs) await closedOrAfter(res, answer.delayMs);
          if (res.destroyed) return;
          res.writeHead(answer.status, { 'content-type': 'application/json', ...answer.headers });
          res.end(answer.body ?? '');
        })(),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Resolves after `ms`, or as soon as the response closes (its socket destroyed). */
function closedOrAfter(res: ServerResponse, ms: number): Promise<void> {
  return new Promise((resolve) => {
    if (res.destroyed) {
      resolve(); // closed while the reply was being worked out
      return;
    }
    const timer = setTimeout(resolve, ms);
    res.once('close', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

/** A clock that records the sleeps asked of it and returns at once, advancing its own time. */
export function recordingClock(start = 1_000_000): {
  now(): number;
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
  sleeps: number[];
} {
  let time = start;
  const sleeps: number[] = [];
  return {
    sleeps,
    now: () => time,
    sleep: async (ms: number, signal?: AbortSignal) => {
      if (signal?.aborted) throw signal.reason;
      sleeps.push(ms);
      time += ms;
    },
  };
}
