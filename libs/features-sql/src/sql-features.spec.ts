import {
  baselineFeatureSpec,
  compareFeatureRows,
  compileFeatureSql,
  computeFeatures,
  featureTableRows,
  FeaturesError,
  OnlineFeatureState,
  replayWithDelayedLabels,
  v2FeatureSpec,
  validateFeatureSpec,
  type FeatureSpec,
} from '@fraudops/features';
import { columnsFrom, gridTransactions, HAND_EXPECTED, HAND_ROWS } from '@fraudops/features/testing';
import { DuckDbSqlEngine } from './duckdb-engine.js';

/** The baseline plus one of every other kind of entry: a 3-day window, sum, max, a delayed customer ratio. */
const extendedSpec: FeatureSpec = validateFeatureSpec({
  name: 'extended',
  version: 1,
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
      name: 'CUSTOMER_ID_SUM_AMOUNT_7DAY_WINDOW',
      kind: 'window',
      entity: 'customer',
      windowDays: 7,
      delayDays: 0,
      aggregate: 'sum',
    },
    {
      name: 'CUSTOMER_ID_MAX_AMOUNT_7DAY_WINDOW',
      kind: 'window',
      entity: 'customer',
      windowDays: 7,
      delayDays: 0,
      aggregate: 'max',
    },
    {
      name: 'CUSTOMER_ID_RISK_14DAY_WINDOW',
      kind: 'window',
      entity: 'customer',
      windowDays: 14,
      delayDays: 3,
      aggregate: 'fraud_ratio',
    },
    {
      name: 'TERMINAL_ID_MAX_AMOUNT_2DAY_WINDOW',
      kind: 'window',
      entity: 'terminal',
      windowDays: 2,
      delayDays: 1,
      aggregate: 'max',
    },
    {
      name: 'TERMINAL_ID_AVG_AMOUNT_2DAY_WINDOW',
      kind: 'window',
      entity: 'terminal',
      windowDays: 2,
      delayDays: 1,
      aggregate: 'mean',
    },
    { name: 'TX_DURING_LUNCH', kind: 'calendar', part: 'hour', min: 12, max: 13 },
  ],
});

