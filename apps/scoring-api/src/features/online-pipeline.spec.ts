import { baselineFeatureSpec } from '@fraudops/features';
import type { Transaction } from '@fraudops/transactions';
import { contractAdapter } from '../runtime.js';
import { VECTOR_FRESH, VECTOR_LATE } from './feature-pipeline.js';
import { OnlinePipeline } from './online-pipeline.js';

const START = Date.UTC(2018, 9, 1) / 1000;

/**
 * A stream with what the batch path must handle like the row path: integer and string ids, an ISO datetime,
 * same-second neighbours, a transaction an hour late, and a retry of an earlier id.
 */
function mixedStream(): Transaction[] {
  const stream: Transaction[] = [];
  for (let i = 0; i < 200; i++) {
    stream.push({
      transaction_id: i % 7 === 0 ? `tx-${i}` : 1_000 + i,
      tx_datetime: START + Math.floor(i / 3) * 97,
      customer_id: (i * 7) % 11,
      terminal_id: i % 5 === 0 ? `term-${i % 13}` : (i * 13) % 17,
      tx_amount: Math.round(((i * 37) % 300) * 100 + 499) / 100,
    });
  }
  stream.push({ ...stream[150], transaction_id: 'late-1', tx_datetime: START + 66 * 97 - 3_600 });
  stream.push({ ...stream[120] });
  stream.push({
    transaction_id: 5_000,
    tx_datetime: new Date((START + 67 * 97) * 1000).toISOString(),
    customer_id: 3,
    terminal_id: 4,
    tx_amount: 12.5,
  });
  return stream;
}

describe('OnlinePipeline: the columnar batch path', () => {
  it('gives the row path’s vectors and outcomes, bit for bit', () => {
    const rowPath = new OnlinePipeline(baselineFeatureSpec, contractAdapter, { toleranceSeconds: 300 });
    const batchPath = new OnlinePipeline(baselineFeatureSpec, contractAdapter, { toleranceSeconds: 300 });
    const width = rowPath.spec.features.length;
    const stream = mixedStream();

    const rowVectors = new Float32Array(stream.length * width);
    const rowOutcomes = stream.map((tx, i) => rowPath.vectorize(tx, rowVectors, i * width));

    const batchVectors = new Float32Array(stream.length * width);
    const batchOutcomes: number[] = [];
    // In batches of 16, as the service reads them: columns first, then rows in order.
    for (let from = 0; from < stream.length; from += 16) {
      const batch = stream.slice(from, from + 16);
      const columns = batchPath.readColumns(batch);
      expect(Array.from(columns.keys)).toEqual(batch.map((tx) => batchPath.keyOf(tx)));
      expect(Array.from(columns.times)).toEqual(batch.map((tx) => batchPath.timeOf(tx)));
      for (let row = 0; row < batch.length; row++) {
        batchOutcomes.push(batchPath.vectorizeRow(columns, row, batchVectors, (from + row) * width));
      }
    }

    expect(batchOutcomes).toEqual(rowOutcomes);
    expect(Buffer.from(batchVectors.buffer).equals(Buffer.from(rowVectors.buffer))).toBe(true);
    // The stream exercised what it was built for: a late transaction and a repeat.
    expect(rowOutcomes[200]).toBe(VECTOR_FRESH | VECTOR_LATE);
    expect(rowOutcomes[201]).toBe(0);
    expect(rowOutcomes.filter((o) => o === VECTOR_FRESH)).toHaveLength(stream.length - 2);
    expect(batchPath.size).toBe(rowPath.size);
  });
});
