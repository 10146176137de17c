import type { ScoreResponse, ScoredTransaction } from '../scoring-service.js';
import { scoreResponseJson } from './score-json.js';

const model = { name: 'fraud-detector', version: 3 };

describe('scoreResponseJson', () => {
  it('writes what JSON.stringify writes, character for character', () => {
    const results: ScoredTransaction[] = [
      { transaction_id: 123456789012, probability: Math.fround(0.0123456789), decision: 'pass', threshold: 0.9852 },
      { transaction_id: 'tx-"quoted"\\\u00e9\u2028', probability: 1, decision: 'alert', threshold: Math.fround(0.3) },
      { transaction_id: 0, probability: 0, decision: 'pass', threshold: 1e-7 },
      { transaction_id: 7, probability: Number.NaN, decision: 'pass', threshold: Number.POSITIVE_INFINITY },
      { transaction_id: 8, probability: 0.5, decision: 'alert', threshold: 0.4, late: true },
      {
        transaction_id: 9,
        probability: 0.95,
        decision: 'alert',
        threshold: 0.4,
        reasons: [{ feature: 'TX_AMOUNT', value: 120.5, contribution: 1.25 }],
      },
      { transaction_id: 10, probability: 0.01, decision: 'pass', threshold: 0.4, degraded: true },
    ];
    const responses: ScoreResponse[] = [
      { model, results },
      { model, results: results.slice(0, 1) },
      { model, results: [] },
    ];
    for (const response of responses) expect(scoreResponseJson(response)).toBe(JSON.stringify(response));
  });

  it('writes a thousand everyday results as JSON.stringify does', () => {
    const results: ScoredTransaction[] = Array.from({ length: 1000 }, (_, i) => ({
      transaction_id: 1e9 + i,
      probability: Math.fround((i * 7919) % 1000) / 1000,
      decision: i % 97 === 0 ? 'alert' : 'pass',
      threshold: Math.fround(0.9852),
    }));
    expect(scoreResponseJson({ model, results })).toBe(JSON.stringify({ model, results }));
  });

  it('follows the model and the threshold from one answer to the next', () => {
    const answers: ScoreResponse[] = [
      { model, results: [{ transaction_id: 1, probability: 0.25, decision: 'pass', threshold: 0.5 }] },
      {
        model: { name: 'other "model"', version: 3 },
        results: [{ transaction_id: 2, probability: 0.75, decision: 'alert', threshold: 0.5 }],
      },
      {
        model: { name: 'other "model"', version: 4 },
        results: [{ transaction_id: 3, probability: 0.75, decision: 'pass', threshold: 0.8 }],
      },
      { model, results: [{ transaction_id: 4, probability: 0.25, decision: 'pass', threshold: -0 }] },
      { model, results: [{ transaction_id: 5, probability: 0.25, decision: 'pass', threshold: 0 }] },
    ];
    for (const response of answers) expect(scoreResponseJson(response)).toBe(JSON.stringify(response));
  });
});
