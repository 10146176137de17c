import type { Command } from 'commander';
import { builtInFeatureSpec, type FeatureTable } from '@fraudops/features';
import { CliError, ExitCode, type CliContext, type Output } from '@fraudops/cli';
import { prepareData } from '../pipeline/data.js';
import { features, splitDays } from '../pipeline/local-train.js';
import { evaluateCandidate, type Estimate, type Fitter, type QualityResult } from '../pipeline/quality.js';
import { prepareSplit } from '../pipeline/split.js';
import { StageRunner } from '../pipeline/stages.js';
import { foldWindows, tuningFolds } from '../pipeline/tune.js';
import { localTrainOptions } from './train.js';
import { xgboostParameters } from './train-databricks.js';
import { addTrainingFlags, applyParameterSet, numberFlag, type TrainingFlags } from './train-options.js';

interface QualityFlags extends TrainingFlags {
  candidate?: string[];
  folds: number;
  foldsOnly?: boolean;
  python: string;
}

type Engine = 'gbdt' | 'logreg' | 'xgboost';

interface Candidate {
  spec: string;
  engine: Engine;
  /** `default` (the flags' own parameters) or a parameter set's path. */
  params: string;
}

/** The rows of docs/model-quality.md. */
export const DEFAULT_CANDIDATES = [
  'baseline:gbdt:default',
  'baseline:gbdt:params/tuned-baseline.json',
  'baseline:xgboost:default',
  'v2:gbdt:default',
  'v2:gbdt:params/tuned.json',
  'v2:gbdt:params/tuned-ap-se.json',
  'v2:xgboost:default',
  'v2:xgboost:params/tuned.json',
  'v2:logreg:params/logreg-v2.json',
];

const ENGINE_NAMES: Record<Engine, string> = { gbdt: 'our GBDT', logreg: 'logistic regression', xgboost: 'XGBoost' };

const EXAMPLES = `
Examples:
  # the table of docs/model-quality.md (baseline vs v2, default vs tuned, our GBDT vs XGBoost and logistic regression)
  $ fraudops-train quality

  # two candidates only, machine-readable
  $ fraudops-train quality --candidate v2:gbdt:default --candidate v2:gbdt:params/tuned.json --json

  # choosing between candidates (a feature, a parameter set) without looking at the test window
  $ fraudops-train quality --folds-only --folds 6 --candidate v2:gbdt:params/tuned.json --candidate v2:gbdt:params/mine.json

A candidate is <spec>:<engine>:<params>: a feature spec (baseline, v2), an engine (gbdt: ours, logreg, xgboost:
Debian's python3-xgboost running apps/trainer/databricks/train.py, the training job's own script) and
"default" (the flags' parameters) or a parameter set written by \`tune\` (its feature spec is ignored: the
candidate names one). XGBoost gets the GBDT parameters under its own names (as \`train --backend databricks\`
passes them) and stops early on validation aucpr instead of AP.

Every candidate trains on the --folds tuning folds that \`tune\` selects on (AP and card precision@k per fold)
and on the main split (AP, card precision@k and ROC AUC on the test window, with --bootstrap intervals).
--folds-only skips the main split: the test window is neither trained for nor scored, so a choice made from the
table has not looked at it (each look at the test window spends it; docs/model-quality.md counts the looks).`;

function parseCandidate(text: string): Candidate {
  const [spec, engine, ...rest] = text.split(':');
  const params = rest.join(':');
  if (!spec || !params || !['gbdt', 'logreg', 'xgboost'].includes(engine)) {
    throw new CliError(
      `--candidate "${text}": expected <spec>:<gbdt|logreg|xgboost>:<default|parameter set file>`,
      ExitCode.usage,
    );
  }
  return { spec, engine: engine as Engine, params };
}

function fitterOf(candidate: Candidate, raw: QualityFlags, command: Command): Fitter {
  const withSet =
    candidate.params === 'default' ? raw : applyParameterSet({ ...raw, params: candidate.params }, command);
  const flags: QualityFlags = {
    ...withSet,
    spec: candidate.spec,
    model: candidate.engine === 'logreg' ? 'logreg' : 'gbdt',
  };
  if (candidate.engine !== 'xgboost') return { engine: candidate.engine, model: localTrainOptions(flags).model };
  const xgboost = xgboostParameters({ ...flags, xgbParams: { nthread: 1 } });
  return { engine: 'xgboost', python: raw.python, xgboost };
}

export interface QualityRow extends Candidate, QualityResult {}

function interval(e: Estimate | undefined): string {
  if (!e) return '–';
  return `${e.value.toFixed(4)} [${e.ci?.lower.toFixed(4) ?? '–'}, ${e.ci?.upper.toFixed(4) ?? '–'}]`;
}

