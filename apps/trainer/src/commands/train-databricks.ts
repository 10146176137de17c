import type { Command } from 'commander';
import type { DatabricksClient } from '@fraudops/databricks';
import { parseThresholdPolicy } from '@fraudops/evaluation';
import { CliError, ExitCode, type Output } from '@fraudops/cli';
import { checkTableName } from '@fraudops/features';
import { openWarehouse, openWorkspace } from '../pipeline/databricks-connection.js';
import { checkSourceFlags, type DatabricksTrainFlags } from '../cli/databricks-flags.js';
import { findTrainingJob } from '../pipeline/databricks-job.js';
import {
  appendMarkdownReport,
  startLaunch,
  waitAndFinish,
  type DatabricksLaunchSummary,
  type DatabricksTrainSummary,
  type PublishSettings,
} from '../pipeline/databricks-train.js';
import { gitCommit } from '../pipeline/local-train.js';
import { StageRunner } from '../pipeline/stages.js';
import { printTrainSummary } from './train-summary.js';
import type { TrainingFlags } from './train-options.js';

/** Data flags that only the local backend understands: given explicitly with --backend databricks, they are refused. */
export const LOCAL_DATA_ONLY: Array<[key: keyof TrainingFlags, flag: string, why: string]> = [
  ['data', '--data', 'the data is the --source-table on the warehouse'],
  ['columns', '--columns', 'the source table must use the contract column names'],
  ['onInvalid', '--on-invalid', 'the warehouse reads the table as it is'],
  ['cacheDir', '--cache-dir', 'nothing is cached locally'],
  ['customers', '--customers', 'the simulator runs only locally'],
  ['terminals', '--terminals', 'the simulator runs only locally'],
  ['days', '--days', 'the simulator runs only locally'],
  ['simSeed', '--sim-seed', 'the simulator runs only locally'],
];

/** Refuses, with exit 2, each of `flags` given on the command line. */
export function refuseLocalOnly(command: Command, flags: typeof LOCAL_DATA_ONLY): void {
  for (const [key, flag, why] of flags) {
    if (command.getOptionValueSource(key) === 'cli')
      throw new CliError(`${flag} does not apply to --backend databricks: ${why}`, ExitCode.usage);
  }
}

/** Training flags that only the local backend understands (the job trains XGBoost). */
const LOCAL_ONLY: typeof LOCAL_DATA_ONLY = [
  ...LOCAL_DATA_ONLY,
  ['l2', '--l2', 'the job trains XGBoost only'],
  ['minDataInLeaf', '--min-data-in-leaf', 'XGBoost has no such parameter (use --min-child-weight)'],
];

/** The flags as XGBoost parameters (same meaning as the local GBDT's, XGBoost's names). */
export function xgboostParameters(flags: TrainingFlags & Pick<DatabricksTrainFlags, 'xgbParams'>): {
  params: Record<string, unknown>;
  numBoostRound: number;
  earlyStoppingRounds: number;
} {
  const lossguide =
    flags.growPolicy === 'lossguide' || (flags.growPolicy === undefined && flags.numLeaves !== undefined);
  return {
    params: {
      objective: 'binary:logistic',
      tree_method: 'hist',
      eval_metric: 'aucpr',
      eta: flags.learningRate,
      max_depth: flags.maxDepth,
      ...(lossguide ? { grow_policy: 'lossguide', max_leaves: flags.numLeaves ?? 31 } : {}),
      lambda: flags.lambda,
      min_child_weight: flags.minChildWeight,
      subsample: flags.subsample,
      colsample_bytree: flags.colsample,
      scale_pos_weight: flags.scalePosWeight,
      max_bin: 255,
      seed: flags.seed,
      ...(flags.xgbParams ?? {}),
    },
    numBoostRound: flags.nEstimators,
    earlyStoppingRounds: flags.earlyStoppingRounds,
  };
}

