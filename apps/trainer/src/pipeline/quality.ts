import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { cardPrecisionMetricName, evaluatePredictions } from '@fraudops/evaluation';
import type { FeatureTable } from '@fraudops/features';
import { predictInProcess, trainModel, type ModelOptions } from './model.js';
import { TrainerError } from './errors.js';
import type { PreparedSplit, WindowRows } from './split.js';
import { foldScore, meanOfFolds, type FoldScore, type Trial } from './tune.js';

// The model-quality comparison (docs/model-quality.md): each candidate — a feature spec, a model and its
// parameters — is trained on the tuning folds (the ones `tune` selects on) and on the main split, with the
// same metric code as `train`. XGBoost runs the training job's own script (apps/trainer/databricks/train.py)
// on this machine, on CSV exports of the same windows.

const run = promisify(execFile);

/** How a candidate is trained: our GBDT or logistic regression in process, or XGBoost through train.py. */
export type Fitter =
  | { engine: 'gbdt' | 'logreg'; model: ModelOptions }
  | {
      engine: 'xgboost';
      python: string;
      xgboost: { params: Record<string, unknown>; numBoostRound: number; earlyStoppingRounds: number };
    };

export interface Estimate {
  value: number;
  ci?: { lower: number; upper: number };
}

export interface QualityResult {
  folds: FoldScore[];
  foldMean: Trial['mean'];
  /** The main split's test window; absent with `foldsOnly` (the window was neither trained for nor scored). */
  test?: {
    rounds: number;
    average_precision: Estimate;
    card_precision_at_k: Estimate;
    auc_roc: Estimate;
    /** XGBoost candidates: scikit-learn's AP of the same predictions, as train.py computed it (a check of ours). */
    sklearn_average_precision?: number;
  };
}

interface Fitted {
  scores: Float32Array;
  rounds: number;
  sklearnAveragePrecision?: number;
}

/** train.py beside the sources (apps/trainer/databricks), from the bundle (dist/) or the sources (src/pipeline/). */
export function trainScript(): string {
  const candidates = ['../databricks/train.py', '../../databricks/train.py'].map((relative) =>
    fileURLToPath(new URL(relative, import.meta.url)),
  );
  const found = candidates.find((path) => existsSync(path));
  if (!found)
    throw new TrainerError(
      'PEER_FAILED',
      `XGBoost candidates need apps/trainer/databricks/train.py (looked at ${candidates.join(', ')})`,
    );
  return found;
}

/** A window as CSV for train.py: the features in model order, the label, and (`keys`) what predictions.csv copies. */
function windowCsv(table: FeatureTable, window: WindowRows, keys: boolean): string {
  const { cols, values } = window.matrix;
  const header = [
    ...table.names,
    'tx_fraud',
    ...(keys ? ['transaction_id', 'customer_id', 'tx_datetime', 'amount'] : []),
  ];
  const lines = [header.join(',')];
  for (let r = 0; r < window.rows.length; r++) {
    // JavaScript's shortest form of each float32 value reads back to the same float32 (train.py: round_trip)
    const cells = Array.from(values.subarray(r * cols, r * cols + cols), (v) => (Number.isNaN(v) ? '' : String(v)));
    cells.push(String(window.labels[r]));
    if (keys)
      cells.push(
        String(table.transactionId[window.rows[r]]),
        String(window.cardIds[r]),
        String(window.days[r]),
        String(window.amounts[r]),
      );
    lines.push(cells.join(','));
  }
  return `${lines.join('\n')}\n`;
}

