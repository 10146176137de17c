import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { simulateTransactions, type SimulatedTransactions } from '@fraudops/transactions';
import { baselineFeatureSpec } from './baseline.js';
import { DuckDbSqlEngine, sqlString } from './duckdb-engine.js';
import { computeFeatures } from './offline.js';
import { OnlineFeatureState } from './online.js';
import { runPandasReference } from './pandas-reference.js';
import { compareFeatureRows, featureTableRows } from './parity.js';
import { replayWithDelayedLabels } from './replay.js';
import { dayRange } from './testing/transactions.js';

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
  });
  afterAll(async () => {
    await engine.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('SQL and online give identical vectors on a ≥ 300,000-row slice (days 60–99, longer than the 37-day state horizon)', async () => {
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
  });

  it('the pandas reference (handbook rolling windows) agrees with both paths on days 100–114', async () => {
    const slice = dayRange(data, data.metadata.startEpochSeconds, 100, 114);
    await engine.registerTransactions('pandas_slice', slice);
    const csv = join(dir, 'slice.csv');
    await engine.execute(`COPY (SELECT * FROM pandas_slice ORDER BY tx_datetime, transaction_id) TO ${sqlString(csv)} (FORMAT csv, HEADER true)`);
    const reference = await runPandasReference({ input: csv });
    expect(reference.names).toEqual(baselineFeatureSpec.features.map((f) => f.name));
    expect(reference.rows).toBe(slice.length);
    expect(Array.from(reference.transactionId)).toEqual(Array.from(slice.transactionId));

    const table = await computeFeatures(engine, baselineFeatureSpec, { source: 'pandas_slice', exact: true });
    const sql = compareFeatureRows(baselineFeatureSpec, featureTableRows(table), reference.values, table.transactionId);
    expect(sql.firstMismatch).toBeUndefined();
    const online = replayWithDelayedLabels(new OnlineFeatureState(baselineFeatureSpec), slice);
    const live = compareFeatureRows(baselineFeatureSpec, online, reference.values, slice.transactionId);
    expect(live.firstMismatch).toBeUndefined();
    expect(live.rows).toBeGreaterThan(100_000);
  });
});
