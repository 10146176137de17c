import { codeOfExit, ExitCode } from './exit-codes.js';

/**
 * An error raised by a CLI's own flag and argument checks, whose message is meant for the user as is. Pipelines
 * and libraries throw their library's errors instead; only the CLI layer turns those into exit codes.
 */
export class CliError extends Error {
  /** Stable code for `--json` (`error.code`); by default the exit code's name (`USAGE`, `NOT_FOUND`, …). */
  readonly code: string;

  constructor(
    message: string,
    readonly exitCode: ExitCode = ExitCode.unexpected,
    code?: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'CliError';
    this.code = code ?? codeOfExit(exitCode);
  }
}
