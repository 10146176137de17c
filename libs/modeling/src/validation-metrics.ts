import { ModelingError } from './errors.js';

/**
 * The two metrics early stopping watches, computed from margins (log-odds) so no precision is lost to
 * the sigmoid's saturation. (The evaluation lib owns the full metric suite; modeling depends on no lib.)
 */

/**
 * Average precision as scikit-learn computes it: Σ (Rₖ − Rₖ₋₁)·Pₖ over distinct score thresholds from the
 * highest down, rows with equal scores entering together (no interpolation). Ranking-only, so margins and
 * probabilities give the same value.
 */
export function averagePrecision(scores: ArrayLike<number>, labels: Uint8Array): number {
  let positives = 0;
  for (let i = 0; i < labels.length; i++) positives += labels[i];
  if (positives === 0) return 0;
  // Sorting each class on its own with the native numeric sort, then merging, groups ties without a comparator.
  const pos = new Float64Array(positives);
  const neg = new Float64Array(labels.length - positives);
  for (let i = 0, p = 0, n = 0; i < labels.length; i++) {
    if (scores[i] !== scores[i]) throw new ModelingError('INVALID_INPUT', `score ${i} is NaN`);
    if (labels[i] === 1) pos[p++] = scores[i];
    else neg[n++] = scores[i];
  }
  pos.sort();
  neg.sort();
  let p = pos.length - 1;
  let n = neg.length - 1;
  let tp = 0;
  let fp = 0;
  let ap = 0;
  let previousRecall = 0;
  while (p >= 0 || n >= 0) {
    const score = p < 0 ? neg[n] : n < 0 ? pos[p] : Math.max(pos[p], neg[n]);
    while (p >= 0 && pos[p] === score) {
      tp++;
      p--;
    }
    while (n >= 0 && neg[n] === score) {
      fp++;
      n--;
    }
    const recall = tp / positives;
    ap += (recall - previousRecall) * (tp / (tp + fp));
    previousRecall = recall;
  }
  return ap;
}

/** Mean binary log loss of margins, computed stably as log(1 + e^(∓m)). */
export function logLossFromMargins(margins: ArrayLike<number>, labels: Uint8Array): number {
  let total = 0;
  for (let i = 0; i < labels.length; i++) {
    const z = labels[i] === 1 ? -margins[i] : margins[i];
    total += z > 0 ? z + Math.log1p(Math.exp(-z)) : Math.log1p(Math.exp(z));
  }
  return total / labels.length;
}
