/** Exit codes of `fraudops-sync` (README, "Exit codes"; collected in docs/errors.md). */
export const ExitCode = {
  ok: 0,
  /** Anything not covered below: network failures, server errors, a Git remote the workspace cannot reach. */
  failure: 1,
  /** Bad flags or arguments: the message names the flag. */
  usage: 2,
  /** No host or credentials configured, or the workspace refused them (401/403). */
  auth: 3,
  /** The Git folder, path, branch or tag does not exist. */
  notFound: 4,
  /** The folder has uncommitted changes, or is a clone of another repository. */
  conflict: 5,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** An error whose message is meant for the user as is, with the exit code and a stable code for --json. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: ExitCode = ExitCode.failure,
    readonly code = 'CLI_ERROR',
  ) {
    super(message);
    this.name = 'CliError';
  }
}
