import { baselineFeatureSpec, builtInFeatureSpec } from './baseline.js';
import { FeaturesError } from './errors.js';
import { planFeatures } from './plan.js';
import { featureNames, featureSpecHash, validateFeatureSpec, type FeatureSpec } from './feature-spec.js';

const HANDBOOK_INPUTS = [
  'TX_AMOUNT',
  'TX_DURING_WEEKEND',
  'TX_DURING_NIGHT',
  'CUSTOMER_ID_NB_TX_1DAY_WINDOW',
  'CUSTOMER_ID_AVG_AMOUNT_1DAY_WINDOW',
  'CUSTOMER_ID_NB_TX_7DAY_WINDOW',
  'CUSTOMER_ID_AVG_AMOUNT_7DAY_WINDOW',
  'CUSTOMER_ID_NB_TX_30DAY_WINDOW',
  'CUSTOMER_ID_AVG_AMOUNT_30DAY_WINDOW',
  'TERMINAL_ID_NB_TX_1DAY_WINDOW',
  'TERMINAL_ID_RISK_1DAY_WINDOW',
  'TERMINAL_ID_NB_TX_7DAY_WINDOW',
  'TERMINAL_ID_RISK_7DAY_WINDOW',
  'TERMINAL_ID_NB_TX_30DAY_WINDOW',
  'TERMINAL_ID_RISK_30DAY_WINDOW',
];

function codeOf(action: () => unknown): string | undefined {
  try {
    action();
  } catch (error) {
    if (error instanceof FeaturesError) return `${error.code}: ${error.message}`;
    throw error;
  }
  return undefined;
}

describe('feature spec', () => {
  it('the baseline has the 15 handbook inputs, named and ordered as the handbook', () => {
    expect(featureNames(baselineFeatureSpec)).toEqual(HANDBOOK_INPUTS);
    expect(builtInFeatureSpec('baseline')).toBe(baselineFeatureSpec);
  });

  it('plans the baseline into 3 customer ranges without delay and 3 terminal ranges with a 7-day delay', () => {
    const plan = planFeatures(baselineFeatureSpec);
    expect(plan.ranges.map((r) => `${r.entity}:${r.windowDays}d+${r.delayDays}d`)).toEqual([
      'customer:1d+0d',
      'customer:7d+0d',
      'customer:30d+0d',
      'terminal:1d+7d',
      'terminal:7d+7d',
      'terminal:30d+7d',
    ]);
    expect(plan.labelDelayDays).toBe(7);
    expect(plan.longestSpanUs).toBe(37 * 86_400_000_000);
  });

  it('hashes content, not cosmetics: stable across key order, names and descriptions; sensitive to semantics', () => {
    const hash = featureSpecHash(baselineFeatureSpec);
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
    const reordered = JSON.parse(
      JSON.stringify(baselineFeatureSpec, (_key, value) =>
        value && typeof value === 'object' && !Array.isArray(value)
          ? Object.fromEntries(Object.entries(value).reverse())
          : value,
      ),
    ) as FeatureSpec;
    expect(featureSpecHash({ ...reordered, name: 'renamed', version: 9, description: 'x' })).toBe(hash);

    const changed = (index: number, patch: object): string =>
      featureSpecHash({
        ...baselineFeatureSpec,
        features: baselineFeatureSpec.features.map((f, i) => (i === index ? { ...f, ...patch } : f)),
      });
    expect(changed(3, { windowDays: 2 })).not.toBe(hash);
    expect(changed(10, { delayDays: 6 })).not.toBe(hash);
    expect(changed(0, { name: 'AMOUNT' })).not.toBe(hash);
    const swapped = [...baselineFeatureSpec.features];
    [swapped[1], swapped[2]] = [swapped[2], swapped[1]];
    expect(featureSpecHash({ ...baselineFeatureSpec, features: swapped })).not.toBe(hash);
  });

  it('adding a window or an aggregate is one entry', () => {
    const extended = validateFeatureSpec({
      ...baselineFeatureSpec,
      name: 'extended',
      features: [
        ...baselineFeatureSpec.features,
        {
          name: 'CUSTOMER_ID_NB_TX_3DAY_WINDOW',
          kind: 'window',
          entity: 'customer',
          windowDays: 3,
          delayDays: 0,
          aggregate: 'count',
        },
        {
          name: 'CUSTOMER_ID_MAX_AMOUNT_7DAY_WINDOW',
          kind: 'window',
          entity: 'customer',
          windowDays: 7,
          delayDays: 0,
          aggregate: 'max',
        },
      ],
    });
    const plan = planFeatures(extended);
    expect(plan.names).toHaveLength(17);
    expect(plan.ranges).toHaveLength(7);
    expect(plan.ranges[1]).toMatchObject({ entity: 'customer', windowDays: 7, needsMax: true, needsSum: true });
  });

  it('rejects malformed specs with a message naming the feature and the problem', () => {
    const base = { name: 's', version: 1 };
    const window = { kind: 'window', entity: 'customer', windowDays: 1, delayDays: 0, aggregate: 'count' };
    expect(codeOf(() => validateFeatureSpec({ ...base, features: [{ ...window, name: 'A', windowDays: 0 }] }))).toMatch(
      /^INVALID_SPEC: .*feature #1 \(A\) field windowDays/,
    );
    expect(
      codeOf(() => validateFeatureSpec({ ...base, features: [{ ...window, name: 'B', windowDays: 1.5 }] })),
    ).toMatch(/feature #1 \(B\) field windowDays/);
    expect(
      codeOf(() => validateFeatureSpec({ ...base, features: [{ ...window, name: 'RISK', aggregate: 'fraud_ratio' }] })),
    ).toMatch(/RISK.*fraud_ratio needs delayDays ≥ 1/);
    expect(codeOf(() => validateFeatureSpec({ ...base, features: [{ ...window, name: 'bad name' }] }))).toMatch(
      /feature #1 \(bad name\) field name: must be a SQL-safe identifier/,
    );
    expect(
      codeOf(() => validateFeatureSpec({ ...base, features: [{ ...window, name: 'X', entity: 'merchant' }] })),
    ).toMatch(/field entity/);
    expect(
      codeOf(() =>
        validateFeatureSpec({
          ...base,
          features: [
            { ...window, name: 'N' },
            { ...window, name: 'n', windowDays: 2 },
          ],
        }),
      ),
    ).toMatch(/feature name n appears twice/);
    expect(codeOf(() => validateFeatureSpec({ ...base, features: [{ ...window, name: 'TX_FRAUD' }] }))).toMatch(
      /TX_FRAUD is a key column/,
    );
    expect(
      codeOf(() =>
        validateFeatureSpec({ ...base, features: [{ name: 'H', kind: 'calendar', part: 'hour', min: 20, max: 24 }] }),
      ),
    ).toMatch(/feature #1 \(H\).*≤ 23 for hour/);
    expect(codeOf(() => builtInFeatureSpec('nope'))).toMatch(
      /^UNKNOWN_SPEC: unknown feature spec "nope"; built-in specs: baseline/,
    );
  });
});
