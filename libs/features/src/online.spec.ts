import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { baselineFeatureSpec, v2FeatureSpec } from './baseline.js';
import { FeaturesError } from './errors.js';
import { featureNames, validateFeatureSpec } from './feature-spec.js';
import { OnlineFeatureState } from './online.js';
import { replayWithDelayedLabels } from './replay.js';
import { decodeOnlineSnapshot, encodeOnlineSnapshot, readOnlineSnapshot, writeOnlineSnapshot } from './snapshot.js';
import { columnsFrom, DAY, gridTransactions, HAND_EXPECTED, HAND_ROWS, T0 } from './testing/transactions.js';

function rowsOf(values: Float64Array, width: number): number[][] {
  return Array.from({ length: values.length / width }, (_, i) =>
    Array.from(values.subarray(i * width, (i + 1) * width)),
  );
}

function errorOf(action: () => unknown): FeaturesError {
  try {
    action();
  } catch (error) {
    if (error instanceof FeaturesError) return error;
    throw error;
  }
  throw new Error('expected a FeaturesError');
}

const tx = (id: number, seconds: number, customer = 1, terminal = 1, amount = 10) => ({
  transactionId: id,
  txDatetime: T0 + seconds,
  customerId: customer,
  terminalId: terminal,
  txAmount: amount,
});

