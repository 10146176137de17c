/**
 * The one root error of `@fraudops/databricks` and its typed subclasses.
 *
 * `code` is stable: for an answer from the workspace it is the server's `error_code` (normalised, see
 * {@link parseApiError}); for failures on our side it is one of {@link ClientErrorCode}. Apps map codes and
 * classes to exit codes and HTTP statuses in one place (docs/errors.md). Messages never carry secrets.
 */

/** Codes raised on the client side (no answer from the workspace, or nothing to send it). */
export const ClientErrorCode = {
  /** No host, no credentials, or an unreadable config file / profile: the message names the setting. */
  configMissing: 'CONFIG_MISSING',
  /** Two credential kinds at once (a token and OAuth client credentials), or a malformed value. */
  configInvalid: 'CONFIG_INVALID',
  /** The OAuth token endpoint could not be discovered or refused the client credentials. */
  oauthFailed: 'OAUTH_FAILED',
  /** The connection failed, was reset or timed out, and retries (if allowed) ran out. */
  network: 'NETWORK_ERROR',
  /** The caller's AbortSignal fired. */
  aborted: 'ABORTED',
  /** `waitForRun` gave up before the run reached a terminal state (the run keeps going). */
  waitTimeout: 'WAIT_TIMEOUT',
  /** The workspace answered 2xx with a body that is not what the API promises. */
  invalidResponse: 'INVALID_RESPONSE',
  /** A caller passed an argument the client can refuse before sending anything (named in the message). */
  invalidArgument: 'INVALID_ARGUMENT',
} as const;
export type ClientErrorCode = (typeof ClientErrorCode)[keyof typeof ClientErrorCode];

export interface DatabricksErrorOptions {
  /** HTTP status of the answer, when there was one. */
  status?: number;
  /** The `error_code` exactly as the server sent it (before any override). */
  errorCode?: string;
  /** The request id the workspace reported (header or `RequestInfo` detail), for support tickets. */
  requestId?: string;
  /** The `details` array of the error body, as sent. */
  details?: unknown[];
  /** Method and path (never the query string or the host's credentials) of the failed call. */
  endpoint?: string;
  /** How many attempts were made before giving up (1 = no retry). */
  attempts?: number;
  cause?: unknown;
}

/** The root of every error this library throws. */
export class DatabricksError extends Error {
  readonly code: string;
  readonly status?: number;
  readonly errorCode?: string;
  readonly requestId?: string;
  readonly details?: unknown[];
  readonly endpoint?: string;
  readonly attempts?: number;

  constructor(code: string, message: string, options: DatabricksErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    if (options.status !== undefined) this.status = options.status;
    if (options.errorCode !== undefined) this.errorCode = options.errorCode;
    if (options.requestId !== undefined) this.requestId = options.requestId;
    if (options.details !== undefined) this.details = options.details;
    if (options.endpoint !== undefined) this.endpoint = options.endpoint;
    if (options.attempts !== undefined) this.attempts = options.attempts;
  }

  /** A plain object for logs and `--json` output (no stack, no cause chain). */
  toJSON(): Record<string, unknown> {
    return {
      name: this.name,
      code: this.code,
      message: this.message,
      status: this.status,
      error_code: this.errorCode,
      request_id: this.requestId,
      endpoint: this.endpoint,
      attempts: this.attempts,
    };
  }
}

// One class per HTTP status family, as the official SDKs name them.
export class BadRequest extends DatabricksError {}
export class Unauthenticated extends DatabricksError {}
export class PermissionDenied extends DatabricksError {}
export class NotFound extends DatabricksError {}
export class ResourceConflict extends DatabricksError {}
export class TooManyRequests extends DatabricksError {}
export class Cancelled extends DatabricksError {}
export class InternalError extends DatabricksError {}
export class NotImplemented extends DatabricksError {}
export class TemporarilyUnavailable extends DatabricksError {}
export class DeadlineExceeded extends DatabricksError {}
/** An error answer whose status none of the classes above covers. */
export class UnknownApiError extends DatabricksError {}

// Client-side failures.
export class DatabricksConfigError extends DatabricksError {}
export class DatabricksNetworkError extends DatabricksError {}
export class DatabricksAbortError extends DatabricksError {}
export class WaitTimeoutError extends DatabricksError {}

type ApiErrorClass = new (code: string, message: string, options?: DatabricksErrorOptions) => DatabricksError;

interface StatusClass {
  cls: ApiErrorClass;
  /** The code used when the body carries no `error_code`. */
  code: string;
}

const STATUS_CLASSES: Record<number, StatusClass> = {
  400: { cls: BadRequest, code: 'BAD_REQUEST' },
  401: { cls: Unauthenticated, code: 'UNAUTHENTICATED' },
  403: { cls: PermissionDenied, code: 'PERMISSION_DENIED' },
  404: { cls: NotFound, code: 'NOT_FOUND' },
  409: { cls: ResourceConflict, code: 'RESOURCE_CONFLICT' },
  429: { cls: TooManyRequests, code: 'TOO_MANY_REQUESTS' },
  499: { cls: Cancelled, code: 'CANCELLED' },
  500: { cls: InternalError, code: 'INTERNAL_ERROR' },
  501: { cls: NotImplemented, code: 'NOT_IMPLEMENTED' },
  503: { cls: TemporarilyUnavailable, code: 'TEMPORARILY_UNAVAILABLE' },
  504: { cls: DeadlineExceeded, code: 'DEADLINE_EXCEEDED' },
};

/**
 * Some `error_code`s say more than their status: the SDKs raise the class of the code, not of the status
 * (a `RESOURCE_DOES_NOT_EXIST` sent with 400 is still a NotFound).
 */
