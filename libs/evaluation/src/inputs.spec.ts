import {
  EvaluationError,
  aucRoc,
  averagePrecision,
  brierScore,
  cardPrecisionAtK,
  evaluatePredictions,
  logLoss,
  precisionAtK,
  reliabilityCurve,
} from './index.js';

function errorOf(run: () => unknown): EvaluationError {
  try {
    run();
  } catch (error) {
    if (error instanceof EvaluationError) return error;
    throw error;
  }
  throw new Error('expected an EvaluationError');
}

describe('bad input becomes an EvaluationError that says which, never a NaN', () => {
  it('mismatched lengths name both arrays', () => {
    const error = errorOf(() => aucRoc([0.1, 0.2, 0.3], [0, 1]));
    expect(error.code).toBe('LENGTH_MISMATCH');
    expect(error.message).toBe('labels has 2 values but scores has 3; they must be aligned row by row');
  });

  it('NaN and infinite scores name the row', () => {
    expect(errorOf(() => averagePrecision([0.1, Number.NaN], [0, 1])).message).toBe(
      'scores[1] is NaN; every value must be a finite number',
    );
    const infinite = errorOf(() => aucRoc(Float32Array.from([0.5, Number.POSITIVE_INFINITY, 0.1]), [0, 1, 0]));
    expect(infinite.code).toBe('NON_FINITE');
    expect(infinite.message).toContain('scores[1] is Infinity');
  });

  it('labels outside {0, 1} name the row and the value', () => {
    const error = errorOf(() => aucRoc([0.1, 0.2, 0.3], [0, 2, 1]));
    expect(error.code).toBe('INVALID_LABEL');
    expect(error.message).toBe('labels[1] is 2; labels must be 0 (genuine) or 1 (fraud)');
    expect(errorOf(() => aucRoc([0.1, 0.2], [0, Number.NaN])).message).toContain('labels[1] is NaN');
  });

  it('a single class fails the metrics that need both, naming the metric and the missing class', () => {
    const onlyGenuine = errorOf(() => aucRoc([0.1, 0.2], [0, 0]));
    expect(onlyGenuine.code).toBe('SINGLE_CLASS');
    expect(onlyGenuine.message).toBe('auc_roc needs both classes but the labels have no fraud (1) rows');
    expect(errorOf(() => aucRoc([0.1, 0.2], [1, 1])).message).toContain('no genuine (0) rows');
    expect(errorOf(() => averagePrecision([0.1, 0.2], [0, 0])).message).toBe(
      'average_precision needs at least one fraud (label 1) but there is none',
    );
    expect(errorOf(() => evaluatePredictions({ scores: [0.1, 0.2], labels: [1, 1] }, { bootstrap: false })).code).toBe(
      'SINGLE_CLASS',
    );
  });

  it('metrics defined on one class still answer (average precision with no genuine rows, Brier, log loss)', () => {
    expect(averagePrecision([0.3, 0.6], [1, 1])).toBe(1);
    expect(brierScore([0.25, 0.5], [0, 0])).toBe((0.0625 + 0.25) / 2);
    expect(logLoss([0.5], [1])).toBeCloseTo(Math.LN2, 15);
  });

  it('probability metrics refuse scores outside [0, 1]', () => {
    for (const metric of [
      () => brierScore([0.5, 1.5], [0, 1]),
      () => logLoss([-0.1, 0.5], [0, 1]),
      () => reliabilityCurve([2, 0.5], [0, 1]),
    ]) {
      const error = errorOf(metric);
      expect(error.code).toBe('SCORE_OUT_OF_RANGE');
      expect(error.message).toMatch(/needs probabilities in \[0, 1\] but scores\[[01]\] is /);
    }
  });

  it('empty input and bad k are refused', () => {
    expect(errorOf(() => aucRoc([], [])).code).toBe('EMPTY_INPUT');
    const k = errorOf(() => precisionAtK([0.1, 0.9], [0, 1], 0));
    expect(k.code).toBe('INVALID_ARGUMENT');
    expect(k.message).toBe('k must be a positive integer, got 0');
  });

  it('card precision without card ids or days says which column is missing', () => {
    const error = errorOf(() => cardPrecisionAtK({ scores: [0.1, 0.9], labels: [0, 1], days: [0, 0] }));
    expect(error.code).toBe('MISSING_COLUMN');
    expect(error.message).toBe('card_precision_at_100 needs cardIds (customer_id) for every row');
    // the standard set leaves it out and says why, and still checks the lone column
    const result = evaluatePredictions({ scores: [0.1, 0.9], labels: [0, 1], days: [0, 0] }, { bootstrap: false });
    expect(result.skipped['card_precision_at_100']).toBe('needs customer_id and day columns (no customer_id)');
    expect(
      errorOf(() => evaluatePredictions({ scores: [0.1, 0.9], labels: [0, 1], days: [0] }, { bootstrap: false })).code,
    ).toBe('LENGTH_MISMATCH');
  });
});
