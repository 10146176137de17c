import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { Command } from 'commander';
import { CliError, ExitCode, type Output } from '@fraudops/cli';
import { checkTableName } from '@fraudops/features';
import { checkSourceFlags, type DatabricksTuneFlags } from '../cli/databricks-flags.js';
import { openWarehouse, openWorkspace } from '../pipeline/databricks-connection.js';
import { runDatabricksTune, type DatabricksTuneSummary, type TuneJobFiles } from '../pipeline/databricks-tune.js';
import { StageRunner } from '../pipeline/stages.js';
import type { TrialParams, TuneResult } from '../pipeline/tune.js';
import { LOCAL_DATA_ONLY, refuseLocalOnly } from './train-databricks.js';
import type { TrainingFlags } from './train-options.js';

/** tune.py and tune-job.mjs: in --job-files, else in tune-job/ beside the running CLI. */
export function tuneJobFiles(dir: string | undefined): TuneJobFiles {
  const folder = resolve(dir ?? join(dirname(process.argv[1] ?? '.'), 'tune-job'));
  const files = { task: join(folder, 'tune.py'), bundle: join(folder, 'tune-job.mjs') };
  for (const file of [files.task, files.bundle]) {
    if (!existsSync(file))
      throw new CliError(
        `${file} is missing: build the job's files with \`npx nx run trainer:build-tune-job\`, or pass --job-files <dir>`,
        ExitCode.notFound,
      );
  }
  return files;
}

/** `tune --backend databricks`: the search as a job run; returns what the local backend returns, plus the run. */
export async function runDatabricksTuneCommand(
  flags: TrainingFlags &
    DatabricksTuneFlags & { trials: number; timeBudget: number; folds: number; selection: 'ap' | 'ap-se' },
  command: Command,
  output: Output,
  defaults: TrialParams,
): Promise<{ result: TuneResult; dayZero: string; databricks: DatabricksTuneSummary }> {
  refuseLocalOnly(command, LOCAL_DATA_ONLY);
  const { sourceTable, volume } = checkSourceFlags(flags, 'tune --backend databricks');
  checkTableName(sourceTable, '--source-table');
  if (!flags.clusterId)
    throw new CliError(
      'tune --backend databricks needs --cluster-id <id>: the all-purpose cluster the search runs on',
      ExitCode.usage,
    );
  const files = tuneJobFiles(flags.jobFiles);
  const client = openWorkspace(flags);
  const engine = openWarehouse(client, flags);
  try {
    const summary = await runDatabricksTune(
      client,
      engine,
      {
        sourceTable,
        volume,
        specName: flags.spec,
        split: {
          trainStart: flags.trainStart,
          trainDays: flags.trainDays,
          delayDays: flags.delayDays,
          testDays: flags.testDays,
          validationDays: flags.validationDays,
        },
        folds: flags.folds,
        search: {
          trials: flags.trials,
          timeBudgetSeconds: flags.timeBudget,
          seed: flags.seed,
          k: flags.k,
          selection: flags.selection,
          defaults,
          earlyStoppingRounds: flags.earlyStoppingRounds,
        },
        clusterId: flags.clusterId,
        node: flags.jobNode,
        files,
        idempotencyToken: flags.idempotencyToken,
      },
      { timeout: flags.timeout, pollInterval: flags.pollInterval, onInterrupt: flags.onInterrupt },
      new StageRunner(output),
      output,
    );
    return { result: summary.result, dayZero: summary.dayZero, databricks: summary };
  } finally {
    await engine.close();
  }
}
