/** Exit codes of `fraudops-train`, documented in docs/errors.md. */
export const ExitCode = {
  ok: 0,
  /** Anything not covered below. */
  failure: 1,
  /** Bad flags or arguments: the message names the flag. */
  usage: 2,
  /** Input data failed validation (a bad row, a missing column). */
  invalidData: 3,
  /** A file, model or run that was named does not exist. */
  notFound: 4,
  /** A Databricks run ended without success (failed, timed out, cancelled, skipped): its error is printed. */
  runFailed: 5,
  /** `--timeout` passed while waiting; the run goes on (re-attach with `runs attach <run-id>`). */
  stillRunning: 6,
  /** Interrupted (Ctrl-C / SIGINT) while waiting for a run. */
  interrupted: 130,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** An error whose message is meant for the user as is, with the exit code it maps to. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: ExitCode = ExitCode.failure,
  ) {
    super(message);
    this.name = 'CliError';
  }
}
