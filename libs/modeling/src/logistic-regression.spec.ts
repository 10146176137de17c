import { foldedCoefficients, predictLogisticMargin, trainLogisticRegression } from './logistic-regression.js';
import { runPython } from './testing/python.js';
import { syntheticFraudData } from './testing/synthetic.js';

const { features, labels } = syntheticFraudData(8000, 21);
const finite = { ...features, values: Float32Array.from(features.values, (v) => (Number.isNaN(v) ? -1 : v)) };

describe('logistic regression', () => {
  it('matches scikit-learn LogisticRegression (C = 1/l2) fitted on standardised features', () => {
    const l2 = 2;
    const { model, converged } = trainLogisticRegression(finite, labels, { l2 });
    expect(converged).toBe(true);
    const reference = JSON.parse(
      runPython(
        [
          'import json, sys, numpy as np',
          'from sklearn.linear_model import LogisticRegression',
          'd = json.load(sys.stdin)',
          'x = np.array(d["x"], dtype=np.float64).reshape(-1, d["cols"]); y = np.array(d["y"])',
          'z = (x - x.mean(axis=0)) / x.std(axis=0)',
          'm = LogisticRegression(C=1 / d["l2"], tol=1e-12, max_iter=10000).fit(z, y)',
          'print(json.dumps([m.intercept_[0]] + list(m.coef_[0])))',
        ].join('\n'),
        JSON.stringify({ x: Array.from(finite.values), cols: finite.cols, y: Array.from(labels), l2 }),
      ),
    ) as number[];
    expect(model.intercept).toBeCloseTo(reference[0], 4);
    model.weights.forEach((w, f) => expect(w).toBeCloseTo(reference[f + 1], 4));
  });

  it('folds the standardisation into raw-scale weights that give the same margins', () => {
    const { model } = trainLogisticRegression(finite, labels);
    const { weights, intercept } = foldedCoefficients(model);
    const margins = predictLogisticMargin(model, finite);
    for (const r of [0, 17, 4000]) {
      let standardised = model.intercept;
      let raw = intercept;
      for (let f = 0; f < finite.cols; f++) {
        const x = finite.values[r * finite.cols + f];
        standardised += (model.weights[f] * (x - model.mean[f])) / model.scale[f];
        raw += weights[f] * x;
      }
      expect(margins[r]).toBeCloseTo(standardised, 4);
      expect(raw).toBeCloseTo(standardised, 4);
    }
  });

  it('refuses missing values, naming the row and column', () => {
    expect(() => trainLogisticRegression(features, labels)).toThrow(
      expect.objectContaining({ code: 'INVALID_INPUT', message: expect.stringMatching(/row \d+ column 5 is NaN/) }),
    );
  });
});