/** The comparison as a Markdown table (the one in docs/model-quality.md). */
export function qualityTable(rows: QualityRow[], k: number): string {
  const lines = [
    `| spec | model | params | fold AP (per fold) | mean fold AP | mean fold CP@${k} | test rounds | test AP [95 % CI] | test CP@${k} [95 % CI] | test AUC [95 % CI] |`,
    '|---|---|---|---|---|---|---|---|---|---|',
  ];
  for (const row of rows) {
    const params = row.params === 'default' ? 'default' : row.params.replace(/^.*\//, '');
    lines.push(
      `| ${row.spec} | ${ENGINE_NAMES[row.engine]} | ${params} | ${row.folds.map((f) => f.average_precision.toFixed(3)).join(' / ')} | ${row.foldMean.average_precision.toFixed(4)} | ${row.foldMean.card_precision_at_k.toFixed(3)} | ${row.engine === 'logreg' || !row.test ? '–' : row.test.rounds} | ${interval(row.test?.average_precision)} | ${interval(row.test?.card_precision_at_k)} | ${interval(row.test?.auc_roc)} |`,
    );
  }
  return lines.join('\n');
}

export async function runQuality(raw: QualityFlags, command: Command, output: Output): Promise<QualityRow[]> {
  const candidates = (raw.candidate ?? DEFAULT_CANDIDATES).map(parseCandidate);
  const fitters = candidates.map((c) => fitterOf(c, raw, command));
  const options = localTrainOptions(raw);
  const stages = new StageRunner(output);
  const data = await stages.run(
    'data',
    options.dataPath ? `reading ${options.dataPath}` : 'preparing simulated transactions',
    () => prepareData({ ...options, progress: (label, total) => output.progress(label, total) }),
  );
  const [trainStartDay] = splitDays(options.split, data.startDate);
  const split = { ...options.split, trainStartDay };
  const earliest = tuningFolds(split, raw.folds).at(-1)?.trainStart ?? trainStartDay;
  if (earliest < 0)
    throw new CliError(
      `--folds ${raw.folds}: the earliest fold would start before the data; use fewer folds or a later --train-start`,
      ExitCode.usage,
    );
  // from the earliest fold's first training day to the main split's last test day
  const range = {
    ...options.split,
    trainStart: earliest,
    trainDays: trainStartDay + options.split.trainDays - earliest,
  };
  const tables = new Map<string, FeatureTable>();
  const rows: QualityRow[] = [];
  for (const [i, candidate] of candidates.entries()) {
    let table = tables.get(candidate.spec);
    if (!table) {
      const spec = builtInFeatureSpec(candidate.spec);
      table = await stages.run('features', `computing ${spec.features.length} ${spec.name} features with DuckDB`, () =>
        features(data, spec, range),
      );
      tables.set(candidate.spec, table);
    }
    const featureTable = table;
    const result = await stages.run(
      'candidate',
      `${candidate.spec} · ${ENGINE_NAMES[candidate.engine]} · ${candidate.params}: ${raw.folds} folds${raw.foldsOnly ? ' (not the test window)' : ' and the test window'}`,
      () =>
        evaluateCandidate(
          featureTable,
          foldWindows(featureTable, data.columns, data.startDate, split, raw.folds),
          raw.foldsOnly ? undefined : prepareSplit(featureTable, data.columns, data.startDate, options.split),
          fitters[i],
          { k: raw.k, seed: raw.seed, bootstrapResamples: raw.bootstrap },
        ),
    );
    const { test } = result;
    output.status(
      `  mean fold AP ${result.foldMean.average_precision.toFixed(4)}, CP@${raw.k} ${result.foldMean.card_precision_at_k.toFixed(4)}` +
        (test
          ? `; test AP ${test.average_precision.value.toFixed(4)}, CP@${raw.k} ${test.card_precision_at_k.value.toFixed(4)}, AUC ${test.auc_roc.value.toFixed(4)}`
          : ''),
    );
    rows.push({ ...candidate, ...result });
  }
  return rows;
}

export function registerQuality(program: Command, context: CliContext): void {
  const command = program
    .command('quality')
    .description(
      'Compare feature specs, parameter sets and models (ours, XGBoost, logistic regression) on the tuning folds and the test window.',
    );
  addTrainingFlags(command)
    .option(
      '--candidate <spec:engine:params>',
      'a row of the comparison (repeatable; default: the rows of docs/model-quality.md)',
      (value: string, previous: string[] | undefined) => [...(previous ?? []), value],
    )
    .option(
      '--folds <n>',
      'tuning folds, as `tune` uses them',
      numberFlag('--folds', { integer: true, min: 1, max: 12 }),
      3,
    )
    .option('--folds-only', 'train and score the tuning folds only: the test window is neither trained for nor scored')
    .option(
      '--python <path>',
      'Python with python3-xgboost, pandas and sklearn, for xgboost candidates',
      context.env['FRAUDOPS_PYTHON'] ?? '/usr/bin/python3',
    )
    .addHelpText('after', EXAMPLES)
    .action(async (flags: QualityFlags) => {
      const output = context.output(Boolean(flags.json));
      const rows = await runQuality(flags, command, output);
      output.line('');
      output.line(qualityTable(rows, flags.k));
      output.result({ k: flags.k, folds: flags.folds, foldsOnly: Boolean(flags.foldsOnly), candidates: rows });
    });
}
