import { SeededRandom } from '@fraudops/core';
import { averagePrecision, cardPrecisionAtK } from '@fraudops/evaluation';
import type { FeatureTable } from '@fraudops/features';
import type { GbdtParams } from '@fraudops/modeling';
import type { TransactionColumns } from '@fraudops/transactions';
import { predictInProcess, trainModel, type ModelKind, type ModelOptions } from './model.js';
import { TrainerError } from './errors.js';
import { prepareSplit, type PreparedSplit, type SplitOptions, type WindowRows } from './split.js';

/**
 * Hyperparameter search scored on prequential folds that all end before the main split's delay period:
 * fold k tests on the `testDays` days ending `k` test lengths before the last training day, and trains on
 * `trainDays` days ending `delayDays` before its test days. Neither the delay period nor the test window
 * of the main split is read, so choosing parameters here leaves the test window an honest estimate.
 */
export interface TuningFold {
  fold: number;
  trainStart: number;
  /** First and last test day (inclusive). */
  testDays: [number, number];
}

export function tuningFolds(split: SplitOptions & { trainStartDay: number }, folds: number): TuningFold[] {
  const lastTrainingDay = split.trainStartDay + split.trainDays - 1;
  return Array.from({ length: folds }, (_, fold) => {
    const testEnd = lastTrainingDay - fold * split.testDays;
    const testStart = testEnd - split.testDays + 1;
    return { fold, trainStart: testStart - split.delayDays - split.trainDays, testDays: [testStart, testEnd] };
  });
}

/** The parameters one trial trains with. */
export interface TrialParams {
  model: ModelKind;
  gbdt: GbdtParams;
  logreg: { l2: number; scalePosWeight: number };
}

export interface FoldScore {
  fold: number;
  average_precision: number;
  card_precision_at_k: number;
  rounds: number;
}

export interface Trial {
  trial: number;
  params: TrialParams;
  folds: FoldScore[];
  mean: { average_precision: number; card_precision_at_k: number };
  seconds: number;
}

/** Where a search samples from; every range is documented in the trainer README. */
const GBDT_SPACE = {
  /** A cap: early stopping on the fold's last training day picks the rounds below it. */
  nEstimators: [150, 300, 600] as const,
  learningRate: [0.02, 0.3] as const,
  maxDepth: [3, 8] as const,
  minChildWeight: [0.1, 20] as const,
  lambda: [0.1, 30] as const,
  subsample: [0.5, 1] as const,
  colsampleByTree: [0.5, 1] as const,
  scalePosWeight: [1, 2, 4, 8] as const,
};
const LOGREG_L2 = [1e-4, 100] as const;

function logUniform(random: SeededRandom, [lo, hi]: readonly [number, number]): number {
  return Math.exp(Math.log(lo) + random.nextDouble() * (Math.log(hi) - Math.log(lo)));
}

function uniform(random: SeededRandom, [lo, hi]: readonly [number, number]): number {
  return lo + random.nextDouble() * (hi - lo);
}

/** Three significant digits: parameter sets stay readable and equal parameters print equally. */
function round3(x: number): number {
  return Number(x.toPrecision(3));
}

/**
 * Trial `i` of a seeded search: trial 0 is the given defaults (so the winner is never worse on the folds
 * than not tuning), the others are drawn from the search space. A trial depends on the seed and its index
 * only, so the same seed gives the same trials whatever the budget.
 */
export function sampleTrial(seed: number, i: number, defaults: TrialParams): TrialParams {
  if (i === 0) return defaults;
  const random = new SeededRandom((seed * 1_000_003 + i) >>> 0);
  if (defaults.model === 'logreg') {
    return { ...defaults, logreg: { ...defaults.logreg, l2: round3(logUniform(random, LOGREG_L2)) } };
  }
  const s = GBDT_SPACE;
  return {
    ...defaults,
    gbdt: {
      ...defaults.gbdt,
      growPolicy: 'depthwise',
      nEstimators: s.nEstimators[random.nextInt(s.nEstimators.length)],
      learningRate: round3(logUniform(random, s.learningRate)),
      maxDepth: s.maxDepth[0] + random.nextInt(s.maxDepth[1] - s.maxDepth[0] + 1),
      minChildWeight: round3(logUniform(random, s.minChildWeight)),
      lambda: round3(logUniform(random, s.lambda)),
      subsample: round3(uniform(random, s.subsample)),
      colsampleByTree: round3(uniform(random, s.colsampleByTree)),
      scalePosWeight: s.scalePosWeight[random.nextInt(s.scalePosWeight.length)],
    },
  };
}

export interface TuneOptions {
  split: SplitOptions & { trainStartDay: number };
  folds: number;
  trials: number;
  /** Seconds after which no new trial starts (0: none). */
  timeBudgetSeconds: number;
  seed: number;
  k: number;
  defaults: TrialParams;
  earlyStoppingRounds: number;
  /** How the winner is chosen. @defaultValue 'ap' */
  selection?: SelectionRule;
  onTrial?: (trial: Trial, best: Trial) => void;
  /** Clock in seconds (tests can pass their own). */
  now?: () => number;
}

export interface TuneResult {
  trials: Trial[];
  best: Trial;
  folds: TuningFold[];
  /** Why the search stopped. */
  stopped: 'trials' | 'time-budget';
}

function mean(values: number[]): number {
  return values.reduce((a, b) => a + b, 0) / values.length;
}

/** Mean AP and card precision@k over folds. */
export function meanOfFolds(scores: FoldScore[]): Trial['mean'] {
  return {
    average_precision: mean(scores.map((s) => s.average_precision)),
    card_precision_at_k: mean(scores.map((s) => s.card_precision_at_k)),
  };
}

