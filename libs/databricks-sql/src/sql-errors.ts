import {
  ClientErrorCode,
  DatabricksError,
  DatabricksNetworkError,
  NotFound,
  PermissionDenied,
  TemporarilyUnavailable,
  Unauthenticated,
  type DatabricksErrorOptions,
} from '@fraudops/databricks';

/** Codes of SQL-engine failures that are not plain HTTP answers (those use the lib's HTTP-status classes). */
export const SqlErrorCode = {
  /** The warehouse ran the statement and it failed (syntax, missing table, bad cast, …); `sqlState` says which. */
  statementFailed: 'SQL_STATEMENT_FAILED',
  /** The statement was cancelled or closed before it finished. */
  statementCanceled: 'SQL_STATEMENT_CANCELED',
  /** The statement ran past its timeout on the warehouse. */
  statementTimeout: 'SQL_STATEMENT_TIMEOUT',
  /** The session or operation handle is no longer valid (warehouse restarted, session expired). */
  sessionLost: 'SQL_SESSION_LOST',
  /** The warehouse answered with a Thrift-level exception (an unsupported call, a server-side fault). */
  protocolError: 'SQL_PROTOCOL_ERROR',
  /** `query` after `close()`. */
  engineClosed: 'SQL_ENGINE_CLOSED',
  /** Anything else the driver raised; the message keeps the driver's text. */
  driverError: 'SQL_DRIVER_ERROR',
} as const;
export type SqlErrorCode = (typeof SqlErrorCode)[keyof typeof SqlErrorCode];

/** A failure of the SQL engine that is about the statement or the protocol rather than HTTP or the network. */
export class DatabricksSqlError extends DatabricksError {
  /** SQLSTATE the warehouse reported (e.g. `42P01` for a missing table), when it reported one. */
  readonly sqlState?: string;

  constructor(code: string, message: string, options: DatabricksErrorOptions & { sqlState?: string } = {}) {
    super(code, message, options);
    if (options.sqlState !== undefined) this.sqlState = options.sqlState;
  }

  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), sql_state: this.sqlState };
  }
}

export interface SqlErrorContext {
  /** `host:port/path` of the warehouse, for messages. */
  endpoint: string;
  /** Values that must never appear in a message. */
  secrets: Iterable<string>;
}

const TLS_ERROR_CODES = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);
const NETWORK_ERROR_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EPIPE',
]);

interface DriverErrorShape {
  name?: unknown;
  message?: unknown;
  code?: unknown;
  errorCode?: unknown;
  statusCode?: unknown;
  type?: unknown;
  response?: { sqlState?: unknown; displayMessage?: unknown; errorMessage?: unknown };
  payload?: { response?: { status?: unknown } };
  cause?: unknown;
  constructor?: { name?: string };
}

/**
 * Maps whatever `@databricks/sql` raised to this library's errors. The driver's error classes are not
 * exported, so they are recognised by shape: `OperationStateError` (errorCode + status response),
 * `THTTPException` (statusCode), `RetryError` (payload), `StatusError`, `ParameterError`, node-fetch's
 * system errors. Secrets are scrubbed from every message.
 */
