import {
  drawResample,
  percentileInterval,
  resolveBootstrap,
  rowUnits,
  unitsFromIds,
  type BootstrapOptions,
  type ConfidenceInterval,
  type ResamplingUnits,
} from './bootstrap.js';
import { assignBins, reliabilityOfBins, rowLogLoss, type ReliabilityCurve } from './calibration.js';
import { cardPrecisionAtK, type CardDayColumns, type CardPrecisionAtK } from './card-precision.js';
import { EvaluationError, EvaluationErrorCode } from './errors.js';
import { checkFinite, checkSameLength, requireBothClasses, requirePositiveInteger } from './inputs.js';
import { averagePrecisionFromCounts } from './precision-recall.js';
import { quantileEdges, sortedCopy } from './quantiles.js';
import { SeededRandom } from '@fraudops/core';
import { rankScores, type ClassCounts, type ScoreRanking } from './ranking.js';
import { aucFromCounts } from './roc.js';
import { CompensatedSum } from './summation.js';
import { precisionAtKOfRanking } from './top-k.js';

/**
 * Metric names: the contract shared by JSON results, model cards, reports and the scoring API.
 * `card_precision_at_<k>` and `precision_at_<k>` carry their k (`card_precision_at_100`).
 */
export const MetricName = {
  aucRoc: 'auc_roc',
  averagePrecision: 'average_precision',
  brier: 'brier',
  logLoss: 'log_loss',
  ece: 'ece',
} as const;

export const cardPrecisionMetricName = (k: number): string => `card_precision_at_${k}`;
export const precisionAtKMetricName = (k: number): string => `precision_at_${k}`;

const LOWER_IS_BETTER = new Set<string>([MetricName.brier, MetricName.logLoss, MetricName.ece]);

/** True for metrics where a larger value is better (all but brier, log_loss and ece). */
export function higherIsBetter(metric: string): boolean {
  return !LOWER_IS_BETTER.has(metric);
}

/** A test window's predictions: one row per transaction. */
export interface PredictionColumns extends CardDayColumns {
  /** Transaction amount of each row (used by cost thresholds). */
  amounts?: ArrayLike<number>;
}

/** A metric's value on the whole window and, with the bootstrap, its confidence interval. */
export interface MetricEstimate {
  value: number;
  ci?: ConfidenceInterval;
}

export interface StandardMetricsOptions {
  /** k of precision@k and card precision@k. @defaultValue 100 */
  k?: number;
  /** Quantile bins of the reliability curve and ECE. @defaultValue 10 */
  calibrationBins?: number;
  /** Confidence intervals by seeded bootstrap, or false for point values only. @defaultValue {} (1000 resamples, seed 42, 95 %) */
  bootstrap?: BootstrapOptions | false;
  /** Called after each bootstrap resample (for a progress bar). */
  onProgress?: (done: number, total: number) => void;
}

/** The standard metric set of a test window, as the trainer stores it in the model card. */
export interface StandardMetrics {
  rows: number;
  positives: number;
  /** Distinct days and cards, when those columns were given. */
  days?: number;
  cards?: number;
  k: number;
  /** By metric name (see {@link MetricName}). */
  metrics: Record<string, MetricEstimate>;
  /** Per-day detail and ceiling of card precision@k (when card ids and days were given). */
  cardPrecision?: CardPrecisionAtK;
  /** Quantile-bin reliability curve behind `ece` (when scores are probabilities). */
  reliability?: ReliabilityCurve;
  /** Metrics of the standard set that were not computed, with the reason. */
  skipped: Record<string, string>;
}

export type MetricValues = Record<string, number | undefined>;

/**
 * The standard metric set prepared once for a window — ranking, per-row loss terms, calibration bins,
 * card precision per day — so that each bootstrap resample only re-weights rows (no sorting).
 */
export class StandardMetricEvaluator {
  readonly k: number;
  readonly ranking: ScoreRanking;
  readonly names: string[];
  readonly skipped: Record<string, string> = {};
  readonly cardPrecision?: CardPrecisionAtK;
  readonly reliability?: ReliabilityCurve;
  /** Units the row-level metrics resample: cards when card ids are known, else rows. */
  readonly rowUnits: ResamplingUnits;
  readonly cards?: number;
  private readonly brierTerms?: Float64Array;
  private readonly logLossTerms?: Float64Array;
  private readonly calibrationBinOfRow?: Uint32Array;

