import { ModelingError } from './errors.js';
import type { FeatureContributions } from './feature-contributions.js';
import { checkModelInput, type FeatureMatrix } from './feature-matrix.js';
import type { LogisticRegressionModel } from './logistic-regression.js';

/**
 * Contributions of a logistic regression: `weights[f] · (x[f] − mean[f]) / scale[f]` per feature (the
 * coefficient times the standardised deviation from the training mean), with the intercept as bias. For a
 * linear model with independent features these are its exact Shapley values; they sum with the bias to
 * the margin. Missing values have no linear term, so they are refused like at training.
 */
export function logisticContributions(model: LogisticRegressionModel, matrix: FeatureMatrix): FeatureContributions {
  checkModelInput(matrix, model.featureCount);
  const { rows, cols, values } = matrix;
  const { weights, mean, scale } = model;
  const out = new Float64Array(rows * cols);
  for (let r = 0, o = 0; r < rows; r++, o += cols) {
    for (let f = 0; f < cols; f++) {
      const x = values[o + f];
      if (x !== x)
        throw new ModelingError(
          'INVALID_INPUT',
          `row ${r} column ${f} is NaN; logistic regression needs every feature`,
        );
      out[o + f] = (weights[f] * (x - mean[f])) / scale[f];
    }
  }
  return { rows, featureCount: cols, values: out, bias: model.intercept };
}
