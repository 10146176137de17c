import { requireBothClasses, requireInRange } from './inputs.js';
import { rankScores, type ClassCounts } from './ranking.js';

/** The ROC curve at every distinct score (scikit-learn's `roc_curve(..., drop_intermediate=False)`). */
export interface RocCurve {
  /** False-positive rate at each point, starting at 0. */
  fpr: Float64Array;
  /** True-positive rate (recall) at each point, starting at 0. */
  tpr: Float64Array;
  /** Alert when score >= threshold; the first point's threshold is the top score + 1, as scikit-learn. */
  thresholds: Float64Array;
}

/**
 * Area under the ROC curve from class counts. Ties count one half (the trapezoid over a tied group),
 * which is what scikit-learn's trapezoidal `auc` over `roc_curve` computes. The numerator is summed in
 * integers (exact below 2^53, i.e. up to ~10^8 rows) and divided once.
 */
export function aucFromCounts(counts: ClassCounts): number {
  requireBothClasses(counts.positives, counts.negatives, 'auc_roc');
  const { positivesAt, negativesAt } = counts;
  let truePositives = 0;
  let twiceArea = 0;
  for (let g = 0; g < positivesAt.length; g++) {
    twiceArea += negativesAt[g] * (2 * truePositives + positivesAt[g]);
    truePositives += positivesAt[g];
  }
  return twiceArea / (2 * counts.positives * counts.negatives);
}

/** ROC AUC of scores against 0/1 labels; equals scikit-learn's `roc_auc_score`. */
export function aucRoc(scores: ArrayLike<number>, labels: ArrayLike<number>): number {
  return aucFromCounts(rankScores(scores, labels).counts);
}

export function rocCurveFromCounts(counts: ClassCounts): RocCurve {
  requireBothClasses(counts.positives, counts.negatives, 'roc curve');
  const size = counts.thresholds.length + 1;
  const fpr = new Float64Array(size);
  const tpr = new Float64Array(size);
  const thresholds = new Float64Array(size);
  thresholds[0] = counts.thresholds[0] + 1;
  let truePositives = 0;
  let falsePositives = 0;
  for (let g = 0; g < counts.thresholds.length; g++) {
    truePositives += counts.positivesAt[g];
    falsePositives += counts.negativesAt[g];
    fpr[g + 1] = falsePositives / counts.negatives;
    tpr[g + 1] = truePositives / counts.positives;
    thresholds[g + 1] = counts.thresholds[g];
  }
  return { fpr, tpr, thresholds };
}

export function rocCurve(scores: ArrayLike<number>, labels: ArrayLike<number>): RocCurve {
  return rocCurveFromCounts(rankScores(scores, labels).counts);
}

/** The operating point with the highest recall whose false-positive rate does not exceed a limit. */
export interface RecallAtFpr {
  recall: number;
  /** The false-positive rate actually reached (≤ the limit). */
  falsePositiveRate: number;
  /** Alert when score >= threshold; +Infinity when no threshold stays within the limit but "no alerts". */
  threshold: number;
}

/**
 * Highest recall at a false-positive rate of at most `maxFpr`, without interpolating between ROC points
 * (a threshold that exists): `max(tpr[fpr <= maxFpr])` over scikit-learn's full `roc_curve`.
 */
export function recallAtFprFromCounts(counts: ClassCounts, maxFpr: number): RecallAtFpr {
  requireInRange(maxFpr, 'maxFpr', 0, 1);
  requireBothClasses(counts.positives, counts.negatives, 'recall at a false-positive rate');
  let best: RecallAtFpr = { recall: 0, falsePositiveRate: 0, threshold: Number.POSITIVE_INFINITY };
  let truePositives = 0;
  let falsePositives = 0;
  for (let g = 0; g < counts.thresholds.length; g++) {
    truePositives += counts.positivesAt[g];
    falsePositives += counts.negativesAt[g];
    const falsePositiveRate = falsePositives / counts.negatives;
    if (falsePositiveRate > maxFpr) break;
    best = { recall: truePositives / counts.positives, falsePositiveRate, threshold: counts.thresholds[g] };
  }
  return best;
}

export function recallAtFpr(scores: ArrayLike<number>, labels: ArrayLike<number>, maxFpr: number): number {
  return recallAtFprFromCounts(rankScores(scores, labels).counts, maxFpr).recall;
}