describe('OnlineFeatureState', () => {
  it('computes the v2 features as hand-computed: amount to the card mean, z-score, hours since the previous transaction', () => {
    const state = new OnlineFeatureState(v2FeatureSpec);
    const names = featureNames(v2FeatureSpec);
    const pick = (vector: Float64Array, ...columns: string[]) =>
      columns.map((c) => vector[names.indexOf(`CUSTOMER_ID_${c}`)]);
    const v2 = (vector: Float64Array) =>
      pick(
        vector,
        'AMOUNT_TO_MEAN_1DAY_WINDOW',
        'AMOUNT_ZSCORE_1DAY_WINDOW',
        'AMOUNT_TO_MEAN_7DAY_WINDOW',
        'AMOUNT_ZSCORE_7DAY_WINDOW',
        'HOURS_SINCE_PREVIOUS_TX',
      );
    // first transaction: its own mean, no spread, no previous one (the 30-day cap, in hours)
    expect(v2(state.process(tx(1, 0, 1, 1, 10)))).toEqual([1, 0, 1, 0, 720]);
    // 10 and 30: mean 20, population spread 10, so 30 is 1.5× the mean and one spread above it; an hour later
    expect(v2(state.process(tx(2, 3600, 1, 1, 30)))).toEqual([1.5, 1, 1.5, 1, 1]);
    // two days on: alone in its day, at the mean of its week (10, 30, 20); 47 hours after the previous one
    expect(v2(state.process(tx(3, 2 * DAY, 1, 1, 20)))).toEqual([1, 0, 1, 0, 47]);
    // 31 days after the previous transaction (still held: the state keeps 37 days): the cap
    expect(v2(state.process(tx(4, 33 * DAY, 1, 1, 40)))).toEqual([1, 0, 1, 0, 720]);
    // equal amounts: no spread, z-score 0; half an hour later
    expect(v2(state.process(tx(5, 33 * DAY + 1800, 1, 1, 40)))).toEqual([1, 0, 1, 0, 0.5]);
    // same second (ties in transaction_id order): 40, 40, 0 → mean 80/3, z = −(80/3) / (√3200/3) = −√2; 0 hours
    const [toMean, z, , , hours] = v2(state.process(tx(6, 33 * DAY + 1800, 1, 1, 0)));
    expect([toMean, hours]).toEqual([0, 0]);
    expect(z).toBeCloseTo(-Math.SQRT2, 12);
    // a card whose only amount is 0: the ratio to a zero mean is 0, not NaN
    expect(v2(state.process(tx(7, 33 * DAY + 1800, 2, 1, 0)))).toEqual([0, 0, 0, 0, 720]);
  });

  it('gives the hand-computed vectors: window edges at exactly w days, same-second ties, no history, 0/0 risk', () => {
    const state = new OnlineFeatureState(baselineFeatureSpec);
    const values = replayWithDelayedLabels(state, columnsFrom(HAND_ROWS));
    expect(rowsOf(values, state.width)).toEqual(HAND_EXPECTED);
  });

  it('uses only the labels it has been given: a late label leaves the risk at what was known', () => {
    const state = new OnlineFeatureState(baselineFeatureSpec);
    const first = state.process(tx(0, 0, 1, 7));
    expect(first[10]).toBe(0);
    const week = 7 * DAY;
    expect(state.process(tx(1, week, 2, 7))[10]).toBe(0); // label of #0 not recorded yet
    expect(state.recordLabel(0, 1)).toBe('applied');
    expect(state.recordLabel(0, true)).toBe('unchanged');
    expect(state.recordLabel(42, 1)).toBe('unknown');
    expect(Array.from(state.process(tx(2, week + 1, 3, 7)).subarray(9, 15))).toEqual([1, 1, 1, 1, 1, 1]);
    expect(state.recordLabel(0, 0)).toBe('applied'); // a corrected label
    expect(Array.from(state.process(tx(3, week + 2, 3, 7)).subarray(9, 15))).toEqual([1, 0, 1, 0, 1, 0]);
  });

  it('takes a late transaction at the newest time, keeps how late it was, and knows its retry after a snapshot', () => {
    const state = new OnlineFeatureState(baselineFeatureSpec, { tieOrder: 'arrival' });
    const onTime = new OnlineFeatureState(baselineFeatureSpec, { tieOrder: 'arrival' });
    state.process(tx(1, 3600, 5, 5, 40));
    onTime.process(tx(1, 3600, 5, 5, 40));
    const out = new Float64Array(state.width);
    expect(state.processLateInto(2, T0, 5, 6, 25, out)).toBe(true); // stamped an hour before the newest
    const atNewest = onTime.process(tx(2, 3600, 5, 6, 25));
    expect(Array.from(out)).toEqual(Array.from(atNewest));
    expect(out[3]).toBe(2); // CUSTOMER_ID_NB_TX_1DAY_WINDOW holds both transactions
    expect(state.lateBySeconds(2)).toBe(3600);
    expect(state.lateBySeconds(1)).toBe(0);
    expect(state.stats().late).toBe(1);
    // Later transactions see it as if it had happened at the newest time.
    expect(Array.from(state.process(tx(3, 3700, 5, 7, 10)))).toEqual(Array.from(onTime.process(tx(3, 3700, 5, 7, 10))));

    const retry = new Float64Array(state.width);
    expect(state.processLateInto(2, T0, 5, 6, 25, retry)).toBe(false);
    expect(Array.from(retry)).toEqual(Array.from(out));
    expect(errorOf(() => state.processInto(2, T0 + 3600, 5, 6, 25, retry)).code).toBe('CONFLICTING_DUPLICATE');

    const restored = decodeOnlineSnapshot(baselineFeatureSpec, encodeOnlineSnapshot(state));
    expect(Buffer.from(encodeOnlineSnapshot(restored))).toEqual(Buffer.from(encodeOnlineSnapshot(state)));
    expect(restored.lateBySeconds(2)).toBe(3600);
    const afterRestart = new Float64Array(state.width);
    expect(restored.processLateInto(2, T0, 5, 6, 25, afterRestart)).toBe(false);
    expect(Array.from(afterRestart)).toEqual(Array.from(out));

    // Evicted with its transaction once it is past every window.
    restored.process(tx(4, 3600 + 40 * DAY, 9, 9, 1));
    expect(restored.has(2)).toBe(false);
    expect(restored.lateBySeconds(2)).toBe(0);
    expect(restored.stats().late).toBe(0);
  });

  it('returns the first vector for a repeated transaction id and counts it once', () => {
    const state = new OnlineFeatureState(baselineFeatureSpec);
    const first = state.process(tx(1, 100, 5, 5, 40));
    state.process(tx(2, 200, 5, 5, 60));
    const again = new Float64Array(state.width);
    expect(state.processInto(1, T0 + 100, 5, 5, 40, again)).toBe(false);
    expect(again).toEqual(first);
    const third = state.process(tx(3, 300, 5, 5, 20));
    expect(third[3]).toBe(3); // 1, 2, 3 — the retry of 1 did not count
    expect(third[4]).toBe(40);
    expect(state.stats()).toMatchObject({ consumed: 3, duplicates: 1 });
    expect(errorOf(() => state.process(tx(1, 100, 5, 5, 41))).code).toBe('CONFLICTING_DUPLICATE');
  });

  it('refuses out-of-order events with a message naming both transactions', () => {
    const state = new OnlineFeatureState(baselineFeatureSpec);
    state.process(tx(10, 1000));
    const earlier = errorOf(() => state.process(tx(11, 999)));
    expect(earlier.code).toBe('OUT_OF_ORDER');
    expect(earlier.message).toContain('transaction 11 at 2018-04-01T00:16:39.000Z arrived after transaction 10');
    const tie = errorOf(() => state.process(tx(9, 1000)));
    expect(tie.code).toBe('OUT_OF_ORDER');
    expect(tie.message).toContain("tieOrder: 'arrival'");
    const arrival = new OnlineFeatureState(baselineFeatureSpec, { tieOrder: 'arrival' });
    arrival.process(tx(10, 1000));
    expect(arrival.process(tx(9, 1000))[3]).toBe(2);
    expect(errorOf(() => state.process(tx(12, 2000, 1, 1, -1))).code).toBe('INVALID_TRANSACTION');
  });

  it('keeps memory bounded: evicts what is older than the longest window + delay, and idle entities', () => {
    const state = new OnlineFeatureState(baselineFeatureSpec);
    // 200 days, 50 transactions a day, each day on new customers and terminals.
    let id = 0;
    for (let day = 0; day < 200; day++) {
      for (let k = 0; k < 50; k++)
        state.process(tx(id++, day * DAY + k * 60, day * 100 + (k % 10), day * 100 + (k % 5)));
      if (day === 60) expect(state.stats().transactions).toBe(37 * 50);
    }
    const stats = state.stats();
    // days 163..199: a transaction exactly 37 days (window 30 + delay 7) old can enter no window
    expect(stats.transactions).toBe(37 * 50);
    expect(stats.customers).toBe(37 * 10);
    expect(stats.terminals).toBe(37 * 5);
    expect(stats.consumed).toBe(200 * 50);
    expect(state.recordLabel(0, 1)).toBe('unknown');
    expect(errorOf(() => state.process(tx(0, 0))).code).toBe('OUT_OF_ORDER');
  });

  it('after eviction, vectors still equal a fresh computation', () => {
    const columns = gridTransactions(3000, 7, { days: 120, customers: 6, terminals: 4 });
    const long = new OnlineFeatureState(baselineFeatureSpec);
    const all = replayWithDelayedLabels(long, columns);
    expect(long.stats().transactions).toBeLessThan(columns.length);
    // the last 40 days replayed into a fresh state give the same vectors for the last 2 days
    const from = columns.txDatetime.findIndex((t) => t >= columns.txDatetime[columns.length - 1] - 40 * DAY);
    const slice = {
      length: columns.length - from,
      transactionId: columns.transactionId.slice(from),
      txDatetime: columns.txDatetime.slice(from),
      customerId: columns.customerId.slice(from),
      terminalId: columns.terminalId.slice(from),
      txAmount: columns.txAmount.slice(from),
      txFraud: columns.txFraud?.slice(from),
    };
    const fresh = replayWithDelayedLabels(new OnlineFeatureState(baselineFeatureSpec), slice);
    const checkFrom = columns.txDatetime.findIndex((t) => t >= columns.txDatetime[columns.length - 1] - 2 * DAY);
    const width = long.width;
    for (let i = checkFrom; i < columns.length; i++) {
      const a = all.subarray(i * width, (i + 1) * width);
      const b = fresh.subarray((i - from) * width, (i - from + 1) * width);
      for (let f = 0; f < width; f++) expect(a[f]).toBeCloseTo(b[f], 9);
    }
  });

  // v2's customer ranges also keep the sum of squared amounts: its slot layout differs from the baseline's
  it.each([baselineFeatureSpec, v2FeatureSpec])(
    'snapshots to a file and restores to a state that continues identically ($name)',
    async (spec) => {
      const columns = gridTransactions(2000, 11, { days: 60 });
      const half = 1200;
      const head = { ...columns, length: half };
      const reference = new OnlineFeatureState(spec);
      const expected = replayWithDelayedLabels(reference, columns);

      const state = new OnlineFeatureState(spec);
      replayWithDelayedLabels(state, head);
      const dir = mkdtempSync(join(tmpdir(), 'features-snapshot-'));
      try {
        const path = join(dir, 'state.bin');
        const bytes = await writeOnlineSnapshot(state, path);
        expect(bytes).toBeGreaterThan(1000);
        const restored = await readOnlineSnapshot(spec, path);
        expect(restored.stats()).toEqual(state.stats());
        // continue both: the restored state must give the reference's vectors, bit for bit
        const out = new Float64Array(restored.width);
        const labels = columns.txFraud as Uint8Array;
        let labelled = 0;
        // the labels replay recorded before the snapshot: those due by the last transaction consumed
        for (let i = 0; i < half - 1; i++)
          if (columns.txDatetime[i] + 7 * DAY <= columns.txDatetime[half - 1]) labelled = i + 1;
        for (let i = half; i < columns.length; i++) {
          while (labelled < i && columns.txDatetime[labelled] + 7 * DAY <= columns.txDatetime[i]) {
            restored.recordLabel(columns.transactionId[labelled], labels[labelled]);
            labelled++;
          }
          restored.processInto(
            columns.transactionId[i],
            columns.txDatetime[i],
            columns.customerId[i],
            columns.terminalId[i],
            columns.txAmount[i],
            out,
          );
          expect(Array.from(out)).toEqual(Array.from(expected.subarray(i * out.length, (i + 1) * out.length)));
        }
        // and a repeated id from before the snapshot is still recognised
        expect(
          restored.processInto(
            columns.transactionId[half - 1],
            columns.txDatetime[half - 1],
            columns.customerId[half - 1],
            columns.terminalId[half - 1],
            columns.txAmount[half - 1],
            out,
          ),
        ).toBe(false);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  );

  it('refuses a snapshot of another spec, or a damaged one', () => {
    const state = new OnlineFeatureState(baselineFeatureSpec);
    state.process(tx(1, 10));
    const bytes = encodeOnlineSnapshot(state);
    const other = validateFeatureSpec({
      name: 'amount',
      version: 1,
      features: [{ name: 'A', kind: 'raw', column: 'tx_amount' }],
    });
    expect(errorOf(() => decodeOnlineSnapshot(other, bytes)).message).toMatch(
      /snapshot was taken for feature spec hash/,
    );
    expect(errorOf(() => decodeOnlineSnapshot(baselineFeatureSpec, bytes.subarray(0, bytes.length - 16))).code).toBe(
      'INVALID_SNAPSHOT',
    );
    expect(errorOf(() => decodeOnlineSnapshot(baselineFeatureSpec, new Uint8Array(64))).message).toMatch(
      /missing the FOFSTATE header/,
    );
  });
});
