import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ModelRef } from '../model/model-lifecycle.js';
import type { Reason } from '../model/row-explainer.js';
import type { ScoreAnswer, ScoredBatch, ScoredTransaction } from '../scoring-service.js';
import { seedChampion } from '../smoke/seed-champion.js';
import { call, startTestServer, type TestServer } from '../testing/harness.js';
import { transactionStream } from '../testing/transactions.js';
import { scoreAnswerJson, scoredBatchJson } from './score-json.js';

/**
 * Row `i` as the result object the service made for it before answers were written from columns: the four
 * everyday keys, then `late` (only when true), then `reasons` (only on an explained row).
 */
function resultObject(batch: ScoredBatch, i: number): ScoredTransaction {
  const late = batch.late[i] === 1 ? { late: true as const } : {};
  const reasons = batch.reasons?.[i];
  return {
    transaction_id: batch.idOf(i),
    probability: batch.probabilities[i],
    decision: batch.alerts[i] === 1 ? 'alert' : 'pass',
    threshold: batch.thresholds[i],
    ...late,
    ...(reasons === undefined ? {} : { reasons }),
  };
}

/** `JSON.stringify` of the response as it was made: the model, then one result object per row. */
function stringified(batch: ScoredBatch): string {
  return JSON.stringify({
    model: batch.model,
    results: Array.from({ length: batch.rows }, (_, i) => resultObject(batch, i)),
  });
}

function columns(model: ModelRef, rows: ScoredTransaction[]): ScoredBatch {
  const reasons = rows.some((r) => r.reasons) ? rows.map((r) => r.reasons) : undefined;
  return {
    model,
    rows: rows.length,
    idOf: (i) => rows[i].transaction_id,
    probabilities: Float64Array.from(rows, (r) => r.probability),
    alerts: Uint8Array.from(rows, (r) => (r.decision === 'alert' ? 1 : 0)),
    thresholds: Float64Array.from(rows, (r) => r.threshold),
    late: Uint8Array.from(rows, (r) => (r.late ? 1 : 0)),
    ...(reasons ? { reasons } : {}),
  };
}

describe('scoredBatchJson', () => {
  const model = { name: 'fraud-detector', version: 3 };

  it('writes what JSON.stringify writes of the result objects, byte for byte, for every decision and odd value', () => {
    const reasons: Reason[] = [{ feature: 'TX_AMOUNT', value: 120.5, contribution: 1.25 }];
    const rows: ScoredTransaction[] = [
      { transaction_id: 123456789012, probability: Math.fround(0.0123456789), decision: 'pass', threshold: 0.9852 },
      { transaction_id: 'tx-"quoted"\\\u00e9\u2028', probability: 1, decision: 'alert', threshold: Math.fround(0.3) },
      { transaction_id: 0, probability: 0, decision: 'pass', threshold: -0 },
      { transaction_id: 7, probability: Number.NaN, decision: 'pass', threshold: Number.POSITIVE_INFINITY },
      { transaction_id: 8, probability: 0.5, decision: 'alert', threshold: 0.4, late: true },
      { transaction_id: 9, probability: 0.95, decision: 'alert', threshold: 0.4, reasons },
      { transaction_id: 10, probability: 0.2, decision: 'pass', threshold: 0.4, late: true, reasons: [] },
      { transaction_id: 11, probability: 1e-7, decision: 'pass', threshold: 0.4 },
    ];
    for (const batch of [columns(model, rows), columns(model, rows.slice(0, 1)), columns(model, [])]) {
      expect(scoredBatchJson(batch)).toBe(stringified(batch));
      expect(scoredBatchJson(batch)).toBe(JSON.stringify({ model, results: rows.slice(0, batch.rows) }));
    }
  });
});

describe('the columnar batch answer of a real service', () => {
  const API_KEY = 'test-api-key-0123456789';
  const dir = mkdtempSync(join(tmpdir(), 'scoring-json-'));
  let server: TestServer;
  let start: number;

  beforeAll(async () => {
    const seeded = await seedChampion({ registry: join(dir, 'registry') });
    start = seeded.endTime + 3_600;
    server = await startTestServer({ REGISTRY: seeded.registry, API_KEYS: API_KEY, LATE_TOLERANCE_S: '300' });
  });

  afterAll(async () => {
    await server?.shutdown();
    rmSync(dir, { recursive: true, force: true });
  });

  async function scoredBatch(transactions: unknown[], explain?: boolean): Promise<ScoredBatch> {
    const answer: ScoreAnswer = await server.service.scoreNow(
      transactions,
      explain ? { top: 3, results: 'all' } : undefined,
    );
    if ('results' in answer) throw new Error('the in-process state answered with result objects');
    expect(scoreAnswerJson(answer)).toBe(scoredBatchJson(answer));
    return answer;
  }

  it('is written byte for byte as JSON.stringify of its result objects: late rows, repeats, replays, reasons', async () => {
    const first = transactionStream({ firstId: 500_000, count: 200, startTime: start, spacing: 60 });
    const newest = first[first.length - 1].tx_datetime;
    const later = transactionStream({ firstId: 600_000, count: 100, startTime: newest + 60, spacing: 60 });
    const late = transactionStream({ firstId: 700_000, count: 5, startTime: newest - 3_600, spacing: 1 });
    const mixed = [...later.slice(0, 50), ...late, first[3], first[10], later[7], ...later.slice(50)];

    const explainedLater = transactionStream({ firstId: 800_000, count: 40, startTime: newest + 7_200 });
    const lateExplained = { ...late[0], transaction_id: 800_100, tx_datetime: newest + 7_200 - 3_600 };
    const explaining = [...explainedLater, lateExplained];

    const batches = [
      await scoredBatch(first),
      await scoredBatch(mixed),
      await scoredBatch(mixed),
      await scoredBatch(explaining, true),
      await scoredBatch(explaining, true),
    ];
    for (const batch of batches) expect(scoredBatchJson(batch)).toBe(stringified(batch));

    const [, second, replay, explained, explainedReplay] = batches;
    expect(second.rows).toBe(mixed.length);
    expect(Array.from(second.late).filter((l) => l === 1)).toHaveLength(late.length);
    // A replay (and the repeats within it) gets the first answers, reasons included: the same text.
    expect(scoredBatchJson(replay)).toBe(scoredBatchJson(second));
    expect(explained.reasons?.filter((r) => r !== undefined)).toHaveLength(explained.rows);
    expect(explained.late[explained.rows - 1]).toBe(1);
    expect(scoredBatchJson(explainedReplay)).toBe(scoredBatchJson(explained));

    // Over HTTP the body is that text.
    const body = { transactions: transactionStream({ firstId: 900_000, count: 30, startTime: newest + 90_000 }) };
    const reply = await call(server.url, 'POST', '/v1/score', body, { authorization: `Bearer ${API_KEY}` });
    expect(reply.status).toBe(200);
    const again = await scoredBatch(body.transactions);
    expect(JSON.stringify(reply.body)).toBe(scoredBatchJson(again));
  });
});
