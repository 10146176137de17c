import { FeaturesError } from './errors.js';
import type { FeatureSpec } from './feature-spec.js';
import type { FeatureTable } from './offline.js';
import { planFeatures, type FeaturePlan } from './plan.js';

/** Relative tolerance for non-count aggregates (means, sums, ratios) between two feature paths. */
export const PARITY_RELATIVE_TOLERANCE = 1e-9;

export interface ParityReport {
  rows: number;
  /** Values compared (rows × features). */
  values: number;
  mismatches: number;
  /** Largest relative difference seen on a toleranced feature (0 when every value is identical). */
  maxRelativeError: number;
  /** Values that differ at all (within tolerance or not). */
  inexact: number;
  /** The first mismatch, named: feature, row, both values. */
  firstMismatch?: string;
}

/**
 * Compares two row-major feature matrices of the same rows (rows × features, spec order): raw, calendar and
 * count features must be equal; sums, means, maxima and ratios within `PARITY_RELATIVE_TOLERANCE` relative
 * (z-scores: relative to max(|value|, 1), see below).
 * `ids` (optional) names rows in the report.
 */
export function compareFeatureRows(
  spec: FeatureSpec | FeaturePlan,
  left: Float64Array,
  right: Float64Array,
  ids?: ArrayLike<number>,
): ParityReport {
  const plan = 'ranges' in spec ? spec : planFeatures(spec);
  const width = plan.names.length;
  if (left.length !== right.length || left.length % width !== 0) {
    throw new FeaturesError('SQL_FAILED', `cannot compare ${left.length} values with ${right.length} (width ${width})`);
  }
  const rows = left.length / width;
  const exact = plan.features.map((f) => f.kind !== 'window' || f.aggregate === 'count');
  // A z-score is a difference, (amount − mean) / spread: its rounding is relative to the mean, not to the
  // difference, so near 0 (an amount at the card's mean) two summation orders give ±1e-15-sized values of
  // either sign. Its error is taken relative to max(|a|, |b|, 1): 1e-9 absolute below one spread.
  const floor = plan.features.map((f) => (f.kind === 'window' && f.aggregate === 'amount_zscore' ? 1 : 0));
  let mismatches = 0;
  let inexact = 0;
  let maxRelativeError = 0;
  let firstMismatch: string | undefined;
  for (let r = 0; r < rows; r++) {
    for (let f = 0; f < width; f++) {
      const a = left[r * width + f];
      const b = right[r * width + f];
      if (a === b) continue;
      inexact++;
      const error = Math.abs(a - b) / Math.max(Math.abs(a), Math.abs(b), floor[f]);
      const bad = exact[f] || !(error <= PARITY_RELATIVE_TOLERANCE);
      if (!exact[f] && error > maxRelativeError) maxRelativeError = error;
      if (bad) {
        mismatches++;
        firstMismatch ??= `${plan.names[f]} of transaction ${ids ? ids[r] : `#${r}`}: ${a} vs ${b}`;
      }
    }
  }
  return { rows, values: rows * width, mismatches, maxRelativeError, inexact, firstMismatch };
}

/** A feature table's exact values as one row-major matrix (the table must come from `exact: true`). */
export function featureTableRows(table: FeatureTable): Float64Array {
  const columns = table.columns;
  if (!columns)
    throw new FeaturesError('SQL_FAILED', 'the feature table has no exact columns: compute it with exact: true');
  const width = columns.length;
  const rows = new Float64Array(table.rowCount * width);
  columns.forEach((column, f) => {
    for (let r = 0; r < table.rowCount; r++) rows[r * width + f] = column[r];
  });
  return rows;
}
