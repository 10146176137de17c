import { ModelingError } from './errors.js';
import { checkBinaryLabels, checkFeatureMatrix, checkModelInput, type FeatureMatrix } from './feature-matrix.js';

/**
 * L2-regularised logistic regression on standardised features:
 * margin = intercept + Σ weights[f] · (x[f] − mean[f]) / scale[f].
 * The export folds the standardisation into the weights, so the ONNX model takes raw features.
 */
export interface LogisticRegressionModel {
  kind: 'logistic_regression';
  featureCount: number;
  /** Weights on the standardised scale. */
  weights: Float64Array;
  intercept: number;
  mean: Float64Array;
  /** Standard deviation per feature (1 for a constant feature). */
  scale: Float64Array;
}

export interface LogisticRegressionParams {
  /** L2 penalty ½·l2·‖w‖² on the standardised weights (not the intercept); 1/C in scikit-learn terms. @defaultValue 1 */
  l2?: number;
  /** Weight of positive rows. @defaultValue 1 */
  scalePosWeight?: number;
  /** Newton iterations at most. @defaultValue 50 */
  maxIterations?: number;
  /** Stop when no coefficient moves by more than this. @defaultValue 1e-10 */
  tolerance?: number;
}

export interface LogisticRegressionResult {
  model: LogisticRegressionModel;
  iterations: number;
  converged: boolean;
}

/** The weights and intercept that apply to raw features (standardisation folded in), as the ONNX graph uses. */
export function foldedCoefficients(model: LogisticRegressionModel): { weights: Float32Array; intercept: number } {
  const weights = new Float32Array(model.featureCount);
  let intercept = model.intercept;
  for (let f = 0; f < model.featureCount; f++) {
    weights[f] = model.weights[f] / model.scale[f];
    intercept -= (model.weights[f] * model.mean[f]) / model.scale[f];
  }
  return { weights, intercept: Math.fround(intercept) };
}

/** Margins computed with the folded float32 coefficients (the exported graph's arithmetic, up to rounding order). */
export function predictLogisticMargin(model: LogisticRegressionModel, matrix: FeatureMatrix): Float32Array {
  checkModelInput(matrix, model.featureCount);
  const { weights, intercept } = foldedCoefficients(model);
  const { rows, cols, values } = matrix;
  const out = new Float32Array(rows);
  for (let r = 0, o = 0; r < rows; r++, o += cols) {
    let z = 0;
    for (let f = 0; f < cols; f++) z += weights[f] * values[o + f];
    out[r] = Math.fround(z) + intercept;
  }
  return out;
}

