import type { BootstrapOptions } from './bootstrap.js';
import type { ReliabilityBin } from './calibration.js';
import { groupByDay, type CardPrecisionAtK } from './card-precision.js';
import { thresholdMetrics, type ThresholdMetrics } from './confusion.js';
import type { DriftReport } from './drift.js';
import { evaluatePredictions, type PredictionColumns, type StandardMetrics } from './metric-set.js';
import type { GateResult } from './promotion-gate.js';
import type { ReportExplanations } from './report-explanations.js';
import { precisionRecallCurveFromCounts } from './precision-recall.js';
import { rankScores } from './ranking.js';
import { recallAtFprFromCounts, rocCurveFromCounts } from './roc.js';
import {
  ThresholdSweep,
  parseThresholdPolicy,
  type CostModel,
  type ThresholdDecision,
  type ThresholdPolicy,
} from './thresholds.js';

/** Everything the JSON, Markdown and HTML reports show; plain JSON (no typed arrays, no Infinity). */
export interface EvaluationReport extends Omit<StandardMetrics, 'reliability'> {
  kind: 'fraudops-evaluation-report';
  version: 1;
  title: string;
  /** What was evaluated (a model URI, a predictions file). */
  source?: string;
  generatedAt: string;
  threshold: ThresholdDecision;
  /** Confusion matrix and rates at the chosen threshold. */
  atThreshold: ThresholdMetrics;
  /** Highest recall at a few false-positive-rate limits. */
  recallAtFpr: Array<{ maxFpr: number; recall: number; threshold: number | null }>;
  curves: {
    roc: { fpr: number[]; tpr: number[] };
    precisionRecall: { recall: number[]; precision: number[] };
    reliability?: ReliabilityBin[];
    /** Share of each class's rows per equal-width score bin. */
    scoreHistogram: { edges: number[]; fraud: number[]; genuine: number[] };
    /** Expected cost and alerts per day against the threshold (absent without a missed-fraud cost). */
    cost?: { threshold: number[]; costPerDay: number[]; alertsPerDay: number[] };
  };
  /** Per day at the chosen threshold (when there is a day column). */
  daily?: Array<{
    day: number;
    rows: number;
    frauds: number;
    alerts: number;
    caughtFrauds: number;
    cardPrecision?: number;
    ceiling?: number;
  }>;
  drift?: DriftReport;
  gate?: GateResult;
  /** Global importance and the top alerts' reasons, when the caller explained the model. */
  explanations?: ReportExplanations;
  /** Things a reader should know (e.g. a chart left out and why). */
  notes: string[];
}

export interface ReportOptions {
  title?: string;
  source?: string;
  /** k of precision@k and card precision@k. @defaultValue 100 */
  k?: number;
  calibrationBins?: number;
  bootstrap?: BootstrapOptions | false;
  /** The threshold policy, as an object or text (`budget:100`, `cost:5`). @defaultValue 'budget:100' */
  thresholdPolicy?: ThresholdPolicy | string;
  /** Prices every policy's decision and the cost curve (review cost 5 per alert by default). */
  costModel?: CostModel;
  drift?: DriftReport;
  gate?: GateResult;
  /** Global importance and top alerts' reasons (computed by the caller, e.g. TreeSHAP in the trainer). */
  explanations?: ReportExplanations;
  /** Points kept per curve (curves over millions of rows are thinned for the charts). @defaultValue 300 */
  maxCurvePoints?: number;
  /** Called after each bootstrap resample (for a progress bar). */
  onProgress?: (done: number, total: number) => void;
  /** Defaults to now; fixed in tests. */
  generatedAt?: Date;
}

const FPR_LIMITS = [0.001, 0.01, 0.05];
const HISTOGRAM_BINS = 40;

/**
 * Keeps the explained top rows that are alerts at the chosen threshold (score ≥ threshold): the caller
 * explains the highest scores before the threshold is known, and a row below it is not an alert.
 */
function alertsOnly(explanations: ReportExplanations, threshold: number, notes: string[]): ReportExplanations {
  const topAlerts = explanations.topAlerts.filter((alert) => alert.score >= threshold);
  if (topAlerts.length < explanations.topAlerts.length) {
    notes.push(
      `Top alerts: ${topAlerts.length} of the ${explanations.topAlerts.length} highest scores explained reach the threshold ${Number(threshold.toPrecision(4))}; the others are not alerts.`,
    );
  }
  return { ...explanations, topAlerts };
}

