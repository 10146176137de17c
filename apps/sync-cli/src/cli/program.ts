import { Command, CommanderError } from 'commander';
import { FRAUDOPS_VERSION } from '@fraudops/databricks';
import { registerRepo } from '../commands/repo.js';
import { registerStatus } from '../commands/status.js';
import type { CliContext } from './context.js';
import { mapError } from './error-mapping.js';
import { ExitCode } from './exit-codes.js';
import { Output } from './output.js';

const OVERVIEW = `
Keeps Databricks Git folders (Repos) in step with Git: CI runs it on merge so the workspace runs what was merged.

Examples:
  $ fraudops-sync repo /Repos/ci/fraudops --branch main
  $ fraudops-sync status /Repos/ci/fraudops
  $ fraudops-sync repo --help        (all options, more examples, exit codes)
`;

export function buildProgram(context: CliContext): Command {
  const program = new Command('fraudops-sync')
    .description('Update Databricks Git folders to a branch or tag, from CI or by hand.')
    .version(FRAUDOPS_VERSION)
    .showHelpAfterError('(run with --help for usage)')
    .addHelpText('after', OVERVIEW)
    .configureOutput({
      writeOut: (text) => context.streams.stdout.write(text),
      writeErr: (text) => context.streams.stderr.write(text),
    })
    .exitOverride();
  registerRepo(program, context);
  registerStatus(program, context);
  for (const command of program.commands) command.exitOverride().configureOutput(program.configureOutput());
  return program;
}

/** Runs the CLI and returns its exit code; every error becomes one message saying what to do. */
export async function runCli(
  argv: string[],
  context: CliContext = { streams: process, env: process.env },
): Promise<number> {
  const program = buildProgram(context);
  try {
    if (argv.length === 0) {
      program.outputHelp();
      return ExitCode.usage;
    }
    await program.parseAsync(argv, { from: 'user' });
    return ExitCode.ok;
  } catch (error) {
    if (error instanceof CommanderError) {
      // commander has printed the help, the version or the usage error already
      return error.code === 'commander.helpDisplayed' || error.code === 'commander.version' || error.exitCode === 0
        ? ExitCode.ok
        : ExitCode.usage;
    }
    const mapped = mapError(error);
    (context.output ?? new Output(false, context.streams, Boolean(context.env['GITHUB_ACTIONS']))).error(mapped);
    return mapped.exitCode;
  }
}
