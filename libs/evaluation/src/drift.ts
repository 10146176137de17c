import { EvaluationError, EvaluationErrorCode } from './errors.js';
import { checkFinite, checkNotEmpty, requireInRange, requirePositiveInteger } from './inputs.js';
import { countEdgesBelow, quantileEdges, quantileOfSorted, sortedCopy } from './quantiles.js';
import { CompensatedSum } from './summation.js';

/** Conventional PSI levels: < 0.1 stable, 0.1–0.25 moderate, > 0.25 major (sample-size dependent). */
export type DriftLevel = 'stable' | 'moderate' | 'major';

export const PSI_MODERATE = 0.1;
export const PSI_MAJOR = 0.25;

export function driftLevel(psi: number): DriftLevel {
  if (psi < PSI_MODERATE) return 'stable';
  return psi > PSI_MAJOR ? 'major' : 'moderate';
}

/** Additive (Laplace) smoothing of bin counts, so an empty bin gives a finite PSI. */
export const DEFAULT_SMOOTHING = 0.5;
/** Quantiles kept per variable for an approximate KS statistic against a profile. */
const PROFILE_QUANTILES = 100;

/**
 * One variable's baseline: decile cut points and the share of baseline rows in each bin, plus summary
 * statistics and a quantile sketch. Plain JSON, stored in the model card (`driftBaseline`).
 */
export interface VariableProfile {
  /**
   * Interior cut points (ascending, distinct) at the baseline's deciles, merged so no bin is empty;
   * bin i holds values in (edges[i-1], edges[i]].
   */
  edges: number[];
  /** Share of baseline rows per bin (edges.length + 1 bins), unsmoothed; sums to 1. */
  proportions: number[];
  rows: number;
  mean: number;
  std: number;
  min: number;
  max: number;
  /** The 0th, 1st, …, 100th percentiles, for {@link ksAgainstProfile}. */
  quantiles: number[];
}

export interface BaselineProfile {
  /** Format version of this object. */
  version: 1;
  rows: number;
  /** Bins per variable the profile was built with (deciles: 10). */
  bins: number;
  score: VariableProfile;
  features: Record<string, VariableProfile>;
}

/** Profiles one variable: cut points at the baseline's quantiles (deciles by default). */
export function profileVariable(values: ArrayLike<number>, bins = 10, name = 'values'): VariableProfile {
  requirePositiveInteger(bins, 'bins');
  checkNotEmpty(values.length, name);
  checkFinite(values, name);
  const sorted = sortedCopy(values);
  const all = quantileEdges(sorted, bins);
  const distinct = Array.from(new Set(Array.from(all.subarray(1, bins)))).sort((a, b) => a - b);
  const edges = withoutEmptyBins(distinct, binCounts(distinct, values));
  const counts = binCounts(edges, values);
  const sum = new CompensatedSum();
  for (let i = 0; i < values.length; i++) sum.add(values[i]);
  const mean = sum.value / values.length;
  const squares = new CompensatedSum();
  for (let i = 0; i < values.length; i++) squares.add((values[i] - mean) ** 2);
  const quantiles: number[] = [];
  for (let q = 0; q <= PROFILE_QUANTILES; q++) quantiles.push(quantileOfSorted(sorted, q / PROFILE_QUANTILES));
  return {
    edges,
    proportions: Array.from(counts, (count) => count / values.length),
    rows: values.length,
    mean,
    std: Math.sqrt(squares.value / values.length),
    min: sorted[0],
    max: sorted[sorted.length - 1],
    quantiles,
  };
}

/**
 * Interpolated quantiles of a discrete variable (a 0/1 flag, a count) fall between observed values and
 * leave bins no baseline row can reach; dropping their upper edge merges each empty bin into the next
 * (the last one into the previous), so a binary flag gets exactly two bins.
 */
function withoutEmptyBins(edges: number[], counts: Float64Array): number[] {
  const kept: number[] = [];
  let pending = 0;
  edges.forEach((edge, bin) => {
    pending += counts[bin];
    if (pending > 0) {
      kept.push(edge);
      pending = 0;
    }
  });
  if (pending + counts[edges.length] === 0) kept.pop();
  return kept;
}

