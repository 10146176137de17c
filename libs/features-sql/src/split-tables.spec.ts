import { resolveSimulationParams, simulateTransactions, splitWindows, timeSplit } from '@fraudops/transactions';
import { baselineFeatureSpec, compileSplitTablesSql, DAY_US, planFeatures, splitTableNames } from '@fraudops/features';
import { DuckDbSqlEngine } from './duckdb-engine.js';

/**
 * The split tables' DuckDB form run on simulated data: its views must hold exactly the rows of `timeSplit`
 * (@fraudops/transactions owns the split rules; the SQL states them again for a warehouse). The compiled SQL
 * itself is checked against golden files in @fraudops/features (src/split-tables.spec.ts).
 */
const plan = planFeatures(baselineFeatureSpec);

describe('the split tables on DuckDB', () => {
  let engine: DuckDbSqlEngine;
  beforeAll(async () => {
    engine = await DuckDbSqlEngine.open({ threads: 2 });
  });
  afterAll(async () => {
    await engine.close();
  });

  it('hold exactly the rows of timeSplit: train, validation, and test without known-compromised cards', async () => {
    const columns = simulateTransactions(resolveSimulationParams({ customers: 300, terminals: 600, days: 60 }));
    await engine.registerTransactions('transactions', columns);
    const windows = splitWindows({ trainStart: 20, trainDays: 14, delayDays: 7, testDays: 14, validationDays: 3 });
    const dayZeroUs = 1_522_540_800_000_000; // the simulator's default start, 2018-04-01
    const statements = compileSplitTablesSql(plan, 'duckdb', {
      source: 'transactions',
      tables: splitTableNames('features', true),
      fromUs: dayZeroUs,
      toUs: dayZeroUs + 60 * DAY_US,
      dayZeroUs,
      windows,
    });
    for (const statement of statements) await engine.execute(statement);
    const ids = async (view: string) => {
      const result = await engine.query(`SELECT transaction_id FROM ${view} ORDER BY transaction_id`);
      return Array.from(result.columns[0], Number);
    };
    const split = timeSplit(columns, {
      trainStart: 20,
      trainDays: 14,
      delayDays: 7,
      testDays: 14,
      startDate: '2018-04-01',
    });
    const idsOf = (rows: ArrayLike<number>, keep: (day: number) => boolean) =>
      Array.from(rows)
        .filter((row) => keep(Math.floor((columns.txDatetime[row] * 1e6 - dayZeroUs) / DAY_US)))
        .map((row) => columns.transactionId[row])
        .sort((a, b) => a - b);
    const validation = windows.validation as [number, number];
    const expectedTest = idsOf(split.test, () => true);
    expect(expectedTest.length).toBeGreaterThan(1000);
    expect(expectedTest.length).toBeLessThan(
      idsOf(
        Array.from({ length: columns.length }, (_, i) => i),
        (d) => d >= 41 && d <= 54,
      ).length,
    );
    expect(await ids('features_train')).toEqual(idsOf(split.train, (d) => d <= windows.train[1]));
    expect(await ids('features_validation')).toEqual(idsOf(split.train, (d) => d >= validation[0]));
    expect(await ids('features_test')).toEqual(expectedTest);
  });
});
