import { EvaluationError, EvaluationErrorCode } from './errors.js';
import { checkBinary, requireProbabilities, requirePositiveInteger } from './inputs.js';
import { countEdgesBelow, quantileEdges, sortedCopy } from './quantiles.js';
import { CompensatedSum } from './summation.js';

/** Mean squared difference between probability and outcome; equals scikit-learn's `brier_score_loss`. */
export function brierScore(scores: ArrayLike<number>, labels: ArrayLike<number>, weights?: ArrayLike<number>): number {
  const checked = checkBinary(scores, labels);
  requireProbabilities(scores, 'brier');
  return weightedMean(checked.labels.length, weights, (row) => {
    const difference = checked.labels[row] - checked.scores[row];
    return difference * difference;
  });
}

const FLOAT64_EPSILON = 2.220446049250313e-16;

/**
 * Mean negative log-likelihood; equals scikit-learn 1.2's `log_loss`, which clips probabilities to
 * [ε, 1−ε] (ε = float64 machine epsilon) and renormalises the two columns before taking the log.
 * Unlike scikit-learn it accepts a window with a single class (the loss is well defined there).
 */
export function logLoss(scores: ArrayLike<number>, labels: ArrayLike<number>, weights?: ArrayLike<number>): number {
  const checked = checkBinary(scores, labels);
  requireProbabilities(scores, 'log_loss');
  return weightedMean(checked.labels.length, weights, (row) => rowLogLoss(checked.scores[row], checked.labels[row]));
}

export function rowLogLoss(score: number, label: number): number {
  const clipped = Math.min(Math.max(score, FLOAT64_EPSILON), 1 - FLOAT64_EPSILON);
  const genuine = 1 - clipped;
  const total = genuine + clipped;
  return label === 1 ? -Math.log(clipped / total) : -Math.log(genuine / total);
}

function weightedMean(rows: number, weights: ArrayLike<number> | undefined, term: (row: number) => number): number {
  const sum = new CompensatedSum();
  if (!weights) {
    for (let row = 0; row < rows; row++) sum.add(term(row));
    return sum.value / rows;
  }
  let totalWeight = 0;
  for (let row = 0; row < rows; row++) {
    const weight = weights[row];
    if (weight === 0) continue;
    sum.add(weight * term(row));
    totalWeight += weight;
  }
  return sum.value / totalWeight;
}

/** One non-empty bin of a reliability curve. */
export interface ReliabilityBin {
  /** Lower and upper edge of the bin (a score equal to an inner edge falls in the lower bin). */
  lower: number;
  upper: number;
  rows: number;
  /** Mean predicted probability in the bin (scikit-learn's `prob_pred`). */
  meanScore: number;
  /** Observed fraud rate in the bin (scikit-learn's `prob_true`). */
  fractionPositive: number;
}

export interface ReliabilityCurve {
  /** The bins' edges: `bins + 1` quantiles of the scores, equal to numpy's `percentile`. */
  edges: number[];
  /** Non-empty bins in ascending score order (bins collapse when many scores are equal). */
  bins: ReliabilityBin[];
  /** Expected calibration error: Σ rows/n · |fractionPositive − meanScore| over the bins. */
  ece: number;
}

/**
 * Reliability curve with quantile bins — equal to scikit-learn's
 * `calibration_curve(labels, scores, n_bins=bins, strategy='quantile')` — and the expected calibration
 * error over the same bins. Bin sums run in row order, like numpy's `bincount`, so they agree to the bit.
 */
export function reliabilityCurve(scores: ArrayLike<number>, labels: ArrayLike<number>, bins = 10): ReliabilityCurve {
  requirePositiveInteger(bins, 'bins');
  const checked = checkBinary(scores, labels);
  requireProbabilities(scores, 'ece');
  const edges = quantileEdges(sortedCopy(scores), bins);
  return reliabilityWithEdges(checked.scores, checked.labels, edges);
}

/** The bin of each row: inner edges strictly below the score (numpy `searchsorted`, side left). */
export function assignBins(scores: ArrayLike<number>, edges: ArrayLike<number>): Uint32Array {
  const inner = Array.from(edges).slice(1, edges.length - 1);
  const bins = new Uint32Array(scores.length);
  for (let row = 0; row < scores.length; row++) bins[row] = countEdgesBelow(inner, scores[row]);
  return bins;
}

/** The reliability curve over given edges (see {@link reliabilityOfBins}). */
export function reliabilityWithEdges(
  scores: ArrayLike<number>,
  labels: Uint8Array,
  edges: ArrayLike<number>,
): ReliabilityCurve {
  return reliabilityOfBins(scores, labels, edges, assignBins(scores, edges));
}

/**
 * The reliability curve from each row's bin, optionally with row weights: the bootstrap keeps the
 * full window's edges and bins and only re-weights rows.
 */
export function reliabilityOfBins(
  scores: ArrayLike<number>,
  labels: Uint8Array,
  edges: ArrayLike<number>,
  binOfRow: Uint32Array,
  weights?: ArrayLike<number>,
): ReliabilityCurve {
  const binCount = edges.length - 1;
  if (binCount < 1)
    throw new EvaluationError(EvaluationErrorCode.invalidArgument, 'a reliability curve needs at least 2 edges');
  const scoreSums = new Float64Array(binCount);
  const positiveSums = new Float64Array(binCount);
  const totals = new Float64Array(binCount);
  let rows = 0;
  for (let row = 0; row < labels.length; row++) {
    const weight = weights ? weights[row] : 1;
    if (weight === 0) continue;
    const bin = binOfRow[row];
    scoreSums[bin] += weight * scores[row];
    positiveSums[bin] += weight * labels[row];
    totals[bin] += weight;
    rows += weight;
  }
  const result: ReliabilityBin[] = [];
  let ece = 0;
  for (let bin = 0; bin < binCount; bin++) {
    if (totals[bin] === 0) continue;
    const meanScore = scoreSums[bin] / totals[bin];
    const fractionPositive = positiveSums[bin] / totals[bin];
    result.push({ lower: edges[bin], upper: edges[bin + 1], rows: totals[bin], meanScore, fractionPositive });
    ece += (totals[bin] / rows) * Math.abs(fractionPositive - meanScore);
  }
  return { edges: Array.from(edges), bins: result, ece };
}

/** Expected calibration error over `bins` quantile bins (see {@link reliabilityCurve}). */
export function expectedCalibrationError(scores: ArrayLike<number>, labels: ArrayLike<number>, bins = 10): number {
  return reliabilityCurve(scores, labels, bins).ece;
}
