import { ModelingError } from './errors.js';
import type { FeatureMatrix } from './feature-matrix.js';
import { SeededRandom } from '@fraudops/core';

/**
 * Quantile bins of every feature. Value bin `b` of feature `f` holds the values `x` with
 * `upperBounds[f][b-1] < x <= upperBounds[f][b]` (the last bound is +Infinity); missing values (NaN) get
 * the extra bin `missingBin(f) = upperBounds[f].length`. Bounds are float32 values, so a split "bin ≤ b"
 * is exactly the ONNX test `x <= upperBounds[f][b]` on the float32 input.
 */
export interface FeatureBins {
  upperBounds: Float32Array[];
}

/**
 * A feature matrix replaced by bin codes, column-major (`codes[f * rows + r]`): one byte per value, and a
 * column's codes are contiguous for partitioning rows on a split.
 */
export interface BinnedMatrix {
  rows: number;
  cols: number;
  codes: Uint8Array;
  bins: FeatureBins;
}

export interface BinningOptions {
  /**
   * Value bins per feature, at most 255 (one more code is the missing bin).
   * @defaultValue 255
   */
  maxBins?: number;
  /**
   * Rows sampled (seeded) to find the quantiles; all rows when the matrix is smaller.
   * @defaultValue 200000
   */
  sampleRows?: number;
  /** @defaultValue 0 */
  seed?: number;
}

/** Learns quantile bin bounds per feature from (a seeded sample of) the matrix. */
export function fitFeatureBins(matrix: FeatureMatrix, options: BinningOptions = {}): FeatureBins {
  const maxBins = options.maxBins ?? 255;
  const sampleRows = options.sampleRows ?? 200_000;
  if (!Number.isInteger(maxBins) || maxBins < 2 || maxBins > 255) {
    throw new ModelingError('INVALID_PARAMETER', `maxBins must be an integer in [2, 255], got ${maxBins}`);
  }
  if (!Number.isInteger(sampleRows) || sampleRows < 1) {
    throw new ModelingError('INVALID_PARAMETER', `sampleRows must be a positive integer, got ${sampleRows}`);
  }
  const { rows, cols, values } = matrix;
  const sample =
    rows > sampleRows ? new SeededRandom(options.seed ?? 0).sampleIndices(rows, sampleRows) : null;
  const n = sample ? sample.length : rows;
  // One pass over the sampled rows fills every column (row-major reads), then each column is sorted.
  const columns = Array.from({ length: cols }, () => new Float32Array(n));
  const present = new Int32Array(cols);
  for (let i = 0; i < n; i++) {
    const offset = (sample ? sample[i] : i) * cols;
    for (let f = 0; f < cols; f++) {
      const x = values[offset + f];
      if (x === x) columns[f][present[f]++] = x;
    }
  }
  const upperBounds = columns.map((column, f) => quantileBounds(column.subarray(0, present[f]).sort(), maxBins));
  return { upperBounds };
}

/**
 * Bounds for sorted values: one bin per distinct value when they are few, else bins of roughly equal
 * counts in which a heavy value keeps a bin of its own.
 */
function quantileBounds(sorted: Float32Array, maxBins: number): Float32Array {
  const distinct = new Float64Array(sorted.length);
  const counts = new Int32Array(sorted.length);
  let n = 0;
  for (let i = 0; i < sorted.length; i++) {
    if (n > 0 && sorted[i] === distinct[n - 1]) counts[n - 1]++;
    else {
      distinct[n] = sorted[i];
      counts[n++] = 1;
    }
  }
  const bounds: number[] = [];
  if (n <= maxBins) {
    for (let i = 0; i + 1 < n; i++) bounds.push(boundBetween(distinct[i], distinct[i + 1]));
  } else {
    let remaining = sorted.length;
    let binsLeft = maxBins;
    let inBin = 0;
    for (let i = 0; i + 1 < n && binsLeft > 1; i++) {
      inBin += counts[i];
      const target = remaining / binsLeft;
      // Close the bin once it is full, or early when the next value alone would overfill it by more.
      if (inBin >= target || inBin + counts[i + 1] - target > target - inBin) {
        bounds.push(boundBetween(distinct[i], distinct[i + 1]));
        remaining -= inBin;
        binsLeft--;
        inBin = 0;
      }
    }
  }
  bounds.push(Infinity);
  return Float32Array.from(bounds);
}

/** A float32 bound t with lo <= t < hi (the midpoint when float32 can hold one strictly below hi). */
function boundBetween(lo: number, hi: number): number {
  const mid = Math.fround(lo + (hi - lo) / 2);
  return mid >= lo && mid < hi ? mid : lo;
}

/** The missing-value bin of a feature. */
export function missingBin(bins: FeatureBins, feature: number): number {
  return bins.upperBounds[feature].length;
}

/** Replaces every value by its bin code. */
export function binFeatureMatrix(matrix: FeatureMatrix, bins: FeatureBins, codes?: Uint8Array): BinnedMatrix {
  const { rows, cols, values } = matrix;
  if (bins.upperBounds.length !== cols) {
    throw new ModelingError('INVALID_INPUT', `bins cover ${bins.upperBounds.length} features, the matrix has ${cols}`);
  }
  const out = codes ?? new Uint8Array(rows * cols);
  for (let f = 0; f < cols; f++) {
    const bounds = bins.upperBounds[f];
    const missing = bounds.length;
    const last = bounds.length - 1;
    const column = out.subarray(f * rows, (f + 1) * rows);
    for (let r = 0, i = f; r < rows; r++, i += cols) {
      const x = values[i];
      if (x !== x) {
        column[r] = missing;
        continue;
      }
      // First bin whose upper bound is >= x (the last bound is +Infinity, so one always is).
      let lo = 0;
      let hi = last;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (x <= bounds[mid]) hi = mid;
        else lo = mid + 1;
      }
      column[r] = lo;
    }
  }
  return { rows, cols, codes: out, bins };
}
