import { denseIds } from './dense-ids.js';
import { EvaluationError, EvaluationErrorCode } from './errors.js';
import { requireInRange, requirePositiveInteger } from './inputs.js';
import { quantileOfSorted } from './quantiles.js';
import type { SeededRandom } from '@fraudops/core';

export interface BootstrapOptions {
  /** Number of resamples. @defaultValue 1000 */
  resamples?: number;
  /** Seed of the generator: the same seed gives the same intervals. @defaultValue 42 */
  seed?: number;
  /** Coverage of the percentile interval. @defaultValue 0.95 */
  level?: number;
}

export const DEFAULT_BOOTSTRAP: Required<BootstrapOptions> = { resamples: 1000, seed: 42, level: 0.95 };

export function resolveBootstrap(options: BootstrapOptions = {}): Required<BootstrapOptions> {
  const resolved = { ...DEFAULT_BOOTSTRAP, ...options };
  requirePositiveInteger(resolved.resamples, 'bootstrap.resamples');
  requireInRange(resolved.level, 'bootstrap.level', 0, 1, false);
  if (!Number.isInteger(resolved.seed)) {
    throw new EvaluationError(
      EvaluationErrorCode.invalidArgument,
      `bootstrap.seed must be an integer, got ${resolved.seed}`,
    );
  }
  return resolved;
}

/** A percentile bootstrap interval, in the shape model cards store. */
export interface ConfidenceInterval {
  lower: number;
  upper: number;
  level: number;
  /** `bootstrap-rows`, `bootstrap-cards` or `bootstrap-days`: what was resampled. */
  method: ResamplingMethod;
  /** Resamples in which the metric was defined (a resample without frauds has no AUC). */
  resamples: number;
}

export type ResamplingMethod = 'bootstrap-rows' | 'bootstrap-cards' | 'bootstrap-days';

/**
 * What one resample draws with replacement. Rows of the same card are not independent (a compromised
 * card produces several frauds), so when card ids are known whole cards are drawn; daily metrics such
 * as card precision@k are averages over days, so days are drawn.
 */
export interface ResamplingUnits {
  method: ResamplingMethod;
  /** Number of units drawn per resample. */
  count: number;
  /** Unit index of each row, or null when the units are the rows themselves. */
  unitOfRow: Uint32Array | null;
}

export function rowUnits(rows: number): ResamplingUnits {
  return { method: 'bootstrap-rows', count: rows, unitOfRow: null };
}

/** Units from ids (card ids, days): equal ids form one unit. */
export function unitsFromIds(ids: ArrayLike<number>, method: ResamplingMethod): ResamplingUnits {
  const dense = denseIds(ids);
  return { method, count: dense.ids.length, unitOfRow: dense.indexOfRow };
}

/**
 * One resample: `unitWeights[u]` becomes how often unit u was drawn (count draws with replacement) and,
 * when `rowWeights` is given, each row gets its unit's weight.
 */
export function drawResample(
  units: ResamplingUnits,
  random: SeededRandom,
  unitWeights: Float64Array,
  rowWeights?: Float64Array,
): void {
  unitWeights.fill(0);
  for (let draw = 0; draw < units.count; draw++) unitWeights[Math.floor(random.nextDouble() * units.count)]++;
  if (!rowWeights) return;
  if (units.unitOfRow === null) rowWeights.set(unitWeights);
  else for (let row = 0; row < rowWeights.length; row++) rowWeights[row] = unitWeights[units.unitOfRow[row]];
}

/** The percentile interval of bootstrap replicates (numpy-linear quantiles of the sorted values). */
export function percentileInterval(
  replicates: number[],
  level: number,
  method: ResamplingMethod,
): ConfidenceInterval | undefined {
  if (replicates.length === 0) return undefined;
  const sorted = Float64Array.from(replicates).sort();
  const tail = (1 - level) / 2;
  return {
    lower: quantileOfSorted(sorted, tail),
    upper: quantileOfSorted(sorted, 1 - tail),
    level,
    method,
    resamples: replicates.length,
  };
}
