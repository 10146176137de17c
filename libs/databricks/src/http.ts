import { Readable } from 'node:stream';
import type { CredentialsProvider } from './auth.js';
import { ClientErrorCode, DatabricksError, DatabricksNetworkError, parseApiError } from './errors.js';
import {
  abortError,
  backoffDelayMs,
  defaultRetryPolicy,
  isRetriableStatus,
  isTransientNetworkCode,
  networkErrorCode,
  retryAfterMs,
  type RetryPolicy,
} from './retry.js';
import { userAgent } from './version.js';
import { errorMessage } from '@fraudops/core';

/**
 * A request body: bytes or text (replayable), a factory that opens a fresh stream per attempt (replayable,
 * so retried like any other body), or a one-shot stream (sent once, never retried).
 */
export type BodySource = Uint8Array | string | Readable | (() => Readable | AsyncIterable<Uint8Array>);

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'HEAD';

export type QueryValue = string | number | boolean | undefined | readonly (string | number)[];

export interface ApiRequest {
  method: HttpMethod;
  /** Path starting with `/api/`, segments already encoded. */
  path: string;
  query?: Record<string, QueryValue>;
  /** A JSON body (mutually exclusive with `body`). */
  json?: unknown;
  body?: BodySource;
  contentType?: string;
  headers?: Record<string, string>;
  /**
   * Whether sending the request twice does no harm. Connection failures are retried only then (429/503 are
   * retried regardless: the server did not act on the request). @defaultValue true for all but POST
   */
  idempotent?: boolean;
  signal?: AbortSignal;
}

/** One line of the request log. Never carries headers, bodies or query strings. */
export interface RequestEvent {
  method: HttpMethod;
  path: string;
  attempt: number;
  durationMs: number;
  status?: number;
  /** The error code of a failed attempt. */
  error?: string;
  /** Set when another attempt follows after this many milliseconds. */
  retryInMs?: number;
}

export interface ApiClientOptions {
  host: string;
  credentials: CredentialsProvider;
  /** Overrides of the retry policy (tests shorten the back-off and inject a clock). */
  retry?: Partial<RetryPolicy>;
  /** Timeout of one attempt, up to the response headers (and the body, for JSON answers). @defaultValue 60 000 */
  requestTimeoutMs?: number;
  /** Appended to the User-Agent, e.g. `fraudops-sync/0.1.0`. */
  product?: string;
  onEvent?: (event: RequestEvent) => void;
}

export interface StreamResponse {
  status: number;
  headers: Headers;
  body: Readable;
}

type FetchBody = NonNullable<RequestInit['body']>;

class RequestTimeout extends Error {
  readonly code = 'REQUEST_TIMEOUT';
}

function buildQuery(query: Record<string, QueryValue> | undefined): string {
  if (!query) return '';
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined) continue;
    if (Array.isArray(value)) for (const v of value) params.append(key, String(v));
    else params.append(key, String(value));
  }
  const text = params.toString();
  return text ? `?${text}` : '';
}

interface PreparedBody {
  replayable: boolean;
  open(): { body: FetchBody | undefined; streaming: boolean };
}

function prepareBody(request: ApiRequest): PreparedBody {
  if (request.json !== undefined) {
    const text = JSON.stringify(request.json);
    return { replayable: true, open: () => ({ body: text, streaming: false }) };
  }
  const source = request.body;
  if (source === undefined) return { replayable: true, open: () => ({ body: undefined, streaming: false }) };
  if (typeof source === 'string' || source instanceof Uint8Array) {
    return { replayable: true, open: () => ({ body: source as FetchBody, streaming: false }) };
  }
  if (typeof source === 'function') {
    return {
      replayable: true,
      open: () => ({ body: Readable.from(source()), streaming: true }),
    };
  }
  let used = false;
  return {
    replayable: false,
    open: () => {
      if (used) throw new Error('a one-shot stream body cannot be sent twice');
      used = true;
      return { body: source, streaming: true };
    },
  };
}

/**
 * The HTTP edge of the client: authentication, User-Agent, per-attempt timeout, the SDK retry policy and
 * error parsing. Services build on {@link ApiClient.json} and {@link ApiClient.stream}.
 */
export class ApiClient {
  readonly host: string;
  readonly #credentials: CredentialsProvider;
  readonly #policy: RetryPolicy;
  readonly #requestTimeoutMs: number;
  readonly #userAgent: string;
  readonly #onEvent?: (event: RequestEvent) => void;

  constructor(options: ApiClientOptions) {
    this.host = options.host.replace(/\/+$/, '');
    this.#credentials = options.credentials;
    this.#policy = { ...defaultRetryPolicy, ...options.retry };
    this.#requestTimeoutMs = options.requestTimeoutMs ?? 60_000;
    this.#userAgent = userAgent(options.credentials.kind, options.product);
    this.#onEvent = options.onEvent;
  }

  get userAgent(): string {
    return this.#userAgent;
  }

  /** Sends the request and parses the JSON answer (an empty body gives `{}`). */
  async json<T>(request: ApiRequest): Promise<T> {
    const { text } = await this.#execute(request, true);
    if (text === undefined || text.trim() === '') return {} as T;
    try {
      return JSON.parse(text) as T;
    } catch (error) {
      throw new DatabricksError(
        ClientErrorCode.invalidResponse,
        `${request.method} ${request.path} answered a body that is not JSON.`,
        { endpoint: `${request.method} ${request.path}`, cause: error },
      );
    }
  }

  /** Sends the request and hands back the body as a stream (downloads). The timeout covers the headers only. */
  async stream(request: ApiRequest): Promise<StreamResponse> {
    const { response } = await this.#execute(request, false);
    const body = response.body
      ? Readable.fromWeb(response.body as import('node:stream/web').ReadableStream<Uint8Array>)
      : Readable.from([]);
    return { status: response.status, headers: response.headers, body };
  }

