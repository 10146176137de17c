import { runPython } from './testing/python.js';
import { SeededRandom } from '@fraudops/core';
import { averagePrecision, logLossFromMargins } from './validation-metrics.js';

describe('early-stopping metrics', () => {
  it('computes average precision step-wise with tied scores entering together', () => {
    // Ranked: 0.9 (pos), 0.8 (neg), 0.8 (pos), 0.1 (neg). Thresholds 0.9 → P=1, R=½; 0.8 → P=⅔, R=1.
    expect(averagePrecision([0.9, 0.8, 0.8, 0.1], Uint8Array.of(1, 0, 1, 0))).toBeCloseTo(0.5 * 1 + 0.5 * (2 / 3), 12);
  });

  it('matches scikit-learn average_precision_score and log_loss on tied, rare-positive data', () => {
    const random = new SeededRandom(5);
    const n = 3000;
    const margins = Float64Array.from({ length: n }, () => Math.round((random.nextFloat() * 8 - 6) * 20) / 20);
    const labels = Uint8Array.from(margins, (m) => (random.nextFloat() < 1 / (1 + Math.exp(-m)) ? 1 : 0));
    const reference = JSON.parse(
      runPython(
        [
          'import json, sys, numpy as np',
          'from sklearn.metrics import average_precision_score, log_loss',
          'd = json.load(sys.stdin); m = np.array(d["m"]); y = np.array(d["y"])',
          'print(json.dumps([average_precision_score(y, m), log_loss(y, 1 / (1 + np.exp(-m)))]))',
        ].join('\n'),
        JSON.stringify({ m: Array.from(margins), y: Array.from(labels) }),
      ),
    ) as [number, number];
    expect(averagePrecision(margins, labels)).toBeCloseTo(reference[0], 10);
    expect(logLossFromMargins(margins, labels)).toBeCloseTo(reference[1], 10);
  });
});
