/**
 * The service's error codes and the HTTP status each maps to — the one table behind every error response
 * (documented in README.md, "Errors").
 */
export const ERROR_STATUS = {
  /** The body is not valid JSON. */
  MALFORMED_JSON: 400,
  /** The body is JSON but breaks the request schema; `details` names each field. */
  INVALID_REQUEST: 400,
  /** Missing or unknown bearer key. */
  UNAUTHORIZED: 401,
  /** Admin route called without the admin token, or admin routes disabled. */
  FORBIDDEN: 403,
  /** Unknown route or model name. */
  NOT_FOUND: 404,
  /** The route exists but not for this method. */
  METHOD_NOT_ALLOWED: 405,
  /** A transaction id arrived again with different fields (amount, time, customer or terminal). */
  CONFLICTING_TRANSACTION: 409,
  /** Another reload is running. */
  RELOAD_IN_PROGRESS: 409,
  /** Body larger than `BODY_LIMIT`. */
  PAYLOAD_TOO_LARGE: 413,
  /** Body sent with a content type other than application/json. */
  UNSUPPORTED_MEDIA_TYPE: 415,
  /** A transaction is older than the online state accepts (`LATE_TOLERANCE_S` behind the newest one). */
  OUT_OF_ORDER: 422,
  /** The reload candidate failed a check; the previous model keeps serving. */
  RELOAD_REJECTED: 422,
  /** `"explain"` asked of a model that cannot give reasons (e.g. registered before node covers were kept); it still scores. */
  EXPLANATION_UNAVAILABLE: 422,
  /** No model loaded yet (or warm-up not finished). */
  NOT_READY: 503,
  /** The service is draining for shutdown. */
  SHUTTING_DOWN: 503,
  /** The shared online feature state (`STATE_STORE=redis://…`) did not answer within `STATE_DEADLINE_MS`. */
  STATE_UNAVAILABLE: 503,
  /** A bug or an unexpected failure; the response carries the request id to find the log line. */
  INTERNAL: 500,
  /** Start-up only: a setting is invalid (the message names it). */
  INVALID_CONFIG: 500,
  /** Start-up only: the model or the warm-up data could not be loaded. */
  STARTUP_FAILED: 500,
} as const;

export type ScoringErrorCode = keyof typeof ERROR_STATUS;

/** One problem with one field of a request: where (`transactions[3].tx_amount`) and what, never the value. */
export interface FieldProblem {
  path: string;
  problem: string;
}

/** The root error of the scoring service: a stable `code`, a message meant for the caller, optional field details. */
export class ScoringError extends Error {
  readonly status: number;

  constructor(
    readonly code: ScoringErrorCode,
    message: string,
    readonly details: FieldProblem[] = [],
  ) {
    super(message);
    this.name = 'ScoringError';
    this.status = ERROR_STATUS[code];
  }
}

/** The JSON body of every error response. */
export interface ErrorBody {
  error: { code: string; message: string; details?: FieldProblem[]; request_id?: string };
}

export function errorBody(error: ScoringError, requestId?: string): ErrorBody {
  return {
    error: {
      code: error.code,
      message: error.message,
      ...(error.details.length > 0 ? { details: error.details } : {}),
      ...(requestId ? { request_id: requestId } : {}),
    },
  };
}