/** Trains by Newton's method with a backtracking line search (F is small, so the (F+1)² Hessian is cheap). */
// eslint-disable-next-line max-lines-per-function -- Newton's method with its line search and convergence checks in one loop over shared buffers
export function trainLogisticRegression(
  features: FeatureMatrix,
  labels: Uint8Array,
  params: LogisticRegressionParams = {},
): LogisticRegressionResult {
  checkFeatureMatrix(features);
  checkBinaryLabels(labels, features.rows);
  const l2 = params.l2 ?? 1;
  const scalePosWeight = params.scalePosWeight ?? 1;
  const maxIterations = params.maxIterations ?? 50;
  const tolerance = params.tolerance ?? 1e-10;
  if (!(l2 >= 0 && Number.isFinite(l2))) throw new ModelingError('INVALID_PARAMETER', `l2 must be ≥ 0, got ${l2}`);
  if (!(scalePosWeight > 0 && Number.isFinite(scalePosWeight))) {
    throw new ModelingError('INVALID_PARAMETER', `scalePosWeight must be > 0, got ${scalePosWeight}`);
  }
  if (!(Number.isInteger(maxIterations) && maxIterations >= 1)) {
    throw new ModelingError('INVALID_PARAMETER', `maxIterations must be a positive integer, got ${maxIterations}`);
  }
  const { rows, cols, values } = features;
  for (let i = 0; i < values.length; i++) {
    if (!Number.isFinite(values[i])) {
      throw new ModelingError(
        'INVALID_INPUT',
        `features row ${Math.floor(i / cols)} column ${i % cols} is ${values[i]}: logistic regression needs finite values (impute missing ones first)`,
      );
    }
  }
  const { mean, scale } = standardisation(features);
  // Standardised design with a leading 1 for the intercept, row-major.
  const d = cols + 1;
  const x = new Float64Array(rows * d);
  for (let r = 0; r < rows; r++) {
    x[r * d] = 1;
    for (let f = 0; f < cols; f++) x[r * d + 1 + f] = (values[r * cols + f] - mean[f]) / scale[f];
  }
  const weightOf = (r: number) => (labels[r] === 1 ? scalePosWeight : 1);
  const objective = (beta: Float64Array) => {
    let loss = 0;
    for (let r = 0; r < rows; r++) {
      let z = 0;
      for (let j = 0; j < d; j++) z += x[r * d + j] * beta[j];
      const s = labels[r] === 1 ? -z : z;
      loss += weightOf(r) * (s > 0 ? s + Math.log1p(Math.exp(-s)) : Math.log1p(Math.exp(s)));
    }
    let penalty = 0;
    for (let j = 1; j < d; j++) penalty += beta[j] * beta[j];
    return loss + 0.5 * l2 * penalty;
  };

  let beta = new Float64Array(d);
  let current = objective(beta);
  let iterations = 0;
  let converged = false;
  const gradient = new Float64Array(d);
  const hessian = new Float64Array(d * d);
  while (iterations < maxIterations) {
    iterations++;
    gradient.fill(0);
    hessian.fill(0);
    for (let r = 0; r < rows; r++) {
      const o = r * d;
      let z = 0;
      for (let j = 0; j < d; j++) z += x[o + j] * beta[j];
      const p = 1 / (1 + Math.exp(-z));
      const w = weightOf(r);
      const g = (p - labels[r]) * w;
      const h = Math.max(p * (1 - p), 1e-16) * w;
      for (let j = 0; j < d; j++) {
        gradient[j] += g * x[o + j];
        const hx = h * x[o + j];
        for (let k = 0; k <= j; k++) hessian[j * d + k] += hx * x[o + k];
      }
    }
    for (let j = 1; j < d; j++) {
      gradient[j] += l2 * beta[j];
      hessian[j * d + j] += l2;
    }
    for (let j = 0; j < d; j++) for (let k = 0; k < j; k++) hessian[k * d + j] = hessian[j * d + k];
    const step = solveSymmetric(hessian, gradient, d);
    // Backtracking: halve the Newton step until the objective does not increase.
    let t = 1;
    let candidate = new Float64Array(d);
    let value = Infinity;
    for (let tries = 0; tries < 30; tries++, t /= 2) {
      for (let j = 0; j < d; j++) candidate[j] = beta[j] - t * step[j];
      value = objective(candidate);
      if (value <= current) break;
    }
    let moved = 0;
    for (let j = 0; j < d; j++) moved = Math.max(moved, Math.abs(candidate[j] - beta[j]));
    if (value > current) {
      converged = true; // no descent direction left at float precision
      break;
    }
    [beta, candidate] = [candidate, beta];
    current = value;
    if (moved <= tolerance) {
      converged = true;
      break;
    }
  }
  return {
    model: {
      kind: 'logistic_regression',
      featureCount: cols,
      weights: beta.slice(1),
      intercept: beta[0],
      mean,
      scale,
    },
    iterations,
    converged,
  };
}

function standardisation(features: FeatureMatrix): { mean: Float64Array; scale: Float64Array } {
  const { rows, cols, values } = features;
  const mean = new Float64Array(cols);
  const scale = new Float64Array(cols);
  for (let r = 0; r < rows; r++) for (let f = 0; f < cols; f++) mean[f] += values[r * cols + f];
  for (let f = 0; f < cols; f++) mean[f] /= rows;
  for (let r = 0; r < rows; r++) {
    for (let f = 0; f < cols; f++) {
      const dev = values[r * cols + f] - mean[f];
      scale[f] += dev * dev;
    }
  }
  for (let f = 0; f < cols; f++) {
    const sd = Math.sqrt(scale[f] / rows);
    scale[f] = sd > 0 ? sd : 1;
  }
  return { mean, scale };
}

/** Solves A·x = b for a symmetric positive definite A (Cholesky), with a tiny ridge if A is singular. */
function solveSymmetric(a: Float64Array, b: Float64Array, n: number): Float64Array {
  for (let ridge = 0; ; ridge = ridge === 0 ? 1e-10 : ridge * 100) {
    const l = new Float64Array(n * n);
    let ok = true;
    for (let j = 0; j < n && ok; j++) {
      let s = a[j * n + j] + ridge;
      for (let k = 0; k < j; k++) s -= l[j * n + k] * l[j * n + k];
      if (!(s > 0)) {
        ok = false;
        break;
      }
      l[j * n + j] = Math.sqrt(s);
      for (let i = j + 1; i < n; i++) {
        let t = a[i * n + j];
        for (let k = 0; k < j; k++) t -= l[i * n + k] * l[j * n + k];
        l[i * n + j] = t / l[j * n + j];
      }
    }
    if (!ok) {
      if (ridge > 1)
        throw new ModelingError('INVALID_INPUT', 'the Hessian is not positive definite: check for degenerate features');
      continue;
    }
    const y = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      let s = b[i];
      for (let k = 0; k < i; k++) s -= l[i * n + k] * y[k];
      y[i] = s / l[i * n + i];
    }
    const x = new Float64Array(n);
    for (let i = n - 1; i >= 0; i--) {
      let s = y[i];
      for (let k = i + 1; k < n; k++) s -= l[k * n + i] * x[k];
      x[i] = s / l[i * n + i];
    }
    return x;
  }
}
