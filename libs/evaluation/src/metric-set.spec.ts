import {
  aucRoc,
  averagePrecision,
  brierScore,
  evaluatePredictions,
  precisionAtK,
  syntheticPredictions,
} from './index.js';

const data = syntheticPredictions({ rows: 5000, seed: 7, positiveRate: 0.1, levels: 10, cards: 300, days: 7 });

describe('evaluatePredictions (the standard metric set with bootstrap intervals)', () => {
  const result = evaluatePredictions(data, { bootstrap: { resamples: 200, seed: 3 } });

  it('names every metric of the contract and equals the single-metric functions', () => {
    expect(Object.keys(result.metrics)).toEqual([
      'auc_roc',
      'average_precision',
      'precision_at_100',
      'card_precision_at_100',
      'brier',
      'log_loss',
      'ece',
    ]);
    expect(result.metrics['auc_roc'].value).toBe(aucRoc(data.scores, data.labels));
    expect(result.metrics['average_precision'].value).toBe(averagePrecision(data.scores, data.labels));
    expect(result.metrics['precision_at_100'].value).toBe(precisionAtK(data.scores, data.labels, 100));
    expect(result.metrics['brier'].value).toBeCloseTo(brierScore(data.scores, data.labels), 15);
    expect(result).toMatchObject({ rows: 5000, days: 7, cards: 300, k: 100, skipped: {} });
    expect(result.cardPrecision?.days).toHaveLength(7);
  });

  it('brackets each value with a 95% interval from resampled cards, or days for card precision', () => {
    for (const [name, estimate] of Object.entries(result.metrics)) {
      const ci = estimate.ci;
      if (!ci) throw new Error(`${name} has no interval`);
      expect(ci.level).toBe(0.95);
      expect(ci.resamples).toBe(200);
      expect(ci.lower).toBeLessThanOrEqual(estimate.value);
      expect(ci.upper).toBeGreaterThanOrEqual(estimate.value);
      expect(ci.method).toBe(name === 'card_precision_at_100' ? 'bootstrap-days' : 'bootstrap-cards');
    }
  });

  it('is reproducible from its seed and changes with it', () => {
    const again = evaluatePredictions(data, { bootstrap: { resamples: 200, seed: 3 } });
    expect(again.metrics).toEqual(result.metrics);
    const other = evaluatePredictions(data, { bootstrap: { resamples: 200, seed: 4 } });
    expect(other.metrics['auc_roc'].ci).not.toEqual(result.metrics['auc_roc'].ci);
  });

  it('resamples rows without card ids, and skips probability metrics for margins, saying why', () => {
    const margins = Array.from(data.scores, (score) => 4 * score - 2);
    const rowsOnly = evaluatePredictions({ scores: margins, labels: data.labels }, { bootstrap: { resamples: 50 } });
    expect(Object.keys(rowsOnly.metrics)).toEqual(['auc_roc', 'average_precision', 'precision_at_100']);
    expect(rowsOnly.metrics['auc_roc'].ci?.method).toBe('bootstrap-rows');
    expect(rowsOnly.skipped['brier']).toBe(`scores are not probabilities (scores[0] is ${margins[0]})`);
    expect(rowsOnly.skipped['card_precision_at_100']).toBe(
      'needs customer_id and day columns (no customer_id and day)',
    );
  });

  it('reports progress once per resample and can skip the bootstrap', () => {
    const seen: number[] = [];
    evaluatePredictions(data, { bootstrap: { resamples: 5 }, onProgress: (done) => seen.push(done) });
    expect(seen).toEqual([1, 2, 3, 4, 5]);
    expect(evaluatePredictions(data, { bootstrap: false }).metrics['auc_roc'].ci).toBeUndefined();
  });
});
