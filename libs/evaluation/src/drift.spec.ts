import {
  baselineProfile,
  binIndex,
  compareToBaseline,
  driftLevel,
  ksAgainstProfile,
  ksStatistic,
  populationStabilityIndex,
  profileVariable,
  psiFromCounts,
} from './index.js';

const baseline = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];

describe('PSI over baseline deciles', () => {
  it('puts one baseline value in each decile bin of 0..9 (edges 0.9, 1.8, … 8.1)', () => {
    const profile = profileVariable(baseline);
    expect(profile.edges.map((edge) => Number(edge.toFixed(10)))).toEqual([
      0.9, 1.8, 2.7, 3.6, 4.5, 5.4, 6.3, 7.2, 8.1,
    ]);
    expect(profile.proportions).toEqual(new Array(10).fill(0.1));
    expect(profile).toMatchObject({ rows: 10, mean: 4.5, min: 0, max: 9 });
    expect(profile.std).toBeCloseTo(Math.sqrt(8.25), 14);
  });

  it('hand-checked: half the live rows at each end gives PSI 1.2789 (major), with 0.5-smoothed empty bins', () => {
    // expected share per bin (1 + 0.5) / (10 + 10·0.5) = 0.1; live: ends (5 + 0.5)/15 = 11/30, others 0.5/15 = 1/30
    const handComputed = 2 * (11 / 30 - 0.1) * Math.log(11 / 3) + 8 * (1 / 30 - 0.1) * Math.log(1 / 3);
    const result = populationStabilityIndex(baseline, [0, 0, 0, 0, 0, 9, 9, 9, 9, 9]);
    expect(result.psi).toBeCloseTo(handComputed, 14);
    expect(result.psi).toBeCloseTo(1.278877, 6);
    expect(result.level).toBe('major');
    expect(populationStabilityIndex(baseline, baseline).psi).toBe(0);
  });

  it('collapses repeated deciles of a binary feature into two bins', () => {
    const weekend = [0, 0, 0, 0, 0, 1, 1, 0, 0, 0, 0, 0, 1, 1];
    const profile = profileVariable(weekend);
    expect(profile.edges).toEqual([0]);
    expect(profile.proportions).toEqual([10 / 14, 4 / 14]);
    // value <= edge falls in the lower bin, as numpy searchsorted(side='left')
    expect(binIndex(profile.edges, 0)).toBe(0);
    expect(binIndex(profile.edges, 1)).toBe(1);
  });

  it('uses the conventional levels: < 0.1 stable, 0.1–0.25 moderate, > 0.25 major', () => {
    expect([0, 0.0999, 0.1, 0.25, 0.2501].map(driftLevel)).toEqual([
      'stable',
      'stable',
      'moderate',
      'moderate',
      'major',
    ]);
  });

  it('computes live PSI from bin counts the scoring API keeps', () => {
    const profile = profileVariable(baseline);
    const counts = [5, 0, 0, 0, 0, 0, 0, 0, 0, 5];
    expect(psiFromCounts(profile, counts).psi).toBeCloseTo(
      populationStabilityIndex(baseline, [0, 0, 0, 0, 0, 9, 9, 9, 9, 9]).psi,
      15,
    );
    expect(() => psiFromCounts(profile, [1, 2])).toThrow(expect.objectContaining({ code: 'INVALID_PROFILE' }));
  });
});

describe('KS statistic', () => {
  it('hand-checked: sup |F1 − F2| of {1,2,3} and {2,3,4,5} is 0.5 (at 3)', () => {
    expect(ksStatistic([3, 1, 2], [5, 2, 4, 3])).toBe(0.5);
    expect(ksStatistic([1, 2], [1, 2])).toBe(0);
    expect(ksStatistic([0, 1], [5, 6])).toBe(1);
  });

  it('approximates KS against a profile to about 1/100', () => {
    const reference = Array.from({ length: 10_000 }, (_, i) => i / 10_000);
    const shifted = reference.map((x) => x + 0.2);
    const profile = profileVariable(reference);
    expect(ksAgainstProfile(profile, shifted)).toBeCloseTo(ksStatistic(reference, shifted), 2);
    expect(ksAgainstProfile(profile, reference)).toBeLessThan(0.011);
  });
});

describe('baseline profile', () => {
  it('is plain JSON that survives a round trip, and compares a live window per variable', () => {
    const score = Array.from({ length: 1000 }, (_, i) => (i % 100) / 100);
    const amount = Array.from({ length: 1000 }, (_, i) => 10 + (i % 37));
    const profile = JSON.parse(JSON.stringify(baselineProfile({ score, features: { amount } })));
    expect(profile).toMatchObject({ version: 1, rows: 1000, bins: 10 });
    expect(profile.score.edges).toHaveLength(9);
    const same = compareToBaseline(profile, { score, features: { amount } });
    expect(same.level).toBe('stable');
    expect(same.score.psi).toBeCloseTo(0, 12);
    const drifted = compareToBaseline(profile, { score: score.map((s) => s * 0.5), features: { amount } });
    expect(drifted.score.level).toBe('major');
    expect(drifted.features['amount'].level).toBe('stable');
    expect(drifted.level).toBe('major');
    expect(() => compareToBaseline(profile, { score, features: { unknown: amount } })).toThrow(
      /no feature named unknown/,
    );
  });
});
