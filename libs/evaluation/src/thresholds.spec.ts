import {
  EvaluationError,
  ThresholdSweep,
  chooseThreshold,
  formatThresholdPolicy,
  parseThresholdPolicy,
} from './index.js';

// Eight transactions over two days; frauds at 0.9 (amount 100), 0.7 (50) and 0.4 (200).
const columns = {
  scores: [0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2],
  labels: [1, 0, 1, 0, 0, 1, 0, 0],
  amounts: [100, 10, 50, 10, 10, 200, 10, 10],
  days: [0, 0, 0, 0, 1, 1, 1, 1],
};

describe('threshold policies (hand-checked)', () => {
  it('budget:1 allows 2 alerts over 2 days → threshold 0.8', () => {
    const decision = chooseThreshold(columns, parseThresholdPolicy('budget:1'));
    expect(decision).toMatchObject({
      threshold: 0.8,
      rule: 'budget:1',
      days: 2,
      alerts: 2,
      expectedAlertsPerDay: 1,
      truePositives: 1,
      precision: 0.5,
    });
    expect(decision.recall).toBeCloseTo(1 / 3, 15);
    // priced with the default review cost 5: 2 alerts (10) + the missed frauds 50 + 200
    expect(decision.expectedCost).toBe(260);
    expect(decision.expectedCostPerDay).toBe(130);
    expect(decision.rationale).toBe(
      'budget:1: alerting on the 2 highest scores of 8 (top 25.0%, score quantile 0.75000) keeps within 1 alerts/day over 2 day(s).',
    );
  });

  it('cost:5 minimises 5 per alert + missed amounts → threshold 0.4 (6 alerts, cost 30)', () => {
    // no alerts 350; 0.9 → 255; 0.8 → 260; 0.7 → 215; 0.6 → 220; 0.5 → 225; 0.4 → 30; 0.3 → 35; 0.2 → 40
    const decision = chooseThreshold(columns, parseThresholdPolicy('cost:5'));
    expect(decision).toMatchObject({
      threshold: 0.4,
      alerts: 6,
      truePositives: 3,
      recall: 1,
      expectedCost: 30,
      expectedCostPerDay: 15,
    });
    expect(decision.rationale).toContain("5 per alert plus each missed fraud's amount");
    const sweep = new ThresholdSweep(columns, { reviewCost: 5 });
    expect(sweep.points.map((p) => p.cost)).toEqual([350, 255, 260, 215, 220, 225, 30, 35, 40]);
  });

  it('a high review cost makes "alert on nothing above 0.9" cheapest', () => {
    const decision = chooseThreshold(columns, parseThresholdPolicy('cost:400'));
    expect(decision.alerts).toBe(0);
    expect(decision.threshold).toBeGreaterThan(0.9);
    expect(decision.expectedCost).toBe(350);
  });

  it('without amounts a cost policy needs a missed-fraud cost', () => {
    const { amounts: _amounts, ...withoutAmounts } = columns;
    expect(() => chooseThreshold(withoutAmounts, parseThresholdPolicy('cost:5'))).toThrow(
      expect.objectContaining({ code: 'MISSING_COLUMN' }),
    );
    // 3 frauds × 100 if missed; 5 per alert: at 0.9 → 5 + 200 = 205, at 0.7 → 15 + 100 = 115, at 0.4 → 30
    expect(chooseThreshold(withoutAmounts, parseThresholdPolicy('cost:5:100'))).toMatchObject({
      threshold: 0.4,
      expectedCost: 30,
    });
  });

  it('precision:0.6 picks the lowest threshold still at 2/3 precision (0.7); recall targets the fewest alerts', () => {
    expect(chooseThreshold(columns, parseThresholdPolicy('precision:0.6'))).toMatchObject({
      threshold: 0.7,
      alerts: 3,
      truePositives: 2,
    });
    expect(chooseThreshold(columns, parseThresholdPolicy('recall:0.5'))).toMatchObject({ threshold: 0.7, alerts: 3 });
    expect(chooseThreshold(columns, parseThresholdPolicy('recall:0.9'))).toMatchObject({
      threshold: 0.4,
      alerts: 6,
      recall: 1,
    });
    expect(() =>
      chooseThreshold({ scores: [0.9, 0.1], labels: [0, 1] }, parseThresholdPolicy('precision:0.9')),
    ).toThrow(expect.objectContaining({ code: 'UNREACHABLE_TARGET' }));
  });

  it('parses and formats policies, and explains a bad one', () => {
    expect(parseThresholdPolicy('budget:100')).toEqual({ kind: 'budget', alertsPerDay: 100 });
    expect(parseThresholdPolicy(' cost:2.5:80 ')).toEqual({ kind: 'cost', reviewCost: 2.5, missedFraudCost: 80 });
    expect(formatThresholdPolicy(parseThresholdPolicy('recall:0.8'))).toBe('recall:0.8');
    for (const bad of ['budget', 'budget:0', 'cost:x', 'precision:1.5', 'alerts:3']) {
      expect(() => parseThresholdPolicy(bad)).toThrow(EvaluationError);
    }
    expect(() => parseThresholdPolicy('budget:-3')).toThrow(
      /threshold policy "budget:-3" needs a positive number of alerts per day/,
    );
  });
});