async function fitXgboost(
  table: FeatureTable,
  split: PreparedSplit,
  fitter: Extract<Fitter, { engine: 'xgboost' }>,
): Promise<Fitted> {
  const dir = await mkdtemp(join(tmpdir(), 'fraudops-quality-'));
  try {
    await writeFile(join(dir, 'train.csv'), windowCsv(table, split.train, false));
    await writeFile(join(dir, 'test.csv'), windowCsv(table, split.test, true));
    if (split.validation) await writeFile(join(dir, 'validation.csv'), windowCsv(table, split.validation, false));
    const args = [
      trainScript(),
      '--local',
      '--train-table',
      join(dir, 'train.csv'),
      '--validation-table',
      split.validation ? join(dir, 'validation.csv') : '',
      '--test-table',
      join(dir, 'test.csv'),
      '--feature-columns',
      table.names.join(','),
      '--params',
      JSON.stringify(fitter.xgboost.params),
      '--num-boost-round',
      String(fitter.xgboost.numBoostRound),
      '--early-stopping-rounds',
      String(fitter.xgboost.earlyStoppingRounds),
      '--output-dir',
      join(dir, 'out'),
    ];
    try {
      await run(fitter.python, args, { maxBuffer: 16 << 20 });
    } catch (error) {
      const { stderr: text } = error as { stderr?: string | Buffer };
      const stderr = (text ?? '').toString().trim().split('\n').slice(-3).join(' | ');
      throw new TrainerError(
        'PEER_FAILED',
        `XGBoost (${fitter.python} train.py) failed: ${stderr || (error as Error).message} (--python or FRAUDOPS_PYTHON picks an interpreter with python3-xgboost)`,
      );
    }
    const metrics = JSON.parse(await readFile(join(dir, 'out', 'metrics.json'), 'utf8')) as {
      rounds: number;
      average_precision: number;
    };
    const lines = (await readFile(join(dir, 'out', 'predictions.csv'), 'utf8')).trim().split('\n');
    const score = lines[0].split(',').indexOf('score');
    // train.py keeps the test table's row order
    const scores = Float32Array.from(lines.slice(1), (line) => Number(line.split(',')[score]));
    if (scores.length !== split.test.rows.length)
      throw new TrainerError(
        'PEER_FAILED',
        `train.py wrote ${scores.length} predictions for ${split.test.rows.length} test rows`,
      );
    return { scores, rounds: metrics.rounds, sklearnAveragePrecision: metrics.average_precision };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function fit(table: FeatureTable, split: PreparedSplit, fitter: Fitter): Promise<Fitted> {
  if (fitter.engine === 'xgboost') return fitXgboost(table, split, fitter);
  const trained = await trainModel(split, table.names, fitter.model);
  return { scores: predictInProcess(trained, split.test.matrix), rounds: trained.rounds };
}

/**
 * Trains one candidate on every tuning fold (AP and card precision@k per fold, as `tune` scores them) and on
 * the main split (AP, card precision@k and ROC AUC on the test window with the bootstrap intervals of `train`)
 * — or, when `main` is undefined, on the folds only.
 */
export async function evaluateCandidate(
  table: FeatureTable,
  folds: PreparedSplit[],
  main: PreparedSplit | undefined,
  fitter: Fitter,
  options: { k: number; seed: number; bootstrapResamples: number },
): Promise<QualityResult> {
  const scores: FoldScore[] = [];
  for (const [f, split] of folds.entries()) {
    const fitted = await fit(table, split, fitter);
    scores.push(foldScore(f, split.test, fitted.scores, fitted.rounds, options.k));
  }
  if (!main) return { folds: scores, foldMean: meanOfFolds(scores) };
  const fitted = await fit(table, main, fitter);
  const { test } = main;
  const evaluated = evaluatePredictions(
    { scores: fitted.scores, labels: test.labels, cardIds: test.cardIds, days: test.days, amounts: test.amounts },
    { k: options.k, bootstrap: { seed: options.seed, resamples: options.bootstrapResamples } },
  );
  const estimate = (name: string): Estimate => {
    const metric = evaluated.metrics[name];
    return metric.ci
      ? { value: metric.value, ci: { lower: metric.ci.lower, upper: metric.ci.upper } }
      : { value: metric.value };
  };
  return {
    folds: scores,
    foldMean: meanOfFolds(scores),
    test: {
      rounds: fitted.rounds,
      average_precision: estimate('average_precision'),
      card_precision_at_k: estimate(cardPrecisionMetricName(options.k)),
      auc_roc: estimate('auc_roc'),
      ...(fitted.sklearnAveragePrecision !== undefined
        ? { sklearn_average_precision: fitted.sklearnAveragePrecision }
        : {}),
    },
  };
}