/** The drift baseline of a model: its scores and each feature on the reference (training or test) window. */
export function baselineProfile(
  input: { score: ArrayLike<number>; features?: Record<string, ArrayLike<number>> },
  bins = 10,
): BaselineProfile {
  const features: Record<string, VariableProfile> = {};
  for (const [name, values] of Object.entries(input.features ?? {})) {
    if (values.length !== input.score.length) {
      throw new EvaluationError(
        EvaluationErrorCode.lengthMismatch,
        `feature ${name} has ${values.length} values but score has ${input.score.length}`,
      );
    }
    features[name] = profileVariable(values, bins, `features.${name}`);
  }
  return { version: 1, rows: input.score.length, bins, score: profileVariable(input.score, bins, 'score'), features };
}

/** Rows per bin; bin i holds values in (edges[i-1], edges[i]] (numpy `searchsorted`, side left). */
export function binCounts(edges: ArrayLike<number>, values: ArrayLike<number>): Float64Array {
  const counts = new Float64Array(edges.length + 1);
  for (let i = 0; i < values.length; i++) counts[countEdgesBelow(edges, values[i])]++;
  return counts;
}

/** The bin a value falls in (for live counting, e.g. in the scoring API). */
export function binIndex(edges: ArrayLike<number>, value: number): number {
  return countEdgesBelow(edges, value);
}

/** Smoothed shares: (count + α) / (total + α·bins). */
export function smoothedProportions(counts: ArrayLike<number>, smoothing = DEFAULT_SMOOTHING): Float64Array {
  requireInRange(smoothing, 'smoothing', 0, Number.MAX_VALUE);
  let total = 0;
  for (let i = 0; i < counts.length; i++) total += counts[i];
  const denominator = total + smoothing * counts.length;
  if (denominator === 0)
    throw new EvaluationError(EvaluationErrorCode.emptyInput, 'PSI needs at least one row in each distribution');
  return Float64Array.from(counts, (count) => (count + smoothing) / denominator);
}

/** PSI = Σ (aᵢ − eᵢ)·ln(aᵢ/eᵢ) over bins, from smoothed shares. */
export function psiOfProportions(expected: ArrayLike<number>, actual: ArrayLike<number>): number {
  if (expected.length !== actual.length) {
    throw new EvaluationError(
      EvaluationErrorCode.lengthMismatch,
      `PSI: ${expected.length} expected bins but ${actual.length} actual bins`,
    );
  }
  const sum = new CompensatedSum();
  for (let i = 0; i < expected.length; i++) {
    if (!(expected[i] > 0 && actual[i] > 0)) {
      throw new EvaluationError(
        EvaluationErrorCode.invalidArgument,
        `PSI: bin ${i} has a zero share; smooth the counts first`,
      );
    }
    sum.add((actual[i] - expected[i]) * Math.log(actual[i] / expected[i]));
  }
  return sum.value;
}

export interface PsiResult {
  psi: number;
  level: DriftLevel;
  /** Interior cut points of the bins (the baseline's deciles). */
  edges: number[];
  /** Smoothed baseline and live shares per bin. */
  expected: number[];
  actual: number[];
}

/** PSI of live counts per bin against a profile (the scoring API keeps the counts as scores arrive). */
export function psiFromCounts(
  profile: VariableProfile,
  liveCounts: ArrayLike<number>,
  smoothing = DEFAULT_SMOOTHING,
): PsiResult {
  if (liveCounts.length !== profile.proportions.length) {
    throw new EvaluationError(
      EvaluationErrorCode.invalidProfile,
      `live counts have ${liveCounts.length} bins but the profile has ${profile.proportions.length}`,
    );
  }
  const baselineCounts = profile.proportions.map((share) => share * profile.rows);
  const expected = smoothedProportions(baselineCounts, smoothing);
  const actual = smoothedProportions(liveCounts, smoothing);
  const psi = psiOfProportions(expected, actual);
  return {
    psi,
    level: driftLevel(psi),
    edges: profile.edges,
    expected: Array.from(expected),
    actual: Array.from(actual),
  };
}

/** PSI of live values against a stored profile. */
export function psiAgainstProfile(
  profile: VariableProfile,
  live: ArrayLike<number>,
  smoothing = DEFAULT_SMOOTHING,
): PsiResult {
  checkNotEmpty(live.length, 'live values');
  checkFinite(live, 'live values');
  return psiFromCounts(profile, binCounts(profile.edges, live), smoothing);
}

