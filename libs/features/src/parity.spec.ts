import { v2FeatureSpec } from './baseline.js';
import { featureNames } from './feature-spec.js';
import { compareFeatureRows } from './parity.js';

describe('compareFeatureRows', () => {
  const names = featureNames(v2FeatureSpec);
  const row = (column: string, value: number) => {
    const values = new Float64Array(names.length).fill(1);
    values[names.indexOf(column)] = value;
    return values;
  };

  it('takes a z-score near 0 within 1e-9 absolute, other aggregates within 1e-9 relative, counts exactly', () => {
    const z = 'CUSTOMER_ID_AMOUNT_ZSCORE_1DAY_WINDOW';
    // an amount at the card's mean: two summation orders give ±1e-15
    expect(compareFeatureRows(v2FeatureSpec, row(z, 1.5e-15), row(z, -1.5e-15)).mismatches).toBe(0);
    expect(compareFeatureRows(v2FeatureSpec, row(z, 0.5), row(z, 0.5 + 2e-9)).mismatches).toBe(1);
    expect(compareFeatureRows(v2FeatureSpec, row(z, 40), row(z, 40 * (1 + 5e-10))).mismatches).toBe(0);
    const ratio = 'CUSTOMER_ID_AMOUNT_TO_MEAN_1DAY_WINDOW';
    expect(compareFeatureRows(v2FeatureSpec, row(ratio, 1e-12), row(ratio, -1e-12)).firstMismatch).toBe(
      `${ratio} of transaction #0: 1e-12 vs -1e-12`,
    );
    const hours = 'CUSTOMER_ID_HOURS_SINCE_PREVIOUS_TX';
    expect(compareFeatureRows(v2FeatureSpec, row(hours, 1), row(hours, 1 + 1e-15)).mismatches).toBe(1);
  });
});