/** Evaluates predictions and gathers the report: metrics with intervals, threshold, curves, per-day figures. */
// eslint-disable-next-line max-lines-per-function -- gathers the report's sections in the order the report shows them; each section is one library call
export function buildEvaluationReport(columns: PredictionColumns, options: ReportOptions = {}): EvaluationReport {
  const ranking = rankScores(columns.scores, columns.labels);
  const { counts } = ranking;
  const standard = evaluatePredictions(
    columns,
    {
      k: options.k,
      calibrationBins: options.calibrationBins,
      bootstrap: options.bootstrap,
      onProgress: options.onProgress,
    },
    ranking,
  );
  const policy =
    typeof options.thresholdPolicy === 'string'
      ? parseThresholdPolicy(options.thresholdPolicy)
      : (options.thresholdPolicy ?? { kind: 'budget', alertsPerDay: 100 });
  const costModel: CostModel =
    policy.kind === 'cost'
      ? { reviewCost: policy.reviewCost, missedFraudCost: policy.missedFraudCost ?? options.costModel?.missedFraudCost }
      : (options.costModel ?? {});
  const sweep = new ThresholdSweep(columns, costModel, undefined, ranking);
  const threshold = sweep.choose(policy);
  const maxPoints = options.maxCurvePoints ?? 300;
  const notes: string[] = [];

  const roc = rocCurveFromCounts(counts);
  const pr = precisionRecallCurveFromCounts(counts);
  const rocKeep = thinnedIndices(roc.fpr, roc.tpr, maxPoints);
  const prKeep = thinnedIndices(pr.recall, pr.precision, maxPoints);

  const curves: EvaluationReport['curves'] = {
    roc: { fpr: rocKeep.map((i) => roc.fpr[i]), tpr: rocKeep.map((i) => roc.tpr[i]) },
    precisionRecall: { recall: prKeep.map((i) => pr.recall[i]), precision: prKeep.map((i) => pr.precision[i]) },
    scoreHistogram: scoreHistogram(columns.scores, standard.positives, columns.labels),
  };
  if (standard.reliability) curves.reliability = standard.reliability.bins;
  else notes.push(`No reliability diagram: ${standard.skipped['ece']}.`);
  if (sweep.points[0].cost !== undefined) {
    // from 1: the "no alerts" point sits above every score
    const priced = sweep.points.slice(1);
    const keep = thinnedIndices(
      priced.map((point) => point.threshold),
      priced.map((point) => point.cost as number),
      maxPoints,
    ).map((i) => i + 1);
    curves.cost = {
      threshold: keep.map((i) => sweep.points[i].threshold),
      costPerDay: keep.map((i) => (sweep.points[i].cost as number) / sweep.days),
      alertsPerDay: keep.map((i) => sweep.points[i].alerts / sweep.days),
    };
  } else {
    notes.push(
      'No cost curve: without an amount column a missed fraud has no cost (set a missed-fraud cost, e.g. --threshold-policy cost:5:200).',
    );
  }

  const report: EvaluationReport = {
    kind: 'fraudops-evaluation-report',
    version: 1,
    title: options.title ?? 'Fraud model evaluation',
    generatedAt: (options.generatedAt ?? new Date()).toISOString(),
    rows: standard.rows,
    positives: standard.positives,
    k: standard.k,
    metrics: standard.metrics,
    skipped: standard.skipped,
    threshold,
    atThreshold: thresholdMetrics(columns.scores, columns.labels, threshold.threshold),
    recallAtFpr: FPR_LIMITS.map((maxFpr) => {
      const point = recallAtFprFromCounts(counts, maxFpr);
      return { maxFpr, recall: point.recall, threshold: Number.isFinite(point.threshold) ? point.threshold : null };
    }),
    curves,
    notes,
  };
  if (options.source !== undefined) report.source = options.source;
  if (standard.days !== undefined) report.days = standard.days;
  if (standard.cards !== undefined) report.cards = standard.cards;
  if (standard.cardPrecision) report.cardPrecision = standard.cardPrecision;
  if (columns.days) report.daily = dailyFigures(columns, threshold.threshold, standard.cardPrecision);
  else notes.push('No daily chart: the predictions have no day column.');
  if (options.drift) report.drift = options.drift;
  if (options.gate) report.gate = options.gate;
  if (options.explanations) report.explanations = alertsOnly(options.explanations, threshold.threshold, notes);
  return report;
}

