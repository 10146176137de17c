import { requirePositives } from './inputs.js';
import { rankScores, type ClassCounts } from './ranking.js';
import { CompensatedSum } from './summation.js';

/** Precision and recall at every distinct score, highest threshold first. */
export interface PrecisionRecallCurve {
  precision: Float64Array;
  recall: Float64Array;
  /** Alert when score >= threshold. */
  thresholds: Float64Array;
}

/**
 * Average precision as scikit-learn computes it: the step-wise sum Σ (Rₙ − Rₙ₋₁)·Pₙ over distinct
 * thresholds, no interpolation. Each term is formed exactly as scikit-learn forms it (recall as tp/P,
 * precision as tp/(tp+fp)); only the summation is compensated.
 */
export function averagePrecisionFromCounts(counts: ClassCounts): number {
  requirePositives(counts.positives, 'average_precision');
  const { positivesAt, negativesAt } = counts;
  const sum = new CompensatedSum();
  let truePositives = 0;
  let falsePositives = 0;
  let previousRecall = 0;
  for (let g = 0; g < positivesAt.length; g++) {
    truePositives += positivesAt[g];
    falsePositives += negativesAt[g];
    if (positivesAt[g] === 0) continue; // recall unchanged: the term is zero
    const recall = truePositives / counts.positives;
    sum.add((recall - previousRecall) * (truePositives / (truePositives + falsePositives)));
    previousRecall = recall;
  }
  return sum.value;
}

/** Average precision of scores against 0/1 labels; equals scikit-learn's `average_precision_score`. */
export function averagePrecision(scores: ArrayLike<number>, labels: ArrayLike<number>): number {
  return averagePrecisionFromCounts(rankScores(scores, labels).counts);
}

export function precisionRecallCurveFromCounts(counts: ClassCounts): PrecisionRecallCurve {
  requirePositives(counts.positives, 'precision-recall curve');
  const size = counts.thresholds.length;
  const precision = new Float64Array(size);
  const recall = new Float64Array(size);
  let truePositives = 0;
  let falsePositives = 0;
  for (let g = 0; g < size; g++) {
    truePositives += counts.positivesAt[g];
    falsePositives += counts.negativesAt[g];
    const alerts = truePositives + falsePositives;
    precision[g] = alerts === 0 ? 0 : truePositives / alerts;
    recall[g] = truePositives / counts.positives;
  }
  return { precision, recall, thresholds: counts.thresholds.slice() };
}

export function precisionRecallCurve(scores: ArrayLike<number>, labels: ArrayLike<number>): PrecisionRecallCurve {
  return precisionRecallCurveFromCounts(rankScores(scores, labels).counts);
}
