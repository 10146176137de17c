import { type Command, CommanderError } from 'commander';
import { mapError, type AppErrorFamily, type ErrorRoots, type MappedError } from './error-mapping.js';
import { ExitCode } from './exit-codes.js';
import { Output, type CliStreams } from './output.js';

/** What a command runs with: streams and environment are passed in, so tests run a CLI in-process. */
export interface CliContext {
  /** The program's name (`fraudops-train`), for annotations. */
  program: string;
  streams: CliStreams;
  env: NodeJS.ProcessEnv;
  /** The output the running command made, so its errors come out the same way (`--json` or not). */
  current?: Output;
  /** The output of a command that asked for `--json` or not; remembered as {@link current}. */
  output(json: boolean): Output;
}

export function createContext(
  program: string,
  { streams = process, env = process.env }: { streams?: CliStreams; env?: NodeJS.ProcessEnv } = {},
): CliContext {
  const context: CliContext = {
    program,
    streams,
    env,
    output(json) {
      context.current = new Output(json, streams, { githubActions: Boolean(env['GITHUB_ACTIONS']), program });
      return context.current;
    },
  };
  return context;
}

/** Sends commander's help and usage errors to the context's streams and makes it throw instead of exiting. */
export function configureProgram(program: Command, context: CliContext): Command {
  const configure = (command: Command) => {
    command
      .exitOverride()
      .configureOutput({
        writeOut: (text) => context.streams.stdout.write(text),
        writeErr: (text) => context.streams.stderr.write(text),
      })
      .showHelpAfterError('(run with --help for usage)');
    for (const sub of command.commands) configure(sub);
  };
  configure(program);
  return program;
}

export interface RunOptions {
  context: CliContext;
  /** The library error roots the app knows (see {@link ErrorRoots}). */
  roots: ErrorRoots;
  /** The app's own error roots, with their exit codes. */
  families?: readonly AppErrorFamily[];
  /** App-specific advice: may reword a mapped error's message; never changes its exit code. */
  advise?: (mapped: MappedError, error: unknown) => string;
  /** Print the help and exit with `usage` when no argument is given (otherwise commander decides). */
  helpWhenEmpty?: boolean;
}

/**
 * Runs a commander program and returns its exit code. Help and `--version` exit 0, commander's usage errors 2
 * (it has printed them); every other error goes through {@link mapError} and comes out once, on stderr and,
 * with `--json`, as the error envelope on stdout.
 */
export async function runProgram(program: Command, argv: string[], options: RunOptions): Promise<ExitCode> {
  const { context } = options;
  configureProgram(program, context);
  try {
    if (options.helpWhenEmpty && argv.length === 0) {
      program.outputHelp();
      return ExitCode.usage;
    }
    await program.parseAsync(argv, { from: 'user' });
    return ExitCode.ok;
  } catch (error) {
    if (error instanceof CommanderError) {
      const done =
        error.code === 'commander.helpDisplayed' || error.code === 'commander.version' || error.exitCode === 0;
      return done ? ExitCode.ok : ExitCode.usage;
    }
    const mapped = mapError(error, options.roots, options.families);
    const message = options.advise ? options.advise(mapped, error) : mapped.message;
    (context.current ?? context.output(argv.includes('--json'))).error({ ...mapped, message });
    return mapped.exitCode;
  }
}