/**
 * Indices of the points of a curve worth drawing: a point is kept when it has moved at least 1/max of
 * the axes' ranges (L1) from the last kept one, so steep parts keep their detail and flat runs of
 * millions of points shrink to a few. The first and last points are always kept.
 */
function thinnedIndices(xs: ArrayLike<number>, ys: ArrayLike<number>, max: number): number[] {
  const length = xs.length;
  if (length <= max) return Array.from({ length }, (_, i) => i);
  const span = (values: ArrayLike<number>) => {
    let low = Number.POSITIVE_INFINITY;
    let high = Number.NEGATIVE_INFINITY;
    for (let i = 0; i < values.length; i++) {
      low = Math.min(low, values[i]);
      high = Math.max(high, values[i]);
    }
    return high > low ? high - low : 1;
  };
  const xSpan = span(xs);
  const ySpan = span(ys);
  const kept = [0];
  let lastX = xs[0];
  let lastY = ys[0];
  for (let i = 1; i < length - 1; i++) {
    if (Math.abs(xs[i] - lastX) / xSpan + Math.abs(ys[i] - lastY) / ySpan >= 1 / max) {
      kept.push(i);
      lastX = xs[i];
      lastY = ys[i];
    }
  }
  kept.push(length - 1);
  return kept;
}

function scoreHistogram(
  scores: ArrayLike<number>,
  positives: number,
  labels: ArrayLike<number>,
): EvaluationReport['curves']['scoreHistogram'] {
  let low = Number.POSITIVE_INFINITY;
  let high = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < scores.length; i++) {
    low = Math.min(low, scores[i]);
    high = Math.max(high, scores[i]);
  }
  // probabilities keep the [0, 1] axis; other scores span their range
  if (low >= 0 && high <= 1) {
    low = 0;
    high = 1;
  }
  const width = high > low ? (high - low) / HISTOGRAM_BINS : 1;
  const fraud = new Array<number>(HISTOGRAM_BINS).fill(0);
  const genuine = new Array<number>(HISTOGRAM_BINS).fill(0);
  for (let i = 0; i < scores.length; i++) {
    const bin = Math.min(HISTOGRAM_BINS - 1, Math.floor((scores[i] - low) / width));
    if (labels[i] === 1) fraud[bin]++;
    else genuine[bin]++;
  }
  const negatives = scores.length - positives;
  return {
    edges: Array.from({ length: HISTOGRAM_BINS + 1 }, (_, i) => low + i * width),
    fraud: fraud.map((count) => (positives === 0 ? 0 : count / positives)),
    genuine: genuine.map((count) => (negatives === 0 ? 0 : count / negatives)),
  };
}

function dailyFigures(
  columns: PredictionColumns,
  threshold: number,
  cardPrecision?: CardPrecisionAtK,
): EvaluationReport['daily'] {
  const groups = groupByDay(columns.days as ArrayLike<number>);
  const result: NonNullable<EvaluationReport['daily']> = [];
  for (let d = 0; d < groups.days.length; d++) {
    let frauds = 0;
    let alerts = 0;
    let caughtFrauds = 0;
    for (let at = groups.starts[d]; at < groups.starts[d + 1]; at++) {
      const row = groups.rows[at];
      const fraud = columns.labels[row] === 1;
      const alert = columns.scores[row] >= threshold;
      if (fraud) frauds++;
      if (alert) alerts++;
      if (fraud && alert) caughtFrauds++;
    }
    const entry: NonNullable<EvaluationReport['daily']>[number] = {
      day: groups.days[d],
      rows: groups.starts[d + 1] - groups.starts[d],
      frauds,
      alerts,
      caughtFrauds,
    };
    const cardDay = cardPrecision?.days[d];
    if (cardDay) {
      entry.cardPrecision = cardDay.precision;
      entry.ceiling = cardDay.ceiling;
    }
    result.push(entry);
  }
  return result;
}

/** The report as pretty JSON (what `--json` and `report.json` carry). */
export function reportToJson(report: EvaluationReport): string {
  return `${JSON.stringify(report, null, 2)}\n`;
}
