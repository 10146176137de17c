import type { Command } from 'commander';
import { CliError } from '../cli/exit-codes.js';
import type { CommandOutput } from '../cli/output.js';
import type { TrainingFlags } from './train-options.js';

/** `train --backend databricks`: see pipeline/databricks-train.ts. */
export async function runDatabricksTrainingCommand(_flags: TrainingFlags, _command: Command, _output: CommandOutput): Promise<void> {
  throw new CliError('the Databricks backend is being wired up; use --backend local');
}
