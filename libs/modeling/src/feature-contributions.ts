/**
 * Per-row feature contributions on the margin (log-odds) scale: for every row,
 * `bias + Σ_f values[r * featureCount + f]` is the model's margin for that row. Tree models give exact
 * Shapley values (TreeSHAP), logistic regression its linear terms around the training mean.
 */
export interface FeatureContributions {
  rows: number;
  featureCount: number;
  /** Row-major `rows × featureCount`, in feature-spec order. */
  values: Float64Array;
  /** The expected margin (the margin when nothing is known about a row); the same for every row. */
  bias: number;
}

/** One feature's share of a row's margin, as an alert's reason lists it. */
export interface FeatureReason {
  /** Column index in feature-spec order. */
  feature: number;
  contribution: number;
}

/**
 * The `k` features of row `row` with the largest |contribution|, largest first (ties keep feature order).
 * Zero contributions are never reasons.
 */
export function topContributions(contributions: FeatureContributions, row: number, k: number): FeatureReason[] {
  const { values, featureCount } = contributions;
  const reasons: FeatureReason[] = [];
  const offset = row * featureCount;
  for (let f = 0; f < featureCount; f++) {
    const contribution = values[offset + f];
    if (contribution === 0) continue;
    reasons.push({ feature: f, contribution });
  }
  reasons.sort((a, b) => Math.abs(b.contribution) - Math.abs(a.contribution) || a.feature - b.feature);
  return reasons.slice(0, Math.max(0, k));
}

/** Mean |contribution| per feature over all rows (global importance on the margin scale). */
export function meanAbsoluteContributions(contributions: FeatureContributions): Float64Array {
  const { values, featureCount, rows } = contributions;
  const sums = new Float64Array(featureCount);
  for (let r = 0, offset = 0; r < rows; r++, offset += featureCount) {
    for (let f = 0; f < featureCount; f++) sums[f] += Math.abs(values[offset + f]);
  }
  if (rows > 0) for (let f = 0; f < featureCount; f++) sums[f] /= rows;
  return sums;
}
