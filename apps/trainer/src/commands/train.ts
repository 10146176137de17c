import { existsSync } from 'node:fs';
import { Option, type Command } from 'commander';
import { parseThresholdPolicy } from '@fraudops/evaluation';
import { CliError, ExitCode, type CliContext } from '@fraudops/cli';
import { runLocalTraining, type LocalTrainOptions } from '../pipeline/local-train.js';
import { printTrainSummary } from './train-summary.js';
import { addDatabricksTrainingFlags } from '../cli/databricks-flags.js';
import { addTrainingFlags, applyParameterSet, type TrainingFlags } from './train-options.js';

const EXAMPLES = `
Examples:
  # the handbook's baseline: simulated data, train days 115–121, 7-day delay, test days 129–135
  $ fraudops-train train

  # a longer training window and leaf-wise trees, machine-readable summary
  $ fraudops-train train --train-start 2018-07-04 --train-days 28 --grow-policy lossguide --num-leaves 63 --json

  # your own file with other column names; thresholds by cost instead of alert budget
  $ fraudops-train train --data tx.csv --columns tx_datetime=time,customer_id=card,terminal_id=merchant,tx_amount=amount,tx_fraud=is_fraud --threshold-policy cost:5

  # on Databricks: features on a SQL warehouse, XGBoost in a job run (see docs/operations.md)
  $ fraudops-train train --backend databricks --source-table main.fraud.transactions --warehouse-id 1234abcd --volume /Volumes/main/fraud/runs

The new version becomes @champion when it passes the promotion gate against the current champion
(or when there is none), else @challenger. Every gate rule's result is printed.`;

export function localTrainOptions(flags: TrainingFlags): LocalTrainOptions {
  // said before any work starts
  if (flags.data !== undefined && !existsSync(flags.data))
    throw new CliError(`--data ${flags.data}: no such file`, ExitCode.notFound);
  try {
    parseThresholdPolicy(flags.thresholdPolicy);
  } catch (error) {
    throw new CliError(`--threshold-policy: ${(error as Error).message}`, ExitCode.usage);
  }
  return {
    dataPath: flags.data,
    columns: flags.columns,
    onInvalid: flags.onInvalid,
    cacheDir: flags.cacheDir,
    simulation: { customers: flags.customers, terminals: flags.terminals, days: flags.days, seed: flags.simSeed },
    specName: flags.spec,
    split: {
      trainStart: flags.trainStart,
      trainDays: flags.trainDays,
      delayDays: flags.delayDays,
      testDays: flags.testDays,
      validationDays: flags.validationDays,
    },
    model: {
      kind: flags.model,
      gbdt: {
        nEstimators: flags.nEstimators,
        learningRate: flags.learningRate,
        maxDepth: flags.maxDepth,
        ...(flags.numLeaves !== undefined ? { numLeaves: flags.numLeaves } : {}),
        ...(flags.growPolicy !== undefined
          ? { growPolicy: flags.growPolicy }
          : flags.numLeaves !== undefined
            ? { growPolicy: 'lossguide' as const }
            : {}),
        lambda: flags.lambda,
        minChildWeight: flags.minChildWeight,
        minDataInLeaf: flags.minDataInLeaf,
        subsample: flags.subsample,
        colsampleByTree: flags.colsample,
        scalePosWeight: flags.scalePosWeight,
        seed: flags.seed,
      },
      logreg: { l2: flags.l2, scalePosWeight: flags.scalePosWeight },
      earlyStoppingRounds: flags.earlyStoppingRounds,
    },
    thresholdPolicy: flags.thresholdPolicy,
    k: flags.k,
    seed: flags.seed,
    bootstrapResamples: flags.bootstrap,
    registryUri: flags.registry,
    modelName: flags.name,
    dryRun: Boolean(flags.dryRun),
    prequentialFolds: flags.prequential,
  };
}

export function registerTrain(program: Command, context: CliContext): void {
  const command = program
    .command('train')
    .description('Train, evaluate and register a fraud model (locally by default, or as a Databricks job run).')
    .addOption(
      new Option('--backend <backend>', 'where features and training run')
        .choices(['local', 'databricks'])
        .default('local'),
    );
  addDatabricksTrainingFlags(addTrainingFlags(command))
    .addHelpText('after', EXAMPLES)
    .action(async (raw: TrainingFlags & { backend: 'local' | 'databricks' }) => {
      const flags = applyParameterSet(raw, command);
      const output = context.output(Boolean(flags.json));
      if (flags.backend === 'databricks') {
        const { runDatabricksTrainingCommand } = await import('./train-databricks.js');
        await runDatabricksTrainingCommand(flags, command, output);
        return;
      }
      const summary = await runLocalTraining(localTrainOptions(flags), output);
      printTrainSummary(summary, output);
      output.result(summary);
    });
}
