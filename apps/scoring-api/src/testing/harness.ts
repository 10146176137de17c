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

export interface Reply {
  status: number;
  // Response bodies are asserted field by field in the tests.
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any
  headers: Headers;
}

/** One HTTP request; `body` objects are sent as JSON, strings as they are. */
export async function call(base: string, method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Reply> {
  const init: RequestInit = { method, headers: { ...headers } };
  if (body !== undefined) {
    init.body = typeof body === 'string' || body instanceof Uint8Array ? (body as string) : JSON.stringify(body);
    if (!Object.keys(headers).some((h) => h.toLowerCase() === 'content-type')) (init.headers as Record<string, string>)['content-type'] = 'application/json';
  }
  const response = await fetch(`${base}${path}`, init);
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // not JSON (metrics): keep the text
  }
  return { status: response.status, body: parsed, headers: response.headers };
}
