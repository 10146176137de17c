import {
  DatabricksConfigError,
  DatabricksError,
  DatabricksNetworkError,
  NotFound,
  PermissionDenied,
  ResourceConflict,
  Unauthenticated,
} from '@fraudops/databricks';
import { CliError, ExitCode } from './exit-codes.js';

export interface MappedError {
  exitCode: ExitCode;
  /** Stable code for `--json` (the library's or the server's). */
  code: string;
  /** What went wrong and what to do about it. */
  message: string;
  requestId?: string;
}

/**
 * The one place where errors become exit codes and advice. Server codes that say more than their HTTP
 * status (`GIT_UNKNOWN_REF` is a 400, `GIT_CONFLICT` may be a 400 or a 409) are checked first.
 */
export function mapError(error: unknown): MappedError {
  if (error instanceof CliError) return { exitCode: error.exitCode, code: error.code, message: error.message };
  if (!(error instanceof DatabricksError)) {
    return {
      exitCode: ExitCode.failure,
      code: 'UNEXPECTED',
      message: error instanceof Error ? (error.stack ?? error.message) : String(error),
    };
  }
  const base = { code: error.code, ...(error.requestId ? { requestId: error.requestId } : {}) };
  const say = (exitCode: ExitCode, message: string): MappedError => ({ exitCode, ...base, message });

  if (error.code === 'GIT_UNKNOWN_REF') {
    return say(ExitCode.notFound, `${error.message} Push the branch or tag first, or check its name.`);
  }
  if (error.code === 'GIT_CONFLICT' || error instanceof ResourceConflict) {
    return say(
      ExitCode.conflict,
      `${error.message} Commit or discard the changes in the workspace, or rerun with --force-discard to throw them away.`,
    );
  }
  if (error instanceof DatabricksConfigError) return say(ExitCode.auth, error.message);
  if (error instanceof Unauthenticated || error instanceof PermissionDenied) {
    const what = error instanceof Unauthenticated ? 'did not accept the credentials' : 'refused the request';
    return say(
      ExitCode.auth,
      `The workspace ${what} (${error.status ?? '?'}: ${error.message}). Check DATABRICKS_TOKEN or the profile's token ` +
        '(it may have expired), and that this identity may manage the Git folder.',
    );
  }
  if (error instanceof NotFound) return say(ExitCode.notFound, error.message);
  if (error instanceof DatabricksNetworkError) {
    return say(ExitCode.failure, `${error.message} Check DATABRICKS_HOST and the network, then retry.`);
  }
  if (error.code === 'GIT_REMOTE_ERROR') {
    return say(
      ExitCode.failure,
      `${error.message} Check the repository URL and the workspace's Git credentials for it.`,
    );
  }
  return say(ExitCode.failure, error.message);
}
