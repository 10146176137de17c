import type { FeatureMatrix } from '../feature-matrix.js';
import { SeededRandom } from '@fraudops/core';

export const SYNTHETIC_FEATURES = 8;

/**
 * Fraud-like data from a seeded generator: a rare positive class driven by an amount-like skewed feature,
 * a binary flag, an integer count, an interaction, and a feature whose missingness is itself a signal.
 * Feature 7 is pure noise.
 */
export function syntheticFraudData(rows: number, seed: number): { features: FeatureMatrix; labels: Uint8Array } {
  const random = new SeededRandom(seed);
  const normal = () => {
    const u = 1 - random.nextFloat();
    const v = random.nextFloat();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  };
  const cols = SYNTHETIC_FEATURES;
  const values = new Float32Array(rows * cols);
  const labels = new Uint8Array(rows);
  for (let r = 0; r < rows; r++) {
    const amount = Math.exp(3 + normal());
    const night = random.nextFloat() < 0.25 ? 1 : 0;
    const count = Math.floor(random.nextFloat() * 10);
    const a = normal();
    const b = normal();
    const risk = random.nextFloat() < 0.15 ? NaN : random.nextFloat();
    const c = normal();
    const noise = normal();
    const x = [amount, night, count, a, b, risk, c, noise];
    for (let f = 0; f < cols; f++) values[r * cols + f] = x[f];
    const logit =
      -6 +
      (amount > 120 ? 3 : 0) +
      1.2 * night +
      0.15 * count +
      0.8 * a * b +
      (Number.isNaN(risk) ? 1.5 : 2 * risk) +
      0.5 * Math.sin(3 * c);
    labels[r] = random.nextFloat() < 1 / (1 + Math.exp(-logit)) ? 1 : 0;
  }
  return { features: { rows, cols, values }, labels };
}

/** Rows `[start, end)` of a matrix, copied. */
export function sliceRows(matrix: FeatureMatrix, start: number, end: number): FeatureMatrix {
  return { rows: end - start, cols: matrix.cols, values: matrix.values.slice(start * matrix.cols, end * matrix.cols) };
}
