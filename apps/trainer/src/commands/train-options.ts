import { Option, type Command } from 'commander';
import { CliError, ExitCode } from '@fraudops/cli';
import { GBDT_DEFAULTS } from '@fraudops/modeling';
import { readParameterSet } from '../pipeline/parameter-set.js';
import type { DatasetField } from '@fraudops/transactions';

/** Parses a flag's value as a number, naming the flag when it is not one. */
export function numberFlag(flag: string, { integer = false, min = -Infinity, max = Infinity } = {}) {
  return (text: string): number => {
    const value = Number(text);
    if (
      text.trim() === '' ||
      !Number.isFinite(value) ||
      (integer && !Number.isInteger(value)) ||
      value < min ||
      value > max
    ) {
      const kind = integer ? 'an integer' : 'a number';
      const range = min > -Infinity && max < Infinity ? ` from ${min} to ${max}` : min > -Infinity ? ` ≥ ${min}` : '';
      throw new CliError(`${flag} must be ${kind}${range}, got "${text}"`, ExitCode.usage);
    }
    return value;
  };
}

/** `--train-start` takes a day index (115) or a date (2018-07-25). */
export function dayOrDate(text: string): number | string {
  if (/^\d{4}-\d{2}-\d{2}$/.test(text) && !Number.isNaN(Date.parse(`${text}T00:00:00Z`))) return text;
  return numberFlag('--train-start', { integer: true, min: 0 })(text);
}

const DATASET_FIELDS: readonly DatasetField[] = [
  'transaction_id',
  'tx_datetime',
  'customer_id',
  'terminal_id',
  'tx_amount',
  'tx_fraud',
];

/** `--columns tx_datetime=time,customer_id=card,…`: which file column holds each contract field. */
export function columnMapping(text: string): Partial<Record<DatasetField, string>> {
  const mapping: Partial<Record<DatasetField, string>> = {};
  for (const pair of text.split(',').filter(Boolean)) {
    const [field, column] = pair.split('=').map((s) => s.trim());
    if (!DATASET_FIELDS.includes(field as DatasetField) || !column) {
      throw new CliError(
        `--columns: "${pair}" is not <field>=<file column>; fields are ${DATASET_FIELDS.join(', ')}`,
        ExitCode.usage,
      );
    }
    mapping[field as DatasetField] = column;
  }
  return mapping;
}

/**
 * Data, split and model flags shared by `train` (both backends), `tune` and `quality`. `spec` is the default
 * feature spec (`tune` searches for v2, the spec `npm start` serves).
 */
// eslint-disable-next-line max-lines-per-function -- the training flags: one option per line with its help text
export function addTrainingFlags(command: Command, { spec = 'baseline' }: { spec?: string } = {}): Command {
  return (
    command
      .option(
        '--data <file>',
        'transactions file (.parquet or .csv); default: the built-in simulator, cached under --cache-dir',
      )
      .option(
        '--columns <mapping>',
        'file column of each field, e.g. tx_datetime=time,customer_id=card,terminal_id=merchant,tx_amount=amount,tx_fraud=is_fraud',
        columnMapping,
      )
      .addOption(
        new Option('--on-invalid <mode>', 'a row that breaks the transaction contract: stop, or skip and report')
          .choices(['fail', 'skip'])
          .default('fail'),
      )
      .option('--cache-dir <dir>', 'where simulated and converted data are cached', 'data')
      .option(
        '--customers <n>',
        "simulator: customers (default: the handbook's 5000)",
        numberFlag('--customers', { integer: true, min: 1 }),
      )
      .option(
        '--terminals <n>',
        'simulator: terminals (default 10000)',
        numberFlag('--terminals', { integer: true, min: 1 }),
      )
      .option('--days <n>', 'simulator: days simulated (default 183)', numberFlag('--days', { integer: true, min: 1 }))
      .option(
        '--sim-seed <n>',
        'simulator: world seed (default 0, the handbook dataset)',
        numberFlag('--sim-seed', { integer: true, min: 0 }),
      )
      .option(
        '--params <file>',
        'a parameter set written by `tune`: model, hyperparameters and feature spec (flags given here still win)',
      )
      .option('--spec <name>', 'feature spec', spec)
      .option('--train-start <day|date>', 'first training day: day index or YYYY-MM-DD', dayOrDate, 115)
      .option(
        '--train-days <n>',
        'training window length in days',
        numberFlag('--train-days', { integer: true, min: 1 }),
        7,
      )
      .option(
        '--delay-days <n>',
        'days between training and test (fraud labels arrive late)',
        numberFlag('--delay-days', { integer: true, min: 0 }),
        7,
      )
      .option('--test-days <n>', 'test window length in days', numberFlag('--test-days', { integer: true, min: 1 }), 7)
      .option(
        '--prequential <folds>',
        'also validate the settings on this many prequential folds (each one test length earlier; 0: off)',
        numberFlag('--prequential', { integer: true, min: 0, max: 12 }),
        0,
      )
      .option(
        '--validation-days <n>',
        'last training days held out for early stopping (0: none)',
        numberFlag('--validation-days', { integer: true, min: 0 }),
        1,
      )
      .addOption(new Option('--model <kind>', 'model family').choices(['gbdt', 'logreg']).default('gbdt'))
      // more rounds than the library's default: early stopping on the validation days decides how many are kept
      .option(
        '--n-estimators <n>',
        'GBDT: boosting rounds at most',
        numberFlag('--n-estimators', { integer: true, min: 1 }),
        300,
      )
      .option(
        '--learning-rate <x>',
        'GBDT: shrinkage',
        numberFlag('--learning-rate', { min: 1e-6, max: 1 }),
        GBDT_DEFAULTS.learningRate,
      )
      .option(
        '--max-depth <n>',
        'GBDT: tree depth (depth-wise growth)',
        numberFlag('--max-depth', { integer: true, min: 1, max: 20 }),
        GBDT_DEFAULTS.maxDepth,
      )
      .option(
        '--num-leaves <n>',
        'GBDT: leaves per tree (leaf-wise growth)',
        numberFlag('--num-leaves', { integer: true, min: 2 }),
      )
      .addOption(
        new Option('--grow-policy <policy>', 'GBDT: depthwise or lossguide (leaf-wise)').choices([
          'depthwise',
          'lossguide',
        ]),
      )
      .option(
        '--lambda <x>',
        'GBDT: L2 regularisation of leaf weights',
        numberFlag('--lambda', { min: 0 }),
        GBDT_DEFAULTS.lambda,
      )
      .option(
        '--min-child-weight <x>',
        'GBDT: minimum hessian per leaf',
        numberFlag('--min-child-weight', { min: 0 }),
        GBDT_DEFAULTS.minChildWeight,
      )
      .option(
        '--min-data-in-leaf <n>',
        'GBDT: minimum rows per leaf',
        numberFlag('--min-data-in-leaf', { integer: true, min: 1 }),
        GBDT_DEFAULTS.minDataInLeaf,
      )
      .option(
        '--subsample <x>',
        'GBDT: row sampling per tree',
        numberFlag('--subsample', { min: 0.01, max: 1 }),
        GBDT_DEFAULTS.subsample,
      )
      .option(
        '--colsample <x>',
        'GBDT: column sampling per tree',
        numberFlag('--colsample', { min: 0.01, max: 1 }),
        GBDT_DEFAULTS.colsampleByTree,
      )
      .option(
        '--scale-pos-weight <x>',
        'weight of fraud rows',
        numberFlag('--scale-pos-weight', { min: 0 }),
        GBDT_DEFAULTS.scalePosWeight,
      )
      .option(
        '--early-stopping-rounds <n>',
        'GBDT: rounds without validation AP gain before stopping',
        numberFlag('--early-stopping-rounds', { integer: true, min: 1 }),
        30,
      )
      .option('--l2 <x>', 'logreg: L2 penalty', numberFlag('--l2', { min: 0 }), 1)
      .option(
        '--seed <n>',
        'seed of sampling, bootstrap intervals and the gate',
        numberFlag('--seed', { integer: true, min: 0 }),
        42,
      )
      .option(
        '--threshold-policy <policy>',
        'alert threshold: budget:<alerts/day> | cost:<review cost> | precision:<p> | recall:<r>',
        'budget:100',
      )
      .option('--k <n>', 'k of card precision@k', numberFlag('--k', { integer: true, min: 1 }), 100)
      .option(
        '--bootstrap <n>',
        'bootstrap resamples for confidence intervals',
        numberFlag('--bootstrap', { integer: true, min: 10 }),
        200,
      )
      .option(
        '--registry <uri>',
        'model registry: a directory (default models/) or databricks-uc://<catalog>.<schema>?volume=<volume>',
        'models',
      )
      .option('--name <model>', 'registered model name', 'fraud-detector')
      .option('--dry-run', 'train and evaluate, register nothing')
      .option('--json', 'print one JSON summary on stdout')
  );
}

