import { Agent, request as httpRequest } from 'node:http';
import { loadConfig, type ScoringConfig } from '../config.js';
import { createLogger } from '../logger.js';
import { startScoringServer, type ScoringServer } from '../start.js';

export interface TestServer extends ScoringServer {
  config: ScoringConfig;
  /** Every log line the service wrote (JSON text). */
  logs: string[];
}

/**
 * The real service on an ephemeral port, configured through the same environment variables as in
 * production, with its logs captured for assertions. Waits for warm-up.
 */
export async function startTestServer(env: Record<string, string>): Promise<TestServer> {
  const config = loadConfig({ PORT: '0', LOG_LEVEL: 'info', ...env });
  const logs: string[] = [];
  const logger = createLogger(config.logLevel, { write: (line: string) => void logs.push(line) });
  const server = await startScoringServer(config, { logger, defaultMetrics: false });
  await server.warmedUp;
  return Object.assign(server, { config, logs });
}

/** One HTTP request (JSON in, JSON or text out): the same client the smoke check uses. */
export { requestJson as call, type Reply } from '../smoke/json-request.js';

const keepAlive = new Agent({ keepAlive: true, maxSockets: 64 });

/**
 * A raw request over a keep-alive agent (lighter than fetch for thousands of requests): the body is sent
 * byte for byte, whatever it is. Resolves with the status and the response text.
 */
export function rawRequest(
  base: string,
  method: string,
  path: string,
  body: string | Uint8Array,
  headers: Record<string, string>,
): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const request = httpRequest(
      `${base}${path}`,
      { method, headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) }, agent: keepAlive },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () =>
          resolve({ status: response.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }),
        );
        response.on('error', reject);
      },
    );
    request.on('error', reject);
    request.end(body);
  });
}

/** Closes the keep-alive sockets {@link rawRequest} left open (call in afterAll). */
export function closeRawConnections(): void {
  keepAlive.destroy();
}

/**
 * Polls `condition` until it holds, or fails naming `what` after `timeoutMs`: tests synchronise on what the
 * service shows, never on a sleep whose length assumes how fast this machine is.
 */
export async function waitUntil(
  what: string,
  condition: () => boolean | Promise<boolean>,
  timeoutMs = 60_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
