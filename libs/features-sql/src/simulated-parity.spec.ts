import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { simulateTransactions, type SimulatedTransactions } from '@fraudops/transactions';
import {
  baselineFeatureSpec,
  compareFeatureRows,
  computeFeatures,
  featureNames,
  featureTableRows,
  OnlineFeatureState,
  replayWithDelayedLabels,
  v2FeatureSpec,
} from '@fraudops/features';
import { dayRange, runPandasReference } from '@fraudops/features/testing';
import { DuckDbSqlEngine, sqlString } from './duckdb-engine.js';

// The setup simulates the handbook's dataset and each case computes features for hundreds of thousands of rows:
// seconds on an idle machine, minutes on a loaded one, so each gets a 10-minute deadline rather than Jest's default.
const PARITY_TIMEOUT_MS = 10 * 60_000;

/**
 * Parity on the handbook's simulated dataset (the default simulation, bit-exact with the published one):
 * the SQL path, the online path fed every label as it becomes due, and the independent pandas reference.
 */
describe('parity on simulated data', () => {
  let data: SimulatedTransactions;
  let engine: DuckDbSqlEngine;
  let dir: string;

  beforeAll(async () => {
    data = simulateTransactions();
    engine = await DuckDbSqlEngine.open({ threads: 2 });
    dir = mkdtempSync(join(tmpdir(), 'features-parity-'));
  }, PARITY_TIMEOUT_MS);
  afterAll(async () => {
    await engine.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it(
    'SQL and online give identical vectors on a ≥ 300,000-row slice (days 60–99, longer than the 37-day state horizon)',
    async () => {
      const slice = dayRange(data, data.metadata.startEpochSeconds, 60, 99);
      expect(slice.length).toBeGreaterThanOrEqual(300_000);
      await engine.registerTransactions('slice', slice);
      const table = await computeFeatures(engine, baselineFeatureSpec, { source: 'slice', exact: true });
      expect(table.rowCount).toBe(slice.length);
      expect(Array.from(table.transactionId.subarray(0, 5))).toEqual(Array.from(slice.transactionId.subarray(0, 5)));

      const online = replayWithDelayedLabels(new OnlineFeatureState(baselineFeatureSpec), slice);
      const report = compareFeatureRows(baselineFeatureSpec, featureTableRows(table), online, table.transactionId);
      expect(report.firstMismatch).toBeUndefined();
      expect(report.mismatches).toBe(0);
      expect(report.maxRelativeError).toBeLessThanOrEqual(1e-9);
      // the slice exercises what matters: frauds reach the terminal risks, windows hold many transactions
      const risk30 = table.columns?.[14] ?? new Float64Array();
      expect(risk30.some((v) => v > 0 && v < 1)).toBe(true);
      expect((table.columns?.[7] ?? new Float64Array()).reduce((a, b) => Math.max(a, b), 0)).toBeGreaterThan(100);
    },
    PARITY_TIMEOUT_MS,
  );

  it('v2: SQL and online agree on the same slice (amount to mean, z-scores within 1e-9, hours since the previous transaction exactly)', async () => {
    const slice = dayRange(data, data.metadata.startEpochSeconds, 60, 99);
    await engine.registerTransactions('slice_v2', slice);
    const table = await computeFeatures(engine, v2FeatureSpec, { source: 'slice_v2', exact: true });
    const online = replayWithDelayedLabels(new OnlineFeatureState(v2FeatureSpec), slice);
    const report = compareFeatureRows(v2FeatureSpec, featureTableRows(table), online, table.transactionId);
    expect(report.firstMismatch).toBeUndefined();
    expect(report.mismatches).toBe(0);
    expect(report.maxRelativeError).toBeLessThanOrEqual(1e-9);
    // the slice exercises the new features: spreads, capped and uncapped recencies
    const names = featureNames(v2FeatureSpec);
    const column = (name: string) => table.columns?.[names.indexOf(name)] ?? new Float64Array();
    const zscores = column('CUSTOMER_ID_AMOUNT_ZSCORE_30DAY_WINDOW');
    expect(zscores.some((v) => v > 2)).toBe(true);
    expect(zscores.some((v) => v < -1)).toBe(true);
    const hours = column('CUSTOMER_ID_HOURS_SINCE_PREVIOUS_TX');
    expect(hours.some((v) => v === 720)).toBe(true);
    expect(hours.some((v) => v > 0 && v < 1)).toBe(true);
    // version 2's entries: the card's 7-day maximum reaches compromised (×5) amounts, both terminal risks see frauds
    expect(column('CUSTOMER_ID_MAX_AMOUNT_7DAY_WINDOW').some((v) => v > 220)).toBe(true);
    expect(column('TERMINAL_ID_RISK_21DAY_WINDOW').some((v) => v > 0 && v < 1)).toBe(true);
    expect(column('TERMINAL_ID_RISK_7DAY_WINDOW_28DAY_DELAY').some((v) => v > 0)).toBe(true);
  }, 300_000); // two 300,000-row feature computations; minutes on a loaded 2-core machine

  it(
    'the pandas reference (handbook rolling windows) agrees with both paths on days 100–114',
    async () => {
      const slice = dayRange(data, data.metadata.startEpochSeconds, 100, 114);
      await engine.registerTransactions('pandas_slice', slice);
      const csv = join(dir, 'slice.csv');
      await engine.execute(
        `COPY (SELECT * FROM pandas_slice ORDER BY tx_datetime, transaction_id) TO ${sqlString(csv)} (FORMAT csv, HEADER true)`,
      );
      const reference = await runPandasReference({ input: csv });
      expect(reference.names).toEqual(baselineFeatureSpec.features.map((f) => f.name));
      expect(reference.rows).toBe(slice.length);
      expect(Array.from(reference.transactionId)).toEqual(Array.from(slice.transactionId));

      const table = await computeFeatures(engine, baselineFeatureSpec, { source: 'pandas_slice', exact: true });
      const sql = compareFeatureRows(
        baselineFeatureSpec,
        featureTableRows(table),
        reference.values,
        table.transactionId,
      );
      expect(sql.firstMismatch).toBeUndefined();
      const online = replayWithDelayedLabels(new OnlineFeatureState(baselineFeatureSpec), slice);
      const live = compareFeatureRows(baselineFeatureSpec, online, reference.values, slice.transactionId);
      expect(live.firstMismatch).toBeUndefined();
      expect(live.rows).toBeGreaterThan(100_000);
    },
    PARITY_TIMEOUT_MS,
  );
});