const CODE_CLASSES: Record<string, ApiErrorClass> = {
  RESOURCE_DOES_NOT_EXIST: NotFound,
  NOT_FOUND: NotFound,
  RESOURCE_ALREADY_EXISTS: ResourceConflict,
  ALREADY_EXISTS: ResourceConflict,
  RESOURCE_CONFLICT: ResourceConflict,
  ABORTED: ResourceConflict,
  PERMISSION_DENIED: PermissionDenied,
  UNAUTHENTICATED: Unauthenticated,
  REQUEST_LIMIT_EXCEEDED: TooManyRequests,
  RESOURCE_EXHAUSTED: TooManyRequests,
  TEMPORARILY_UNAVAILABLE: TemporarilyUnavailable,
};

/**
 * The Jobs API answers a missing job or run with `400 INVALID_PARAMETER_VALUE "Job 123 does not exist."`;
 * the official SDKs turn that into NotFound, and so do we (only on the endpoints that do it).
 */
const MISSING_JOB_OR_RUN = /^(Job|Run) \d+ does not exist\.?$/;
const NOT_FOUND_OVERRIDE_PATHS = /\/api\/2\.[0-2]\/jobs\/(get|runs\/get|runs\/get-output)$/;

export interface RawErrorResponse {
  status: number;
  statusText?: string;
  /** The response body as text (possibly empty). */
  body: string;
  /** The request id header, when the server sent one. */
  requestIdHeader?: string;
  method?: string;
  /** The URL path (no query string). */
  path?: string;
  attempts?: number;
}

interface ParsedBody {
  errorCode?: string;
  message?: string;
  details?: unknown[];
}

/** Every error body shape the workspace is known to send (see the API reference notes). */
export function parseErrorBody(body: string): ParsedBody {
  const text = body.trim();
  if (text === '') return {};
  if (text.startsWith('{')) {
    try {
      const json = JSON.parse(text) as Record<string, unknown>;
      const str = (v: unknown) => (typeof v === 'string' && v !== '' ? v : undefined);
      const details = Array.isArray(json['details']) ? (json['details'] as unknown[]) : undefined;
      // Current APIs: {error_code, message, details}.
      // API 1.2 and some proxies: {error: "..."}; OAuth endpoints: {error, error_description};
      // SCIM: {detail, status}.
      const errorCode = str(json['error_code']) ?? (str(json['error_description']) ? str(json['error']) : undefined);
      const message =
        str(json['message']) ?? str(json['error_description']) ?? str(json['detail']) ?? str(json['error']);
      return { errorCode, message, details };
    } catch {
      // not JSON after all: fall through to the text shapes
    }
  }
  if (/^\s*<(!doctype|html)/i.test(text)) {
    // Jetty/nginx error pages: the reason sits in <pre> (Jetty) or <title>.
    const pre = /<pre[^>]*>([\s\S]*?)<\/pre>/i.exec(text)?.[1];
    const title = /<title[^>]*>([\s\S]*?)<\/title>/i.exec(text)?.[1];
    const raw = (pre ?? title ?? '')
      .replace(/<[^>]+>/g, ' ')
      .replace(/\s+/g, ' ')
      .trim();
    return { message: raw.replace(/^Error \d+\s*/, '') || undefined };
  }
  // Plain text, often `ERROR_CODE: message`.
  const coded = /^([A-Z][A-Z0-9_]{2,}):\s*([\s\S]+)$/.exec(text);
  if (coded) return { errorCode: coded[1], message: coded[2].trim() };
  return { message: text.length > 500 ? `${text.slice(0, 500)}…` : text };
}

function requestIdFromDetails(details: unknown[] | undefined): string | undefined {
  for (const d of details ?? []) {
    if (d && typeof d === 'object') {
      const rec = d as Record<string, unknown>;
      if (
        typeof rec['@type'] === 'string' &&
        rec['@type'].endsWith('RequestInfo') &&
        typeof rec['request_id'] === 'string'
      ) {
        return rec['request_id'];
      }
    }
  }
  return undefined;
}

const HTTP_REASONS: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  409: 'Conflict',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  501: 'Not Implemented',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
};

/** Turns an error answer into the matching typed error. */
export function parseApiError(raw: RawErrorResponse): DatabricksError {
  const parsed = parseErrorBody(raw.body);
  const statusClass = STATUS_CLASSES[raw.status];
  const reason = raw.statusText || HTTP_REASONS[raw.status] || 'HTTP error';
  const message = parsed.message ?? reason;
  let cls: ApiErrorClass = (parsed.errorCode && CODE_CLASSES[parsed.errorCode]) || statusClass?.cls || UnknownApiError;
  let code = parsed.errorCode ?? statusClass?.code ?? 'UNKNOWN';
  if (
    raw.status === 400 &&
    parsed.errorCode === 'INVALID_PARAMETER_VALUE' &&
    MISSING_JOB_OR_RUN.test(message) &&
    (raw.path === undefined || NOT_FOUND_OVERRIDE_PATHS.test(raw.path))
  ) {
    cls = NotFound;
    code = 'RESOURCE_DOES_NOT_EXIST';
  }
  const endpoint = raw.method && raw.path ? `${raw.method} ${raw.path}` : undefined;
  return new cls(code, message, {
    status: raw.status,
    errorCode: parsed.errorCode,
    requestId: raw.requestIdHeader ?? requestIdFromDetails(parsed.details),
    details: parsed.details,
    endpoint,
    attempts: raw.attempts,
  });
}

/** True for an error that says the thing asked for does not exist (including the 400 override). */
export function isNotFound(error: unknown): error is NotFound {
  return error instanceof NotFound;
}