/** The parsed flags of `addTrainingFlags`. */
export interface TrainingFlags {
  data?: string;
  columns?: Partial<Record<DatasetField, string>>;
  onInvalid: 'fail' | 'skip';
  cacheDir: string;
  customers?: number;
  terminals?: number;
  days?: number;
  simSeed?: number;
  params?: string;
  spec: string;
  trainStart: number | string;
  trainDays: number;
  delayDays: number;
  testDays: number;
  validationDays: number;
  prequential: number;
  model: 'gbdt' | 'logreg';
  nEstimators: number;
  learningRate: number;
  maxDepth: number;
  numLeaves?: number;
  growPolicy?: 'depthwise' | 'lossguide';
  lambda: number;
  minChildWeight: number;
  minDataInLeaf: number;
  subsample: number;
  colsample: number;
  scalePosWeight: number;
  earlyStoppingRounds: number;
  l2: number;
  seed: number;
  thresholdPolicy: string;
  k: number;
  bootstrap: number;
  registry: string;
  name: string;
  dryRun?: boolean;
  json?: boolean;
}

/**
 * Flags with a parameter set (`--params`) applied: its model, hyperparameters and feature spec replace the
 * defaults, while any flag given on the command line keeps its value.
 */
export function applyParameterSet<T extends TrainingFlags>(flags: T, command: Command): T {
  if (!flags.params) return flags;
  const set = readParameterSet(flags.params);
  const fromSet: Partial<TrainingFlags> = {
    spec: set.featureSpec,
    model: set.model,
    nEstimators: set.gbdt.nEstimators,
    learningRate: set.gbdt.learningRate,
    maxDepth: set.gbdt.maxDepth,
    numLeaves: set.gbdt.numLeaves,
    growPolicy: set.gbdt.growPolicy,
    lambda: set.gbdt.lambda,
    minChildWeight: set.gbdt.minChildWeight,
    minDataInLeaf: set.gbdt.minDataInLeaf,
    subsample: set.gbdt.subsample,
    colsample: set.gbdt.colsampleByTree,
    scalePosWeight: set.model === 'logreg' ? set.logreg.scalePosWeight : set.gbdt.scalePosWeight,
    l2: set.logreg.l2,
    earlyStoppingRounds: set.earlyStoppingRounds,
  };
  const merged = { ...flags };
  for (const [key, value] of Object.entries(fromSet)) {
    if (value === undefined || command.getOptionValueSource(key) === 'cli') continue;
    (merged as Record<string, unknown>)[key] = value;
  }
  return merged;
}
