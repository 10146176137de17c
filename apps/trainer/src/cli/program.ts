import { Command } from 'commander';
import { configureProgram, createContext, runProgram, type CliContext, type MappedError } from '@fraudops/cli';
import { commands } from '../commands/index.js';
import { TRAINER_ERROR_FAMILIES, TRAINER_ERROR_ROOTS } from './error-roots.js';

export function buildProgram(context: CliContext = createContext('fraudops-train')): Command {
  const program = new Command('fraudops-train').description(
    'Simulate data, compute features, train, evaluate and register card-fraud models.',
  );
  for (const register of commands) register(program, context);
  return configureProgram(program, context);
}

/** An answer of the workspace names the service and the endpoint it came from (never the host's credentials). */
function trainerAdvice(mapped: MappedError, error: unknown): string {
  const endpoint = mapped.root === 'DatabricksError' ? (error as { endpoint?: string }).endpoint : undefined;
  return endpoint ? `Databricks: ${mapped.message} (${endpoint})` : mapped.message;
}

/** Runs the CLI and returns the exit code; errors become one clear message on stderr. */
export async function runCli(argv: string[], stderr: NodeJS.WritableStream = process.stderr): Promise<number> {
  const context = createContext('fraudops-train', { streams: { stdout: process.stdout, stderr } });
  return runProgram(buildProgram(context), argv, {
    context,
    roots: TRAINER_ERROR_ROOTS,
    families: TRAINER_ERROR_FAMILIES,
    advise: trainerAdvice,
  });
}
