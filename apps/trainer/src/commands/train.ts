import { existsSync } from 'node:fs';
import { Option, type Command } from 'commander';
import { parseThresholdPolicy } from '@fraudops/evaluation';
import { CliError, ExitCode, type CliContext, type Output } from '@fraudops/cli';
import { runLocalTraining, type LocalTrainOptions, type TrainSummary } from '../pipeline/local-train.js';
import { addDatabricksTrainingFlags } from '../pipeline/databricks-flags.js';
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
  if (flags.data !== undefined && !existsSync(flags.data)) throw new CliError(`--data ${flags.data}: no such file`, ExitCode.notFound);
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
        ...(flags.growPolicy !== undefined ? { growPolicy: flags.growPolicy } : flags.numLeaves !== undefined ? { growPolicy: 'lossguide' as const } : {}),
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

function pct(value: number | undefined): string {
  return value === undefined ? '–' : value.toFixed(4);
}

/** The human summary of a training run. */
export function printTrainSummary(summary: TrainSummary, output: Output): void {
  const m = summary.metrics;
  const ci = (name: string) => (m[name]?.ci ? ` [${pct(m[name].ci?.lower)}, ${pct(m[name].ci?.upper)}]` : '');
  output.line(`data        ${summary.data.source}: ${summary.data.rows.toLocaleString('en-US')} transactions`);
  output.line(`train       ${summary.data.train.start}…${summary.data.train.end}: ${summary.data.train.rows.toLocaleString('en-US')} rows, ${summary.data.train.frauds} frauds`);
  if (summary.data.validation) {
    output.line(`validation  ${summary.data.validation.start}…${summary.data.validation.end}: ${summary.data.validation.rows.toLocaleString('en-US')} rows, ${summary.data.validation.frauds} frauds (early stopping)`);
  }
  output.line(`test        ${summary.data.test.start}…${summary.data.test.end}: ${summary.data.test.rows.toLocaleString('en-US')} rows, ${summary.data.test.frauds} frauds`);
  output.line(`model       ${summary.model.algorithm}, ${summary.model.rounds} ${summary.model.algorithm === 'logreg' ? 'iterations' : 'trees'}; ONNX parity max |Δ| = ${summary.parity.maxAbsDifference.toExponential(2)}`);
  output.line(`metrics     AUC ROC ${pct(m['auc_roc']?.value)}${ci('auc_roc')}  AP ${pct(m['average_precision']?.value)}${ci('average_precision')}`);
  const cp = Object.keys(m).find((k) => k.startsWith('card_precision_at_'));
  if (cp) output.line(`            ${cp} ${pct(m[cp].value)}${ci(cp)}  brier ${pct(m['brier']?.value)}`);
  if (summary.prequential) {
    const p = summary.prequential;
    output.line(`prequential ${p.folds.length} folds: AUC ROC ${pct(p.mean.auc_roc)} ± ${pct(p.std.auc_roc)}  AP ${pct(p.mean.average_precision)} ± ${pct(p.std.average_precision)}`);
  }
  output.line(`threshold   ${summary.threshold.value.toPrecision(4)} (${summary.threshold.rule}): ${summary.threshold.rationale}`);
  output.line(`gate        ${summary.gate.reason}`);
  for (const rule of summary.gate.rules) output.line(`  ${rule.passed ? 'pass' : 'FAIL'}  ${rule.reason}`);
  if (summary.model.uri) {
    output.line(`registered  ${summary.model.uri} as @${summary.alias}`);
  } else {
    output.line('registered  nothing (--dry-run)');
  }
  if (summary.reports.html) output.line(`report      ${summary.reports.html}`);
  output.line(`timings     ${Object.entries(summary.timings).map(([k, v]) => `${k} ${v.toFixed(1)}s`).join(', ')}`);
}

export function registerTrain(program: Command, context: CliContext): void {
  const command = program
    .command('train')
    .description('Train, evaluate and register a fraud model (locally by default, or as a Databricks job run).')
    .addOption(new Option('--backend <backend>', 'where features and training run').choices(['local', 'databricks']).default('local'));
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