  /** Sends the request and returns status and headers, discarding any body (HEAD, or answers with no body). */
  async head(request: ApiRequest): Promise<{ status: number; headers: Headers }> {
    const { response } = await this.#execute(request, true);
    return { status: response.status, headers: response.headers };
  }

  // eslint-disable-next-line max-lines-per-function -- the retry loop: attempts, deadline, Retry-After, idempotency and error mapping share the loop's state
  async #execute(request: ApiRequest, readBody: boolean): Promise<{ response: Response; text?: string }> {
    const policy = this.#policy;
    const url = `${this.host}${request.path}${buildQuery(request.query)}`;
    const prepared = prepareBody(request);
    const idempotent = request.idempotent ?? request.method !== 'POST';
    const started = policy.clock.now();
    const endpoint = `${request.method} ${request.path}`;

    for (let attempt = 1; ; attempt++) {
      if (request.signal?.aborted) throw abortError(request.signal);
      const attemptStart = policy.clock.now();
      let failure: DatabricksError;
      let retryAfter: number | undefined;
      let retriable: boolean;
      // Credential failures (OAuth refused) are not transient: they propagate as they are.
      const authorization = await this.#credentials.authorization(request.signal);
      const timeout = new AbortController();
      const timer = setTimeout(() => timeout.abort(new RequestTimeout()), this.#requestTimeoutMs);
      const signal = request.signal ? AbortSignal.any([request.signal, timeout.signal]) : timeout.signal;
      try {
        const { body, streaming } = prepared.open();
        const headers: Record<string, string> = {
          'user-agent': this.#userAgent,
          authorization,
          accept: 'application/json',
          ...(request.json !== undefined ? { 'content-type': 'application/json' } : {}),
          ...(request.contentType ? { 'content-type': request.contentType } : {}),
          ...request.headers,
        };
        const init: RequestInit & { duplex?: 'half' } = { method: request.method, headers, body, signal };
        if (streaming) init.duplex = 'half';
        const response = await fetch(url, init);
        if (response.ok) {
          const text = readBody && request.method !== 'HEAD' ? await response.text() : undefined;
          this.#emit({
            method: request.method,
            path: request.path,
            attempt,
            status: response.status,
            durationMs: policy.clock.now() - attemptStart,
          });
          return { response, text };
        }
        const errorBody = request.method === 'HEAD' ? '' : await response.text().catch(() => '');
        failure = parseApiError({
          status: response.status,
          statusText: response.statusText,
          body: errorBody,
          requestIdHeader:
            response.headers.get('x-request-id') ?? response.headers.get('x-databricks-request-id') ?? undefined,
          method: request.method,
          path: request.path,
          attempts: attempt,
        });
        retriable = isRetriableStatus(response.status) && prepared.replayable;
        retryAfter = retryAfterMs(response.headers.get('retry-after'), Date.now());
      } catch (error) {
        if (request.signal?.aborted) throw abortError(request.signal);
        const code = timeout.signal.aborted ? 'REQUEST_TIMEOUT' : networkErrorCode(error);
        // fetch reports network failures as `TypeError: fetch failed` with the socket error as cause;
        // anything else is a bug of ours and must not be dressed up as a network error.
        if (code === undefined && !(error instanceof TypeError && error.message === 'fetch failed')) throw error;
        const what =
          code === 'REQUEST_TIMEOUT'
            ? `timed out after ${this.#requestTimeoutMs / 1000} s`
            : `failed (${code ?? errorMessage(error)})`;
        failure = new DatabricksNetworkError(ClientErrorCode.network, `${endpoint} to ${this.host} ${what}.`, {
          endpoint,
          attempts: attempt,
          cause: error,
        });
        retriable = isTransientNetworkCode(code) && idempotent && prepared.replayable;
      } finally {
        clearTimeout(timer);
      }

      const delay = retriable ? (retryAfter ?? backoffDelayMs(attempt, policy)) : undefined;
      const elapsed = policy.clock.now() - started;
      if (delay === undefined || elapsed + delay > policy.deadlineMs) {
        this.#emit({
          method: request.method,
          path: request.path,
          attempt,
          status: failure.status,
          error: failure.code,
          durationMs: policy.clock.now() - attemptStart,
        });
        throw attempt > 1 ? withAttempts(failure, attempt, elapsed) : failure;
      }
      this.#emit({
        method: request.method,
        path: request.path,
        attempt,
        status: failure.status,
        error: failure.code,
        durationMs: policy.clock.now() - attemptStart,
        retryInMs: delay,
      });
      await policy.clock.sleep(delay, request.signal);
    }
  }

  #emit(event: RequestEvent): void {
    this.#onEvent?.(event);
  }
}

/** The last real error, saying that retries were made (the retry deadline is never the reported cause). */
function withAttempts(error: DatabricksError, attempts: number, elapsedMs: number): DatabricksError {
  const Cls = error.constructor as new (code: string, message: string, options: object) => DatabricksError;
  return new Cls(
    error.code,
    `${error.message} (gave up after ${attempts} attempts in ${Math.round(elapsedMs / 1000)} s)`,
    {
      status: error.status,
      errorCode: error.errorCode,
      requestId: error.requestId,
      details: error.details,
      endpoint: error.endpoint,
      attempts,
      cause: error.cause,
    },
  );
}

/** Encodes each segment of a workspace or volume path for use inside a URL path, keeping the slashes. */
export function encodePath(path: string): string {
  return path
    .split('/')
    .map((segment) => encodeURIComponent(segment))
    .join('/');
}
