import { Command, CommanderError } from 'commander';
import { CliError, ExitCode } from './exit-codes.js';
import { commands } from '../commands/index.js';
import { exitCodeOfLibraryError } from './library-errors.js';

export function buildProgram(): Command {
  const program = new Command('fraudops-train')
    .description('Simulate data, compute features, train, evaluate and register card-fraud models.')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  for (const register of commands) register(program);
  return program;
}

/** Runs the CLI and returns the exit code; errors become one clear message on stderr. */
export async function runCli(argv: string[], stderr: NodeJS.WritableStream = process.stderr): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv, { from: 'user' });
    return ExitCode.ok;
  } catch (error) {
    if (error instanceof CommanderError) {
      // commander has already printed help or the usage error
      return error.code === 'commander.helpDisplayed' || error.code === 'commander.version' || error.exitCode === 0
        ? ExitCode.ok
        : ExitCode.usage;
    }
    if (error instanceof CliError) {
      stderr.write(`error: ${error.message}\n`);
      return error.exitCode;
    }
    const libraryExit = exitCodeOfLibraryError(error);
    if (libraryExit !== undefined) {
      // our libraries' messages are written for the user: no stack
      stderr.write(`error: ${(error as Error).message}\n`);
      return libraryExit;
    }
    const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
    stderr.write(`error: ${message}\n`);
    return ExitCode.failure;
  }
}