/** A beats B on mean AP, then on mean card precision@k; ties keep the earlier trial. */
export function better(a: Trial, b: Trial): boolean {
  if (a.mean.average_precision !== b.mean.average_precision) return a.mean.average_precision > b.mean.average_precision;
  return a.mean.card_precision_at_k > b.mean.card_precision_at_k;
}

/**
 * How the winner is chosen from the trials' fold scores:
 * - `ap`: the best mean AP over the folds; mean card precision@k breaks exact ties.
 * - `ap-se`: mean APs within one standard error of the best one's (its fold APs' sample standard deviation
 *   over √folds) count as tied — the folds cannot tell them apart — and among those the best mean card
 *   precision@k wins (then AP, then the earlier trial). With one fold it is `ap`.
 */
export type SelectionRule = 'ap' | 'ap-se';
export const SELECTION_RULES: readonly SelectionRule[] = ['ap', 'ap-se'];

/** Standard error of a trial's mean fold AP (0 with one fold). */
export function standardError(trial: Trial): number {
  const values = trial.folds.map((f) => f.average_precision);
  if (values.length < 2) return 0;
  const m = mean(values);
  return Math.sqrt(values.reduce((a, v) => a + (v - m) ** 2, 0) / (values.length - 1) / values.length);
}

/** The winner of `trials` (at least one) under `rule`. */
export function selectTrial(trials: readonly Trial[], rule: SelectionRule): Trial {
  const byAp = trials.reduce((best, trial) => (better(trial, best) ? trial : best));
  if (rule === 'ap') return byAp;
  const floor = byAp.mean.average_precision - standardError(byAp);
  const tied = trials.filter((t) => t.mean.average_precision >= floor);
  return tied.reduce((best, t) =>
    t.mean.card_precision_at_k > best.mean.card_precision_at_k ||
    (t.mean.card_precision_at_k === best.mean.card_precision_at_k && better(t, best))
      ? t
      : best,
  );
}

/** A fold's score: AP and card precision@k of a model's predictions on the fold's test days. */
export function foldScore(
  fold: number,
  test: WindowRows,
  predicted: Float32Array,
  rounds: number,
  k: number,
): FoldScore {
  return {
    fold,
    average_precision: averagePrecision(predicted, test.labels),
    card_precision_at_k: cardPrecisionAtK(
      { scores: predicted, labels: test.labels, cardIds: test.cardIds, days: test.days },
      k,
    ).value,
    rounds,
  };
}

/** The windows of each tuning fold, checked to end by the main split's last training day. */
export function foldWindows(
  table: FeatureTable,
  columns: TransactionColumns,
  startDate: string,
  split: SplitOptions & { trainStartDay: number },
  folds: number,
): PreparedSplit[] {
  return tuningFolds(split, folds).map((fold, i) => {
    const windows = prepareSplit(table, columns, startDate, { ...split, trainStart: fold.trainStart });
    if (windows.test.period[1] > split.trainStartDay + split.trainDays - 1) {
      throw new Error(`internal: tuning fold ${i} reaches past the training window`);
    }
    return windows;
  });
}

/** Runs the search over a feature table that covers the folds' days. */
export async function tuneHyperparameters(
  table: FeatureTable,
  columns: TransactionColumns,
  startDate: string,
  options: TuneOptions,
): Promise<TuneResult> {
  const windows = foldWindows(table, columns, startDate, options.split, options.folds);
  return searchTrials(windows, table.names, options);
}

/**
 * The search itself over prepared fold windows (fold `i` of `tuningFolds(options.split, options.folds)` is
 * `windows[i]`): the local backend passes windows cut from its DuckDB feature table, the Databricks job
 * (src/tune-job.ts) windows read from the warehouse's per-fold split tables. The same code scores both.
 */
export async function searchTrials(
  windows: readonly PreparedSplit[],
  names: readonly string[],
  options: TuneOptions,
): Promise<TuneResult> {
  const now = options.now ?? (() => performance.now() / 1000);
  const folds = tuningFolds(options.split, options.folds);
  if (windows.length !== folds.length)
    throw new Error(`internal: ${windows.length} fold windows for ${folds.length} folds`);
  const started = now();
  const trials: Trial[] = [];
  let best: Trial | undefined;
  let stopped: TuneResult['stopped'] = 'trials';
  for (let i = 0; i < options.trials; i++) {
    if (i > 0 && options.timeBudgetSeconds > 0 && now() - started >= options.timeBudgetSeconds) {
      stopped = 'time-budget';
      break;
    }
    const params = sampleTrial(options.seed, i, options.defaults);
    const model: ModelOptions = {
      kind: params.model,
      gbdt: params.gbdt,
      logreg: params.logreg,
      earlyStoppingRounds: options.earlyStoppingRounds,
    };
    const trialStart = now();
    const scores: FoldScore[] = [];
    for (const [f, split] of windows.entries()) {
      const trained = await trainModel(split, names, model);
      scores.push(foldScore(f, split.test, predictInProcess(trained, split.test.matrix), trained.rounds, options.k));
    }
    const trial: Trial = {
      trial: i,
      params,
      folds: scores,
      mean: meanOfFolds(scores),
      seconds: now() - trialStart,
    };
    trials.push(trial);
    best = selectTrial(trials, options.selection ?? 'ap');
    options.onTrial?.(trial, best);
  }
  if (!best) throw new TrainerError('INVALID_OPTION', 'no trial ran: --trials must be at least 1');
  return { trials, best, folds, stopped };
}
