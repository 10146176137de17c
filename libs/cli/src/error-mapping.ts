import type { EvaluationErrorCode } from '@fraudops/evaluation';
import type { FeaturesErrorCode } from '@fraudops/features';
import type { ModelingErrorCode } from '@fraudops/modeling';
import type { RegistryErrorCode } from '@fraudops/registry';
import type { TransactionsErrorCode } from '@fraudops/transactions';
import { CliError } from './cli-error.js';
import { ExitCode } from './exit-codes.js';

const { usage, auth, notFound, conflict, invalidData, runFailed, unavailable, timedOut, interrupted, unexpected } =
  ExitCode;

/**
 * The exit code of every code of every library's root error, in one table (docs/errors.md, "exit codes").
 * The closed families are typed by their code unions, so a library that adds a code fails to compile here
 * until it is given an exit code. `cause` means: the exit code of the error's cause when it is one of ours
 * (a registry backend failing on Databricks), else `unexpected`.
 */
export const LIBRARY_EXIT_CODES = {
  TransactionsError: {
    INVALID_PARAMETER: usage,
    INVALID_ROW: invalidData,
    MISSING_COLUMN: invalidData,
    FILE_ERROR: invalidData,
    FILE_NOT_FOUND: notFound,
    EMPTY_WINDOW: usage,
    SINGLE_CLASS: invalidData,
    NO_TRANSACTIONS: invalidData,
  } satisfies Record<TransactionsErrorCode, ExitCode>,
  FeaturesError: {
    INVALID_SPEC: invalidData,
    UNKNOWN_SPEC: usage,
    LABELS_REQUIRED: invalidData,
    INVALID_TRANSACTION: invalidData,
    OUT_OF_ORDER: invalidData,
    CONFLICTING_DUPLICATE: invalidData,
    INVALID_SNAPSHOT: invalidData,
    SQL_FAILED: 'cause',
    INVALID_FILE: usage,
    FILE_NOT_FOUND: notFound,
    INVALID_TABLE_NAME: usage,
    REFERENCE_FAILED: unexpected,
  } satisfies Record<FeaturesErrorCode, ExitCode | 'cause'>,
  ModelingError: {
    INVALID_INPUT: invalidData,
    INVALID_PARAMETER: usage,
    SINGLE_CLASS: invalidData,
    INVALID_MODEL: invalidData,
    UNSUPPORTED_MODEL: invalidData,
    INPUT_MISMATCH: invalidData,
    FEATURE_SPEC_MISMATCH: invalidData,
    FILE_ERROR: unexpected,
    RUNTIME_ERROR: unexpected,
    RELEASED: unexpected,
  } satisfies Record<ModelingErrorCode, ExitCode>,
  EvaluationError: {
    LENGTH_MISMATCH: invalidData,
    EMPTY_INPUT: invalidData,
    NON_FINITE: invalidData,
    INVALID_LABEL: invalidData,
    SINGLE_CLASS: invalidData,
    SCORE_OUT_OF_RANGE: invalidData,
    MISSING_COLUMN: invalidData,
    INVALID_ARGUMENT: usage,
    UNREACHABLE_TARGET: invalidData,
    INVALID_FILE: invalidData,
    INVALID_PROFILE: invalidData,
    RENDER_FAILED: unexpected,
  } satisfies Record<EvaluationErrorCode, ExitCode>,
  RegistryError: {
    INVALID_MODEL_URI: usage,
    INVALID_REGISTRY_URI: usage,
    INVALID_NAME: usage,
    INVALID_CARD: invalidData,
    MODEL_NOT_FOUND: notFound,
    VERSION_NOT_FOUND: notFound,
    ALIAS_NOT_FOUND: notFound,
    ARTIFACT_MISSING: invalidData,
    ARTIFACT_CORRUPT: invalidData,
    CONFLICT: conflict,
    BACKEND_FAILURE: 'cause',
  } satisfies Record<RegistryErrorCode, ExitCode | 'cause'>,
  /**
   * `DatabricksError` carries the server's `error_code` (an open set) or a client code: the codes that say
   * more than the HTTP status are listed; any other falls back on its status (see {@link databricksExitCode}).
   */
  DatabricksError: {
    CONFIG_MISSING: usage,
    CONFIG_INVALID: usage,
    OAUTH_FAILED: auth,
    UNAUTHENTICATED: auth,
    PERMISSION_DENIED: auth,
    RESOURCE_DOES_NOT_EXIST: notFound,
    NOT_FOUND: notFound,
    NOT_A_GIT_FOLDER: notFound,
    GIT_UNKNOWN_REF: notFound,
    RESOURCE_ALREADY_EXISTS: conflict,
    ALREADY_EXISTS: conflict,
    RESOURCE_CONFLICT: conflict,
    GIT_CONFLICT: conflict,
    RUN_FAILED: runFailed,
    SQL_STATEMENT_FAILED: runFailed,
    SQL_STATEMENT_CANCELED: runFailed,
    SQL_STATEMENT_TIMEOUT: runFailed,
    NETWORK_ERROR: unavailable,
    GIT_REMOTE_ERROR: unavailable,
    INVALID_RESPONSE: unavailable,
    SQL_SESSION_LOST: unavailable,
    SQL_PROTOCOL_ERROR: unavailable,
    TOO_MANY_REQUESTS: unavailable,
    REQUEST_LIMIT_EXCEEDED: unavailable,
    RESOURCE_EXHAUSTED: unavailable,
    TEMPORARILY_UNAVAILABLE: unavailable,
    INTERNAL_ERROR: unavailable,
    DEADLINE_EXCEEDED: unavailable,
    WAIT_TIMEOUT: timedOut,
  } satisfies Record<string, ExitCode>,
} as const;