describe('SQL features on DuckDB', () => {
  let engine: DuckDbSqlEngine;
  beforeAll(async () => {
    engine = await DuckDbSqlEngine.open({ threads: 2 });
  });
  afterAll(async () => {
    await engine.close();
  });

  it('gives the hand-computed vectors: window edges at exactly w days, same-second ties, no history, 0/0 risk', async () => {
    await engine.registerTransactions('hand', columnsFrom(HAND_ROWS));
    const table = await computeFeatures(engine, baselineFeatureSpec, { source: 'hand', exact: true });
    expect(table.rowCount).toBe(HAND_ROWS.length);
    expect(Array.from(table.transactionId)).toEqual(HAND_ROWS.map((r) => r[0]));
    expect(Array.from(table.label ?? [])).toEqual(HAND_ROWS.map((r) => r[5]));
    const rows = HAND_ROWS.map((_, r) => (table.columns ?? []).map((column) => column[r]));
    expect(rows).toEqual(HAND_EXPECTED);
    expect(table.matrix).toMatchObject({ rows: 10, cols: 15 });
    expect(Array.from(table.matrix.values.subarray(9 * 15, 10 * 15))).toEqual(HAND_EXPECTED[9].map(Math.fround));
  });

  it('orders same-second transactions by transaction_id whatever the table order', async () => {
    const shuffled = [...HAND_ROWS].reverse();
    await engine.registerTransactions('hand_reversed', columnsFrom(shuffled));
    const table = await computeFeatures(engine, baselineFeatureSpec, { source: 'hand_reversed', exact: true });
    expect(Array.from(table.transactionId)).toEqual(HAND_ROWS.map((r) => r[0]));
    expect(HAND_ROWS.map((_, r) => (table.columns ?? []).map((column) => column[r]))).toEqual(HAND_EXPECTED);
  });

  it('equals the online path on dense synthetic data for every kind of entry (3-day window, sum, max, delayed ratios)', async () => {
    const columns = gridTransactions(4000, 3, { days: 60 });
    await engine.registerTransactions('grid', columns);
    const table = await computeFeatures(engine, extendedSpec, { source: 'grid', exact: true });
    const online = replayWithDelayedLabels(new OnlineFeatureState(extendedSpec), columns);
    const report = compareFeatureRows(extendedSpec, featureTableRows(table), online, table.transactionId);
    expect(report.firstMismatch).toBeUndefined();
    expect(report).toMatchObject({ rows: 4000, values: 4000 * 22, mismatches: 0 });
  });

  it('computes the v2 features as their definition says (a brute-force reference over every earlier row)', async () => {
    const columns = gridTransactions(1500, 11, { customers: 20, days: 50 });
    await engine.registerTransactions('grid_v2', columns);
    const table = await computeFeatures(engine, v2FeatureSpec, { source: 'grid_v2', exact: true });
    expect(table.names.slice(0, 15)).toEqual(baselineFeatureSpec.features.map((f) => f.name));
    const column = (name: string) => (table.columns ?? [])[table.names.indexOf(name)];
    const n = columns.length;
    let compared = 0;
    let nonZeroScores = 0;
    let nonZeroRisks = 0;
    // gridTransactions are in (time, id) order already, so "earlier or the same row" is j <= i.
    for (let i = 0; i < n; i++) {
      const t = columns.txDatetime[i];
      const amount = columns.txAmount[i];
      for (const w of [1, 7, 30]) {
        let count = 0;
        let sum = 0;
        let squares = 0;
        for (let j = 0; j <= i; j++) {
          if (columns.customerId[j] !== columns.customerId[i] || !(columns.txDatetime[j] > t - w * 86400)) continue;
          count++;
          sum += columns.txAmount[j];
          squares += columns.txAmount[j] ** 2;
        }
        const mean = sum / count;
        const variance = squares / count - mean * mean;
        const ratio = sum === 0 ? 0 : amount / mean;
        const zscore = count < 2 || variance <= 1e-9 * mean * mean ? 0 : (amount - mean) / Math.sqrt(variance);
        const close = (a: number, b: number) => Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(a), Math.abs(b));
        const gotRatio = column(`CUSTOMER_ID_AMOUNT_TO_MEAN_${w}DAY_WINDOW`)[i];
        const gotScore = column(`CUSTOMER_ID_AMOUNT_ZSCORE_${w}DAY_WINDOW`)[i];
        if (!close(gotRatio, ratio) || !close(gotScore, zscore)) {
          throw new Error(`row ${i}, ${w} days: ratio ${gotRatio} vs ${ratio}, z-score ${gotScore} vs ${zscore}`);
        }
        if (zscore !== 0) nonZeroScores++;
        compared += 2;
      }
      let previous = -1;
      for (let j = i - 1; j >= 0 && previous < 0; j--)
        if (columns.customerId[j] === columns.customerId[i]) previous = j;
      const hours =
        previous < 0 || t - columns.txDatetime[previous] >= 30 * 86400
          ? 720
          : (t - columns.txDatetime[previous]) / 3600;
      expect(column('CUSTOMER_ID_HOURS_SINCE_PREVIOUS_TX')[i]).toBe(hours);
      let max = 0;
      for (let j = 0; j <= i; j++)
        if (columns.customerId[j] === columns.customerId[i] && columns.txDatetime[j] > t - 7 * 86400)
          max = Math.max(max, columns.txAmount[j]);
      expect(column('CUSTOMER_ID_MAX_AMOUNT_7DAY_WINDOW')[i]).toBe(max);
      // terminal risks: frauds / transactions of the terminal in (t − (D + w) days, t − D days]
      for (const [name, w, d] of [
        ['TERMINAL_ID_RISK_21DAY_WINDOW', 21, 7],
        ['TERMINAL_ID_RISK_7DAY_WINDOW_28DAY_DELAY', 7, 28],
      ] as const) {
        let count = 0;
        let frauds = 0;
        for (let j = 0; j < i; j++) {
          const x = columns.txDatetime[j];
          if (columns.terminalId[j] !== columns.terminalId[i] || x <= t - (d + w) * 86400 || x > t - d * 86400)
            continue;
          count++;
          frauds += columns.txFraud?.[j] ?? 0;
        }
        if (frauds > 0) nonZeroRisks++;
        expect(column(name)[i]).toBe(count === 0 ? 0 : frauds / count);
      }
    }
    expect(compared).toBe(1500 * 6);
    expect(nonZeroRisks).toBeGreaterThan(1500);
    expect(nonZeroScores).toBeGreaterThan(1500 * 2);
  });

  it('refuses fraud-ratio features on unlabelled data, naming them', async () => {
    await engine.registerTransactions('unlabelled', columnsFrom(HAND_ROWS, false));
    await expect(
      computeFeatures(engine, baselineFeatureSpec, { source: 'unlabelled', labelled: false }),
    ).rejects.toThrow(
      /needs fraud labels \(tx_fraud\) for TERMINAL_ID_RISK_1DAY_WINDOW, TERMINAL_ID_RISK_7DAY_WINDOW, TERMINAL_ID_RISK_30DAY_WINDOW/,
    );
    const noRisk = validateFeatureSpec({
      name: 'no-risk',
      version: 1,
      features: baselineFeatureSpec.features.filter((f) => f.kind !== 'window' || f.aggregate !== 'fraud_ratio'),
    });
    const table = await computeFeatures(engine, noRisk, { source: 'unlabelled', labelled: false });
    expect(table.label).toBeUndefined();
    expect(table.matrix.cols).toBe(12);
  });

  it('reports SQL failures as SQL_FAILED', async () => {
    const failure = await computeFeatures(engine, baselineFeatureSpec, { source: 'no_such_table' }).catch(
      (e: unknown) => e,
    );
    expect(failure).toBeInstanceOf(FeaturesError);
    expect((failure as FeaturesError).code).toBe('SQL_FAILED');
    expect((failure as FeaturesError).message).toMatch(/no_such_table/);
  });

  it.each([baselineFeatureSpec, v2FeatureSpec])(
    'compiles the same plan for Spark SQL, differing only where the dialect table says ($name)',
    (spec) => {
      const duck = compileFeatureSql(spec, 'duckdb');
      const spark = compileFeatureSql(spec, 'spark');
      const normalise = (sql: string) =>
        sql
          .replace(/epoch_us|unix_micros/g, 'EPOCH_US')
          .replace(/make_timestamp|timestamp_micros/g, 'FROM_US')
          .replace(/ \/\/ | DIV /g, ' IDIV ')
          .replace(/["`]/g, '')
          .replace(/dialect \w+/, 'dialect X');
      expect(normalise(spark)).toBe(normalise(duck));
    },
  );
});
