import { checkBinary } from './inputs.js';
import { EvaluationError, EvaluationErrorCode } from './errors.js';

/** Counts and rates when alerting on `score >= threshold`. */
export interface ThresholdMetrics {
  threshold: number;
  truePositives: number;
  falsePositives: number;
  trueNegatives: number;
  falseNegatives: number;
  /** tp / (tp + fp); 0 when there are no alerts (scikit-learn's `zero_division=0`). */
  precision: number;
  /** tp / (tp + fn); 0 when there are no frauds (scikit-learn's `zero_division=0`). */
  recall: number;
  /** Harmonic mean of precision and recall; 0 when both are 0. */
  f1: number;
  /** fp / (fp + tn); 0 when there are no genuine rows. */
  falsePositiveRate: number;
  alerts: number;
}

/**
 * The confusion matrix at a threshold (alert when `score >= threshold`) and the rates derived from it;
 * precision, recall and F1 equal scikit-learn's `precision_score`, `recall_score`, `f1_score` on
 * `score >= threshold`.
 */
export function thresholdMetrics(
  scores: ArrayLike<number>,
  labels: ArrayLike<number>,
  threshold: number,
): ThresholdMetrics {
  if (typeof threshold !== 'number' || Number.isNaN(threshold)) {
    throw new EvaluationError(EvaluationErrorCode.invalidArgument, `threshold must be a number, got ${threshold}`);
  }
  const checked = checkBinary(scores, labels);
  let truePositives = 0;
  let falsePositives = 0;
  for (let row = 0; row < checked.labels.length; row++) {
    if (checked.scores[row] >= threshold) {
      if (checked.labels[row] === 1) truePositives++;
      else falsePositives++;
    }
  }
  const falseNegatives = checked.positives - truePositives;
  const trueNegatives = checked.negatives - falsePositives;
  const alerts = truePositives + falsePositives;
  const precision = alerts === 0 ? 0 : truePositives / alerts;
  const recall = checked.positives === 0 ? 0 : truePositives / checked.positives;
  // formed as scikit-learn 1.2 forms it (2·P·R / (P + R)), so the last bit agrees too
  const f1 = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
  const falsePositiveRate = checked.negatives === 0 ? 0 : falsePositives / checked.negatives;
  return {
    threshold,
    truePositives,
    falsePositives,
    trueNegatives,
    falseNegatives,
    precision,
    recall,
    f1,
    falsePositiveRate,
    alerts,
  };
}