export type LibraryErrorRoot = keyof typeof LIBRARY_EXIT_CODES;

/** What the mapper needs of an error class: `instanceof` and a `code`. */
export type ErrorClass = abstract new (...args: never[]) => Error & { code: string };

/**
 * The root error classes an app knows, passed in by the app (`{ DatabricksError }`, …): `instanceof` holds in
 * a bundle, and this library imports none of them at run time, so an app carries only the libraries it uses.
 */
export type ErrorRoots = Partial<Record<LibraryErrorRoot, ErrorClass>>;

/**
 * An app's own error root (its pipelines' domain errors) with the exit code of each of its codes, declared by
 * the app next to the class and mapped by {@link mapError} like a library's.
 */
export interface AppErrorFamily {
  root: ErrorClass;
  exitCodes: Readonly<Record<string, ExitCode>>;
}

/** What an error becomes at the top of a CLI. */
export interface MappedError {
  exitCode: ExitCode;
  /** Stable code for `--json`: the library's or the server's code, or the CLI's own. */
  code: string;
  /** What went wrong (our libraries' messages name the field, row, flag or file); a stack only for a bug. */
  message: string;
  /** Which root error it came from (`DatabricksError`, …, an app's root), or `CliError`; absent for an unexpected error. */
  root?: string;
  requestId?: string;
}

interface DatabricksLike {
  code: string;
  status?: number;
  requestId?: string;
}

/**
 * A Databricks error's exit code: its code when the table lists it; a client-side `ABORTED` (no HTTP status:
 * our own signal fired) is an interruption, a server-side one a conflict; else the HTTP status decides.
 */
export function databricksExitCode(error: DatabricksLike): ExitCode {
  const table: Record<string, ExitCode> = LIBRARY_EXIT_CODES.DatabricksError;
  const listed = table[error.code];
  if (listed !== undefined) return listed;
  if (error.code === 'ABORTED') return error.status === undefined ? interrupted : conflict;
  const status = error.status;
  if (status === undefined) return unexpected;
  if (status === 401 || status === 403) return auth;
  if (status === 404) return notFound;
  if (status === 409) return conflict;
  if (status === 429 || status === 502 || status === 503 || status === 504 || status === 500) return unavailable;
  return unexpected;
}

/** The root an error belongs to, among those the app passed in. */
function rootOf(error: unknown, roots: ErrorRoots): LibraryErrorRoot | undefined {
  for (const [name, cls] of Object.entries(roots) as Array<[LibraryErrorRoot, ErrorClass | undefined]>) {
    if (cls && error instanceof cls) return name;
  }
  return undefined;
}

/** The exit code of an error of one of our libraries; undefined for anything else. */
export function exitCodeOfLibraryError(error: unknown, roots: ErrorRoots): ExitCode | undefined {
  const root = rootOf(error, roots);
  if (root === undefined) return undefined;
  const coded = error as Error & DatabricksLike;
  if (root === 'DatabricksError') return databricksExitCode(coded);
  const table: Record<string, ExitCode | 'cause'> = LIBRARY_EXIT_CODES[root];
  const exit = table[coded.code] ?? unexpected;
  if (exit !== 'cause') return exit;
  return exitCodeOfLibraryError(coded.cause, roots) ?? unexpected;
}

/**
 * A library error as a {@link CliError} with the table's exit code and the library's code (the message may be
 * reworded, e.g. prefixed with the flag it came from); any other error as it is. For a command that reports
 * a library error as its own.
 */
export function toCliError(error: unknown, roots: ErrorRoots, reword: (message: string) => string = (m) => m): unknown {
  if (error instanceof CliError) return error;
  const exitCode = exitCodeOfLibraryError(error, roots);
  if (exitCode === undefined) return error;
  const coded = error as Error & { code: string };
  return new CliError(reword(coded.message), exitCode, coded.code, { cause: error });
}

/** The stack of an unexpected error, or its text. */
export function describeUnexpected(error: unknown): string {
  return error instanceof Error ? (error.stack ?? error.message) : String(error);
}

/**
 * The one place where errors become exit codes: a `CliError` keeps its own, an error of a library in `roots`
 * gets the table's (by its stable `code`, never its message), anything else is unexpected (with its stack).
 */
export function mapError(
  error: unknown,
  roots: ErrorRoots = {},
  families: readonly AppErrorFamily[] = [],
): MappedError {
  if (error instanceof CliError) {
    const requestId = (error.cause as { requestId?: unknown } | undefined)?.requestId;
    return {
      exitCode: error.exitCode,
      code: error.code,
      message: error.message,
      root: 'CliError',
      ...(typeof requestId === 'string' ? { requestId } : {}),
    };
  }
  const family = families.find((f) => error instanceof f.root);
  if (family) {
    const coded = error as Error & { code: string };
    return {
      exitCode: family.exitCodes[coded.code] ?? unexpected,
      code: coded.code,
      message: coded.message,
      root: coded.name,
    };
  }
  const root = rootOf(error, roots);
  const exitCode = exitCodeOfLibraryError(error, roots);
  if (root === undefined || exitCode === undefined) {
    return { exitCode: unexpected, code: 'UNEXPECTED', message: describeUnexpected(error) };
  }
  const coded = error as Error & DatabricksLike;
  return {
    exitCode,
    code: coded.code,
    message: coded.message,
    root,
    ...(typeof coded.requestId === 'string' ? { requestId: coded.requestId } : {}),
  };
}