// eslint-disable-next-line max-lines-per-function -- one branch per error class the driver throws (Thrift, HTTP, retry, status, parameter, system), in the order they are tested
export function toDatabricksError(error: unknown, context: SqlErrorContext): DatabricksError {
  if (error instanceof DatabricksError) return error;
  const shape = (typeof error === 'object' && error !== null ? error : {}) as DriverErrorShape;
  const scrub = (text: string) => {
    let out = text;
    for (const secret of context.secrets) if (secret) out = out.split(secret).join('***');
    return out;
  };
  const driverText = scrub(typeof shape.message === 'string' && shape.message ? shape.message : String(error));
  const base = { cause: error, endpoint: context.endpoint };

  const operationCode = typeof shape.errorCode === 'string' ? shape.errorCode : undefined;
  const isOperationState =
    (shape.response !== undefined || shape.constructor?.name === 'OperationStateError') &&
    operationCode !== undefined &&
    ['ERROR', 'CANCELED', 'CLOSED', 'TIMEOUT', 'UNKNOWN'].includes(operationCode);
  if (isOperationState) {
    const response = shape.response ?? {};
    const reported = response.displayMessage ?? response.errorMessage;
    const detail = scrub(typeof reported === 'string' ? reported : driverText);
    const sqlState = typeof response.sqlState === 'string' && response.sqlState ? response.sqlState : undefined;
    if (operationCode === 'CANCELED' || operationCode === 'CLOSED') {
      return new DatabricksSqlError(
        SqlErrorCode.statementCanceled,
        `SQL statement was ${operationCode.toLowerCase()} before it finished: ${detail}`,
        { ...base, sqlState },
      );
    }
    if (operationCode === 'TIMEOUT') {
      return new DatabricksSqlError(
        SqlErrorCode.statementTimeout,
        `SQL statement timed out on the warehouse: ${detail}`,
        { ...base, sqlState },
      );
    }
    return new DatabricksSqlError(SqlErrorCode.statementFailed, `SQL statement failed: ${detail}`, {
      ...base,
      sqlState,
    });
  }

  const httpStatus =
    typeof shape.statusCode === 'number'
      ? shape.statusCode
      : typeof shape.payload?.response?.status === 'number'
        ? shape.payload.response.status
        : undefined;
  if (httpStatus === 401) {
    return new Unauthenticated(
      'UNAUTHENTICATED',
      `The SQL warehouse at ${context.endpoint} rejected the request (HTTP 401): no valid credentials were sent. Set a token (DATABRICKS_TOKEN) or OAuth client credentials.`,
      { ...base, status: 401 },
    );
  }
  if (httpStatus === 403) {
    return new PermissionDenied(
      'PERMISSION_DENIED',
      `The SQL warehouse at ${context.endpoint} rejected the credentials (HTTP 403): the token is invalid or expired, or lacks access to this warehouse. Check DATABRICKS_TOKEN / the service principal's permissions.`,
      { ...base, status: 403 },
    );
  }
  if (httpStatus === 404) {
    return new NotFound(
      'RESOURCE_DOES_NOT_EXIST',
      `No SQL warehouse at ${context.endpoint} (HTTP 404): check the warehouse id or HTTP path.`,
      { ...base, status: 404 },
    );
  }
  if (httpStatus !== undefined) {
    const retried = operationCode === 'ATTEMPTS_EXCEEDED' || operationCode === 'TIMEOUT_EXCEEDED';
    const message = `The SQL warehouse at ${context.endpoint} answered HTTP ${httpStatus}${retried ? ' until the driver stopped retrying' : ''}.`;
    if (httpStatus === 429 || httpStatus >= 500) {
      return new TemporarilyUnavailable(
        'TEMPORARILY_UNAVAILABLE',
        `${message} It may be starting or overloaded; try again later.`,
        { ...base, status: httpStatus },
      );
    }
    return new DatabricksSqlError(SqlErrorCode.protocolError, message, { ...base, status: httpStatus });
  }

  const code =
    typeof shape.code === 'string'
      ? shape.code
      : typeof (shape.cause as DriverErrorShape | undefined)?.code === 'string'
        ? String((shape.cause as DriverErrorShape).code)
        : undefined;
  if (code && TLS_ERROR_CODES.has(code)) {
    return new DatabricksNetworkError(
      ClientErrorCode.network,
      `TLS verification of the SQL warehouse at ${context.endpoint} failed (${code}). Trust its certificate with customCaCert, or for a local warehouse only, set checkServerCertificate: false.`,
      base,
    );
  }
  if ((code && NETWORK_ERROR_CODES.has(code)) || shape.type === 'system') {
    return new DatabricksNetworkError(
      ClientErrorCode.network,
      `Could not reach the SQL warehouse at ${context.endpoint}: ${driverText}`,
      base,
    );
  }
  if (shape.name === 'Status Error') {
    const lost = /invalid (session|operation) handle/i.test(driverText);
    return new DatabricksSqlError(
      lost ? SqlErrorCode.sessionLost : SqlErrorCode.statementFailed,
      `The SQL warehouse refused the call: ${driverText}`,
      base,
    );
  }
  if (shape.constructor?.name === 'ParameterError') {
    return new DatabricksSqlError(ClientErrorCode.invalidArgument, `SQL parameters: ${driverText}`, base);
  }
  if (shape.name === 'TApplicationException' || typeof shape.type === 'number') {
    return new DatabricksSqlError(
      SqlErrorCode.protocolError,
      `The SQL warehouse at ${context.endpoint} answered with a protocol error: ${driverText}`,
      base,
    );
  }
  return new DatabricksSqlError(SqlErrorCode.driverError, `SQL driver error: ${driverText}`, base);
}
