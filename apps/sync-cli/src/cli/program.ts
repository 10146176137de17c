import { Command } from 'commander';
import { createContext, runProgram, type CliContext, type CliStreams } from '@fraudops/cli';
import { DatabricksError, FRAUDOPS_VERSION } from '@fraudops/databricks';
import { registerRepo } from '../commands/repo.js';
import { registerStatus } from '../commands/status.js';
import { syncAdvice } from './advice.js';

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
    .addHelpText('after', OVERVIEW);
  registerRepo(program, context);
  registerStatus(program, context);
  return program;
}

/** Runs the CLI and returns its exit code; every error becomes one message saying what to do. */
export async function runCli(
  argv: string[],
  io: { streams?: CliStreams; env?: NodeJS.ProcessEnv } = {},
): Promise<number> {
  const context = createContext('fraudops-sync', io);
  return runProgram(buildProgram(context), argv, {
    context,
    roots: { DatabricksError },
    advise: syncAdvice,
    helpWhenEmpty: true,
  });
}
