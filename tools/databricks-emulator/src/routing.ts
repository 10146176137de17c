import type { IncomingMessage } from 'node:http';
import type { Readable } from 'node:stream';
import { ApiError, invalidParameter } from './api-error.js';

/** What a handler answers; the dispatcher writes it (or drops it, when a fault says so). */
export interface Reply {
  status: number;
  headers?: Record<string, string>;
  /** JSON-serialisable body; omitted for an empty body. */
  json?: unknown;
  /** A raw body: bytes or a stream (file downloads). */
  raw?: Buffer | Readable;
}

export interface RequestContext {
  method: string;
  /** URL path, decoded per segment. */
  path: string;
  params: Record<string, string>;
  query: URLSearchParams;
  headers: IncomingMessage['headers'];
  /** The request body stream (for uploads); `json()` reads it instead for JSON endpoints. */
  request: IncomingMessage;
  json<T = Record<string, unknown>>(): Promise<T>;
}

export type Handler = (ctx: RequestContext) => Promise<Reply> | Reply;

interface Route {
  method: string;
  pattern: RegExp;
  handler: Handler;
}

export const ok = (json: unknown = {}): Reply => ({ status: 200, json });

/**
 * A minimal route table: `add('GET', '/api/2.0/repos/:id', handler)`; a trailing `*rest` captures the
 * remainder of the path (volume file paths).
 */
export class Router {
  readonly #routes: Route[] = [];

  add(method: string, template: string, handler: Handler): this {
    const source = template
      .split('/')
      .map((segment) => {
        if (segment.startsWith(':')) return `(?<${segment.slice(1)}>[^/]+)`;
        if (segment.startsWith('*')) return `(?<${segment.slice(1)}>.*)`;
        return segment.replace(/[.+?^${}()|[\]\\-]/g, '\\$&');
      })
      .join('/');
    this.#routes.push({ method, pattern: new RegExp(`^${source}$`), handler });
    return this;
  }

  /** The handler for a request, or why there is none (404 unknown path, 405 wrong method). */
  match(method: string, path: string): { handler: Handler; params: Record<string, string> } | 'no-path' | 'no-method' {
    let pathMatched = false;
    for (const route of this.#routes) {
      const m = route.pattern.exec(path);
      if (!m) continue;
      pathMatched = true;
      if (route.method !== method) continue;
      const params: Record<string, string> = {};
      for (const [key, value] of Object.entries(m.groups ?? {})) params[key] = value; // the path is decoded already
      return { handler: route.handler, params };
    }
    return pathMatched ? 'no-method' : 'no-path';
  }
}

/** Reads a whole request body (JSON endpoints only: bodies are small). */
export async function readBody(request: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

export async function parseJsonBody<T>(request: IncomingMessage): Promise<T> {
  const body = (await readBody(request)).toString('utf8');
  if (body.trim() === '') return {} as T;
  try {
    const parsed: unknown = JSON.parse(body);
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
      throw invalidParameter('The request body must be a JSON object.');
    }
    return parsed as T;
  } catch (error) {
    if (error instanceof SyntaxError) {
      throw new ApiError(400, 'MALFORMED_REQUEST', `Invalid JSON given in the body of the request: ${error.message}`);
    }
    throw error;
  }
}

// Field readers that answer 400 INVALID_PARAMETER_VALUE naming the field, as the service does.

export function requireString(body: Record<string, unknown>, field: string): string {
  const value = body[field];
  if (typeof value !== 'string' || value === '') throw invalidParameter(`Missing required field: ${field}`);
  return value;
}

export function optionalString(body: Record<string, unknown>, field: string): string | undefined {
  const value = body[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw invalidParameter(`Invalid value for ${field}: expected a string.`);
  return value;
}

/** An int64 id sent as a number or a numeric string (query strings are always strings). */
export function requireId(value: unknown, field: string): number {
  if (value === undefined || value === null || value === '') throw invalidParameter(`Missing required field: ${field}`);
  const n = typeof value === 'number' ? value : Number(value);
  if (!Number.isSafeInteger(n) || n < 0)
    throw invalidParameter(
      `Invalid value for ${field}: "${typeof value === 'string' ? value : JSON.stringify(value)}" is not an id.`,
    );
  return n;
}
