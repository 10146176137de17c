import { topContributions, meanAbsoluteContributions } from './feature-contributions.js';
import { explainModel } from './explain.js';
import { logisticContributions } from './logistic-contributions.js';
import { trainLogisticRegression } from './logistic-regression.js';
import { syntheticFraudData } from './testing/synthetic.js';

const { features, labels } = syntheticFraudData(4000, 3);
const finite = { ...features, values: Float32Array.from(features.values, (v) => (Number.isNaN(v) ? -1 : v)) };
const { model } = trainLogisticRegression(finite, labels);

describe('logistic regression contributions', () => {
  it('are coef × standardised deviation from the mean, and sum with the intercept to the margin', () => {
    const contributions = explainModel(model, finite);
    expect(contributions.bias).toBe(model.intercept);
    const cols = finite.cols;
    let gap = 0;
    for (let r = 0; r < finite.rows; r++) {
      let margin = model.intercept;
      let sum = contributions.bias;
      for (let f = 0; f < cols; f++) {
        const z = (finite.values[r * cols + f] - model.mean[f]) / model.scale[f];
        margin += model.weights[f] * z;
        sum += contributions.values[r * cols + f];
      }
      gap = Math.max(gap, Math.abs(sum - margin));
    }
    expect(gap).toBeLessThanOrEqual(1e-9);
    // A row at the training mean owes nothing to any feature.
    const atMean = { rows: 1, cols, values: Float32Array.from(model.mean) };
    for (const c of logisticContributions(model, atMean).values) expect(Math.abs(c)).toBeLessThan(1e-5);
  });

  it('refuses a missing value, naming the row and column', () => {
    expect(() => logisticContributions(model, features)).toThrow(
      expect.objectContaining({ code: 'INVALID_INPUT', message: expect.stringMatching(/row \d+ column 5 is NaN/) }),
    );
  });
});

describe('reasons and global importance', () => {
  const contributions = {
    rows: 2,
    featureCount: 4,
    bias: 0.5,
    values: Float64Array.of(0.1, -2, 0, 0.3, -0.1, 0.1, 0.1, 0),
  };

  it('ranks a row by |contribution|, skips zeros, keeps feature order on ties', () => {
    expect(topContributions(contributions, 0, 3)).toEqual([
      { feature: 1, contribution: -2 },
      { feature: 3, contribution: 0.3 },
      { feature: 0, contribution: 0.1 },
    ]);
    expect(topContributions(contributions, 1, 5)).toEqual([
      { feature: 0, contribution: -0.1 },
      { feature: 1, contribution: 0.1 },
      { feature: 2, contribution: 0.1 },
    ]);
  });

  it('averages |contribution| per feature', () => {
    const mean = meanAbsoluteContributions(contributions);
    expect(Array.from(mean).map((v) => Number(v.toFixed(12)))).toEqual([0.1, 1.05, 0.05, 0.15]);
  });
});