  /** `ranking`: the scores and labels already ranked (saves a sort when the caller has one). */
  constructor(
    readonly columns: PredictionColumns,
    options: Omit<StandardMetricsOptions, 'bootstrap' | 'onProgress'> = {},
    ranking?: ScoreRanking,
  ) {
    this.k = options.k ?? 100;
    requirePositiveInteger(this.k, 'k');
    const bins = options.calibrationBins ?? 10;
    requirePositiveInteger(bins, 'calibrationBins');
    this.ranking = ranking ?? rankScores(columns.scores, columns.labels);
    const { counts, labels } = this.ranking;
    requireBothClasses(counts.positives, counts.negatives, 'the standard metric set');
    const n = labels.length;
    const scores = columns.scores;
    this.names = [MetricName.aucRoc, MetricName.averagePrecision, precisionAtKMetricName(this.k)];

    if (columns.cardIds && columns.days) {
      this.cardPrecision = cardPrecisionAtK(columns, this.k);
      this.names.push(cardPrecisionMetricName(this.k));
    } else {
      const missing = [!columns.cardIds && 'customer_id', !columns.days && 'day'].filter(Boolean).join(' and ');
      this.skipped[cardPrecisionMetricName(this.k)] = `needs customer_id and day columns (no ${missing})`;
      // a lone column is still checked: cards drive the bootstrap, days the thresholds' alerts per day
      for (const [name, values] of [
        ['cardIds', columns.cardIds],
        ['days', columns.days],
      ] as const) {
        if (values) {
          checkSameLength(n, values, name);
          checkFinite(values, name);
        }
      }
    }
    if (columns.cardIds) {
      this.rowUnits = unitsFromIds(columns.cardIds, 'bootstrap-cards');
      this.cards = this.rowUnits.count;
    } else {
      this.rowUnits = rowUnits(n);
    }
    if (columns.amounts) {
      checkSameLength(n, columns.amounts, 'amounts');
      checkFinite(columns.amounts, 'amounts');
    }

    const outside = firstOutsideUnitInterval(scores);
    if (outside === -1) {
      this.brierTerms = new Float64Array(n);
      this.logLossTerms = new Float64Array(n);
      for (let row = 0; row < n; row++) {
        const difference = labels[row] - scores[row];
        this.brierTerms[row] = difference * difference;
        this.logLossTerms[row] = rowLogLoss(scores[row], labels[row]);
      }
      const edges = quantileEdges(sortedCopy(scores), bins);
      this.calibrationBinOfRow = assignBins(scores, edges);
      this.reliability = reliabilityOfBins(scores, labels, edges, this.calibrationBinOfRow);
      this.names.push(MetricName.brier, MetricName.logLoss, MetricName.ece);
    } else {
      const reason = `scores are not probabilities (scores[${outside}] is ${scores[outside]})`;
      for (const name of [MetricName.brier, MetricName.logLoss, MetricName.ece]) this.skipped[name] = reason;
    }
  }

  /** Number of days (the units card precision resamples), 0 without a day column. */
  get dayCount(): number {
    return this.cardPrecision?.days.length ?? 0;
  }

  /** Metric values on the whole window. */
  point(): Record<string, number> {
    const values: Record<string, number> = {
      [MetricName.aucRoc]: aucFromCounts(this.ranking.counts),
      [MetricName.averagePrecision]: averagePrecisionFromCounts(this.ranking.counts),
      [precisionAtKMetricName(this.k)]: precisionAtKOfRanking(this.ranking, this.k),
    };
    if (this.cardPrecision) values[cardPrecisionMetricName(this.k)] = this.cardPrecision.value;
    if (this.brierTerms && this.logLossTerms && this.reliability) {
      values[MetricName.brier] = meanOf(this.brierTerms);
      values[MetricName.logLoss] = meanOf(this.logLossTerms);
      values[MetricName.ece] = this.reliability.ece;
    }
    return values;
  }

  /**
   * Metric values on one resample: row i counts `rowWeights[i]` times, day d `dayWeights[d]` times.
   * A metric undefined on the resample (no fraud drawn) is left out.
   */
  replicate(rowWeights: Float64Array, dayWeights?: Float64Array): MetricValues {
    const counts = this.ranking.weightedCounts(rowWeights);
    const values: MetricValues = {
      [MetricName.aucRoc]: definedOrUndefined(() => aucFromCounts(counts)),
      [MetricName.averagePrecision]: definedOrUndefined(() => averagePrecisionFromCounts(counts)),
      [precisionAtKMetricName(this.k)]: precisionAtKOfRanking(this.ranking, this.k, rowWeights),
    };
    if (this.cardPrecision && dayWeights) {
      let sum = 0;
      let weight = 0;
      this.cardPrecision.days.forEach((day, d) => {
        sum += dayWeights[d] * day.precision;
        weight += dayWeights[d];
      });
      values[cardPrecisionMetricName(this.k)] = sum / weight;
    }
    if (this.brierTerms && this.logLossTerms && this.reliability && this.calibrationBinOfRow) {
      values[MetricName.brier] = weightedMeanOf(this.brierTerms, rowWeights, counts);
      values[MetricName.logLoss] = weightedMeanOf(this.logLossTerms, rowWeights, counts);
      const { edges } = this.reliability;
      values[MetricName.ece] = reliabilityOfBins(
        this.columns.scores,
        this.ranking.labels,
        edges,
        this.calibrationBinOfRow,
        rowWeights,
      ).ece;
    }
    return values;
  }
}

