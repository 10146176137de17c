import { ModelingError } from './errors.js';

/**
 * A dense feature matrix, row-major: the value of feature `f` for row `r` is `values[r * cols + f]`.
 * Columns follow the feature spec's order (the same order the ONNX model's `features` input expects).
 * `NaN` marks a missing value; tree models learn where missing values go, logistic regression refuses them.
 */
export interface FeatureMatrix {
  rows: number;
  cols: number;
  values: Float32Array;
}

/** Checks the matrix's shape; returns it for chaining. `what` names the argument in messages. */
export function checkFeatureMatrix(matrix: FeatureMatrix, what = 'features'): FeatureMatrix {
  const { rows, cols, values } = matrix;
  if (!Number.isInteger(rows) || rows < 0) {
    throw new ModelingError('INVALID_INPUT', `${what}.rows must be a non-negative integer, got ${rows}`);
  }
  if (!Number.isInteger(cols) || cols < 1) {
    throw new ModelingError('INVALID_INPUT', `${what}.cols must be a positive integer, got ${cols}`);
  }
  if (!(values instanceof Float32Array)) {
    throw new ModelingError('INVALID_INPUT', `${what}.values must be a Float32Array`);
  }
  if (values.length !== rows * cols) {
    throw new ModelingError(
      'INVALID_INPUT',
      `${what}.values has ${values.length} entries, expected rows × cols = ${rows} × ${cols} = ${rows * cols}`,
    );
  }
  return matrix;
}

/** Checks a matrix about to be scored by a model of `featureCount` inputs (`INPUT_MISMATCH` on a width mismatch). */
export function checkModelInput(matrix: FeatureMatrix, featureCount: number): FeatureMatrix {
  checkFeatureMatrix(matrix);
  if (matrix.cols !== featureCount) {
    throw new ModelingError(
      'INPUT_MISMATCH',
      `the model expects ${featureCount} features per row, the matrix has ${matrix.cols}`,
    );
  }
  return matrix;
}

/** Checks that labels are 0/1, one per row, and that both classes occur. */
export function checkBinaryLabels(labels: Uint8Array, rows: number, what = 'labels'): { positives: number } {
  if (!(labels instanceof Uint8Array)) throw new ModelingError('INVALID_INPUT', `${what} must be a Uint8Array`);
  if (labels.length !== rows) {
    throw new ModelingError('INVALID_INPUT', `${what} has ${labels.length} entries, expected one per row (${rows})`);
  }
  let positives = 0;
  for (let i = 0; i < labels.length; i++) {
    const label = labels[i];
    if (label > 1) throw new ModelingError('INVALID_INPUT', `${what}[${i}] is ${label}, expected 0 or 1`);
    positives += label;
  }
  if (positives === 0 || positives === rows) {
    throw new ModelingError(
      'SINGLE_CLASS',
      `${what} contain only ${positives === 0 ? 'negatives' : 'positives'} (${rows} rows): a classifier needs both classes`,
    );
  }
  return { positives };
}