export function publishSettings(flags: TrainingFlags): PublishSettings {
  try {
    parseThresholdPolicy(flags.thresholdPolicy);
  } catch (error) {
    throw new CliError(`--threshold-policy: ${(error as Error).message}`, ExitCode.usage);
  }
  return {
    registry: flags.registry,
    modelName: flags.name,
    thresholdPolicy: flags.thresholdPolicy,
    k: flags.k,
    seed: flags.seed,
    bootstrapResamples: flags.bootstrap,
    dryRun: Boolean(flags.dryRun),
  };
}

/** `auto`: CSV files on the local emulator (served over http://, it has no Spark), Spark tables on a real workspace. */
export function inputMode(flag: DatabricksTrainFlags['input'], client: DatabricksClient): 'tables' | 'files' {
  if (flag !== 'auto') return flag;
  return client.config.host.startsWith('http://') ? 'files' : 'tables';
}

/** The human summary of a finished Databricks launch: the local summary's lines, then the run. */
export function printDatabricksSummary(summary: DatabricksTrainSummary, output: Output): void {
  printTrainSummary({ ...summary, data: { ...summary.data } }, output);
  const d = summary.databricks;
  output.line(
    `databricks  run ${d.runId} ${d.state ?? ''} (${d.input}, ${d.featureTable}); XGBoost ${d.xgboostVersion}; ONNX matches the run's ${summary.parity.rows} test predictions`,
  );
  if (d.url) output.line(`            ${d.url}`);
}

/** `train --backend databricks`: features on the warehouse, a job run, then evaluation and registration here. */
// eslint-disable-next-line max-lines-per-function -- the Databricks launch in order (configuration, features, run, watch, finish), each step a call with its own exit code
export async function runDatabricksTrainingCommand(
  trainingFlags: TrainingFlags,
  command: Command,
  output: Output,
): Promise<void> {
  const flags = trainingFlags as TrainingFlags & DatabricksTrainFlags;
  refuseLocalOnly(command, LOCAL_ONLY);
  if (flags.model !== 'gbdt')
    throw new CliError('--model logreg does not apply to --backend databricks: the job trains XGBoost', ExitCode.usage);
  const { sourceTable, volume } = checkSourceFlags(flags, '--backend databricks');
  checkTableName(sourceTable, '--source-table');
  if (flags.featureTable) checkTableName(flags.featureTable, '--feature-table');
  const publish = publishSettings(flags);

  const client = openWorkspace(flags);
  const engine = openWarehouse(client, flags);
  const stages = new StageRunner(output);
  try {
    const jobId = await findTrainingJob(client, flags);
    const input = inputMode(flags.input, client);
    const { manifest, runId } = await startLaunch(
      client,
      engine,
      {
        sourceTable,
        featureTable: flags.featureTable,
        volume,
        input,
        specName: flags.spec,
        split: {
          trainStart: flags.trainStart,
          trainDays: flags.trainDays,
          delayDays: flags.delayDays,
          testDays: flags.testDays,
          validationDays: flags.validationDays,
        },
        xgboost: xgboostParameters(flags),
        gitCommit: flags.gitCommit ?? gitCommit(),
        idempotencyToken: flags.idempotencyToken,
        pinCommit: Boolean(flags.pinCommit),
        jobId,
        publish,
      },
      stages,
      output,
    );
    if (!flags.wait) {
      const run = await client.jobs.getRun(runId);
      const summary: DatabricksLaunchSummary = {
        databricks: {
          runId,
          jobId,
          url: run.run_page_url ?? null,
          launchId: manifest.launchId,
          runDir: manifest.runDir,
          state: run.state.life_cycle_state,
        },
        attach: `fraudops-train runs attach ${runId}`,
        timings: stages.timings,
      };
      output.line(
        `run         ${runId} started (${run.state.life_cycle_state}); inputs and outputs in ${manifest.runDir}`,
      );
      if (run.run_page_url) output.line(`            ${run.run_page_url}`);
      output.line(`attach      ${summary.attach}   (waits, then evaluates and registers)`);
      output.result(summary);
      return;
    }
    const summary = await waitAndFinish(client, engine, runId, manifest, flags, stages, output);
    if (flags.reportMd) await appendMarkdownReport(client, manifest.publish, summary, flags.reportMd);
    printDatabricksSummary(summary, output);
    output.result(summary);
  } finally {
    await engine.close();
  }
}