function firstOutsideUnitInterval(scores: ArrayLike<number>): number {
  for (let row = 0; row < scores.length; row++) if (scores[row] < 0 || scores[row] > 1) return row;
  return -1;
}

function meanOf(terms: Float64Array): number {
  const sum = new CompensatedSum();
  for (let row = 0; row < terms.length; row++) sum.add(terms[row]);
  return sum.value / terms.length;
}

function weightedMeanOf(terms: Float64Array, weights: Float64Array, counts: ClassCounts): number {
  let sum = 0;
  for (let row = 0; row < terms.length; row++) sum += weights[row] * terms[row];
  return sum / (counts.positives + counts.negatives);
}

function definedOrUndefined(compute: () => number): number | undefined {
  try {
    return compute();
  } catch (error) {
    if (error instanceof EvaluationError && error.code === EvaluationErrorCode.singleClass) return undefined;
    throw error;
  }
}

/**
 * Runs `resamples` seeded resamples of rows (or cards) and days together and hands each one's weights to
 * `visit`; the same seed gives the same draws, which is what makes a paired comparison paired.
 */
export function forEachResample(
  evaluator: StandardMetricEvaluator,
  options: Required<BootstrapOptions>,
  visit: (rowWeights: Float64Array, dayWeights: Float64Array | undefined) => void,
): void {
  const random = new SeededRandom(options.seed);
  const rows = evaluator.ranking.rows;
  const unitWeights = new Float64Array(evaluator.rowUnits.count);
  const rowWeights = new Float64Array(rows);
  const days = evaluator.dayCount;
  const dayUnits: ResamplingUnits = { method: 'bootstrap-days', count: days, unitOfRow: null };
  const dayWeights = days > 0 ? new Float64Array(days) : undefined;
  for (let resample = 0; resample < options.resamples; resample++) {
    drawResample(evaluator.rowUnits, random, unitWeights, rowWeights);
    if (dayWeights) drawResample(dayUnits, random, dayWeights);
    visit(rowWeights, dayWeights);
  }
}

/** The resampling method behind a metric's interval. */
export function resamplingMethodOf(evaluator: StandardMetricEvaluator, metric: string): ConfidenceInterval['method'] {
  return metric === cardPrecisionMetricName(evaluator.k) ? 'bootstrap-days' : evaluator.rowUnits.method;
}

/**
 * The standard metric set of a test window — `auc_roc`, `average_precision`, `precision_at_<k>`,
 * `card_precision_at_<k>` (with card ids and days), `brier`, `log_loss`, `ece` (for probabilities) —
 * each with a seeded percentile-bootstrap interval: cards (or rows) are resampled for row-level metrics,
 * days for card precision. Pass `ranking` (from {@link rankScores} on the same columns) to reuse a sort.
 */
export function evaluatePredictions(
  columns: PredictionColumns,
  options: StandardMetricsOptions = {},
  ranking?: ScoreRanking,
): StandardMetrics {
  const evaluator = new StandardMetricEvaluator(columns, options, ranking);
  const point = evaluator.point();
  const metrics: Record<string, MetricEstimate> = {};
  for (const name of evaluator.names) metrics[name] = { value: point[name] };

  if (options.bootstrap !== false) {
    const bootstrap = resolveBootstrap(options.bootstrap === undefined ? {} : options.bootstrap);
    const replicates = new Map<string, number[]>(evaluator.names.map((name) => [name, []]));
    let done = 0;
    forEachResample(evaluator, bootstrap, (rowWeights, dayWeights) => {
      const values = evaluator.replicate(rowWeights, dayWeights);
      for (const name of evaluator.names) {
        const value = values[name];
        if (value !== undefined) replicates.get(name)?.push(value);
      }
      options.onProgress?.(++done, bootstrap.resamples);
    });
    for (const name of evaluator.names) {
      const ci = percentileInterval(replicates.get(name) ?? [], bootstrap.level, resamplingMethodOf(evaluator, name));
      if (ci) metrics[name].ci = ci;
    }
  }
  const { counts } = evaluator.ranking;
  const result: StandardMetrics = {
    rows: evaluator.ranking.rows,
    positives: counts.positives,
    k: evaluator.k,
    metrics,
    skipped: evaluator.skipped,
  };
  if (evaluator.dayCount > 0) result.days = evaluator.dayCount;
  if (evaluator.cards !== undefined) result.cards = evaluator.cards;
  if (evaluator.cardPrecision) result.cardPrecision = evaluator.cardPrecision;
  if (evaluator.reliability) result.reliability = evaluator.reliability;
  return result;
}