/** PSI of live values against baseline values, over the baseline's quantile bins (deciles by default). */
export function populationStabilityIndex(
  baseline: ArrayLike<number>,
  live: ArrayLike<number>,
  options: { bins?: number; smoothing?: number } = {},
): PsiResult {
  return psiAgainstProfile(profileVariable(baseline, options.bins ?? 10, 'baseline'), live, options.smoothing);
}

/**
 * The two-sample Kolmogorov–Smirnov statistic sup |F₁ − F₂| (scipy's `ks_2samp(...).statistic`), exact,
 * by a merge of the sorted samples.
 */
export function ksStatistic(first: ArrayLike<number>, second: ArrayLike<number>): number {
  checkNotEmpty(first.length, 'first sample');
  checkNotEmpty(second.length, 'second sample');
  checkFinite(first, 'first sample');
  checkFinite(second, 'second sample');
  const a = sortedCopy(first);
  const b = sortedCopy(second);
  let i = 0;
  let j = 0;
  let largest = 0;
  while (i < a.length && j < b.length) {
    const x = Math.min(a[i], b[j]);
    while (i < a.length && a[i] <= x) i++;
    while (j < b.length && b[j] <= x) j++;
    largest = Math.max(largest, Math.abs(i / a.length - j / b.length));
  }
  return largest;
}

/**
 * KS statistic of live values against a profile's percentile sketch (the baseline CDF interpolated
 * linearly between its percentiles): approximate, to about 1/100.
 */
export function ksAgainstProfile(profile: VariableProfile, live: ArrayLike<number>): number {
  checkNotEmpty(live.length, 'live values');
  checkFinite(live, 'live values');
  const sorted = sortedCopy(live);
  const q = profile.quantiles;
  const step = 1 / (q.length - 1);
  const baselineCdf = (x: number): number => {
    if (x < q[0]) return 0;
    const t = countAtMost(q, x) - 1; // the last percentile at or below x
    if (t >= q.length - 1) return 1;
    return (t + (x - q[t]) / (q[t + 1] - q[t])) * step;
  };
  let largest = 0;
  let i = 0;
  while (i < sorted.length) {
    const x = sorted[i];
    const before = i / sorted.length;
    while (i < sorted.length && sorted[i] === x) i++;
    const cdf = baselineCdf(x);
    largest = Math.max(largest, Math.abs(i / sorted.length - cdf), Math.abs(before - cdf));
  }
  return largest;
}

/** Number of ascending `values` that are <= x (numpy `searchsorted`, side right). */
function countAtMost(values: ArrayLike<number>, x: number): number {
  let low = 0;
  let high = values.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (values[middle] <= x) low = middle + 1;
    else high = middle;
  }
  return low;
}

export interface VariableDrift {
  psi: number;
  level: DriftLevel;
  /** Approximate KS statistic against the profile's percentile sketch. */
  ks: number;
  liveRows: number;
}

export interface DriftReport {
  score: VariableDrift;
  features: Record<string, VariableDrift>;
  /** The worst level over the score and the features. */
  level: DriftLevel;
}

/** Drift of a live window against a baseline profile: PSI, level and KS of the score and every feature. */
export function compareToBaseline(
  profile: BaselineProfile,
  live: { score: ArrayLike<number>; features?: Record<string, ArrayLike<number>> },
  smoothing = DEFAULT_SMOOTHING,
): DriftReport {
  const measure = (variable: VariableProfile, values: ArrayLike<number>): VariableDrift => {
    const { psi, level } = psiAgainstProfile(variable, values, smoothing);
    return { psi, level, ks: ksAgainstProfile(variable, values), liveRows: values.length };
  };
  const features: Record<string, VariableDrift> = {};
  for (const [name, values] of Object.entries(live.features ?? {})) {
    const variable = profile.features[name];
    if (!variable)
      throw new EvaluationError(
        EvaluationErrorCode.invalidProfile,
        `the baseline profile has no feature named ${name}`,
      );
    features[name] = measure(variable, values);
  }
  const score = measure(profile.score, live.score);
  const levels: DriftLevel[] = [score.level, ...Object.values(features).map((f) => f.level)];
  const level = levels.includes('major') ? 'major' : levels.includes('moderate') ? 'moderate' : 'stable';
  return { score, features, level };
}
