import { averagePrecision, promotionGate, syntheticPredictions } from './index.js';

// Ten rows, two frauds. The champion ranks both frauds first (AP 1); the challenger ranks the second
// fraud fourth: AP = ½·1/1 + ½·2/4 = 0.75.
const labels = [1, 1, 0, 0, 0, 0, 0, 0, 0, 0];
const champion = [0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2, 0.1, 0.05];
const challenger = [0.9, 0.65, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2, 0.1];

describe('promotionGate', () => {
  it('fails a challenger whose AP drops by 0.25 against an allowed 0.01, and says why', () => {
    expect(averagePrecision(challenger, labels)).toBe(0.75);
    const result = promotionGate(
      { labels, champion, challenger },
      [{ metric: 'average_precision', maxDegradation: 0.01 }],
      {
        bootstrap: { resamples: 200, seed: 1 },
      },
    );
    expect(result.passed).toBe(false);
    expect(result.summary).toBe('failed: average_precision');
    const [rule] = result.rules;
    expect(rule).toMatchObject({
      metric: 'average_precision',
      champion: 1,
      challenger: 0.75,
      difference: -0.25,
      passed: false,
    });
    expect(rule.reason).toMatch(
      /^average_precision: challenger 0\.75 vs champion 1 \(−0\.25, 95% CI .+\); allowed: at most 0\.01 lower; by observed difference → FAIL$/,
    );
    // paired resamples: the challenger is never better (its ranking is a degraded copy)
    expect(rule.ci.upper).toBeLessThanOrEqual(0);
    expect(rule.ci.method).toBe('bootstrap-rows');
    expect(rule.probabilityWorseThanAllowed).toBeGreaterThan(0.4);
  });

  it('passes the same challenger with a looser rule, and "confident" decides by the bad-side bound', () => {
    const point = promotionGate(
      { labels, champion, challenger },
      [{ metric: 'average_precision', maxDegradation: 0.3 }],
      { bootstrap: { resamples: 200 } },
    );
    expect(point.passed).toBe(true);
    expect(point.rules[0].reason).toContain('→ pass');
    const confident = promotionGate(
      { labels, champion, challenger },
      [{ metric: 'average_precision', maxDegradation: 0.3, decideBy: 'confident' }],
      {
        bootstrap: { resamples: 200 },
      },
    );
    expect(confident.rules[0].passed).toBe(confident.rules[0].ci.lower >= -0.3);
  });

  it('an identical challenger passes every default rule with zero differences', () => {
    const data = syntheticPredictions({ rows: 3000, seed: 4, positiveRate: 0.05, levels: 0, cards: 200, days: 5 });
    const result = promotionGate(
      { labels: data.labels, cardIds: data.cardIds, days: data.days, champion: data.scores, challenger: data.scores },
      undefined,
      { bootstrap: { resamples: 50 } },
    );
    expect(result.passed).toBe(true);
    expect(result.rules.map((rule) => rule.metric)).toEqual(['average_precision', 'card_precision_at_100', 'brier']);
    for (const rule of result.rules) expect([rule.difference, rule.ci.lower, rule.ci.upper]).toEqual([0, 0, 0]);
    expect(result.rules[1].ci.method).toBe('bootstrap-days');
    expect(result.rules[0].ci.method).toBe('bootstrap-cards');
  });

  it('lower-is-better metrics: a Brier increase beyond the bound fails', () => {
    const scores = [0.9, 0.8, 0.2, 0.1];
    const worse = [0.6, 0.6, 0.4, 0.4];
    const result = promotionGate(
      { labels: [1, 1, 0, 0], champion: scores, challenger: worse },
      [{ metric: 'brier', maxDegradation: 0.05 }],
      {
        bootstrap: { resamples: 100 },
      },
    );
    // champion (0.01 + 0.04 + 0.04 + 0.01) / 4 = 0.025; challenger 0.16 → +0.135
    expect(result.rules[0].champion).toBeCloseTo(0.025, 15);
    expect(result.rules[0].challenger).toBeCloseTo(0.16, 15);
    expect(result.rules[0].passed).toBe(false);
    expect(result.rules[0].reason).toContain('allowed: at most 0.05 higher');
  });

  it('refuses unknown metrics and metrics the data cannot support', () => {
    expect(() => promotionGate({ labels, champion, challenger }, [{ metric: 'accuracy' }])).toThrow(
      /rule accuracy: unknown metric/,
    );
    expect(() => promotionGate({ labels, champion, challenger }, [{ metric: 'card_precision_at_100' }])).toThrow(
      expect.objectContaining({ code: 'MISSING_COLUMN' }),
    );
    expect(() => promotionGate({ labels, champion, challenger: [0.1] })).toThrow(
      expect.objectContaining({ code: 'LENGTH_MISMATCH' }),
    );
  });
});
