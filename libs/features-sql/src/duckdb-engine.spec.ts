import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { baselineFeatureSpec, computeFeatures, featureTableRows, FeaturesError } from '@fraudops/features';
import { HAND_EXPECTED, HAND_ROWS, T0 } from '@fraudops/features/testing';
import { DuckDbSqlEngine } from './duckdb-engine.js';

const iso = (seconds: number) => new Date((T0 + seconds) * 1000).toISOString();

/** HAND_ROWS as CSV text, with the time column written by `time`. */
function csv(header: string, time: (seconds: number) => string | number): string {
  return (
    [
      header,
      ...HAND_ROWS.map(([id, t, c, term, amount, fraud]) => `${id},${time(t)},${c},${term},${amount},${fraud}`),
    ].join('\n') + '\n'
  );
}

describe('DuckDbSqlEngine', () => {
  let engine: DuckDbSqlEngine;
  let dir: string;
  beforeAll(async () => {
    engine = await DuckDbSqlEngine.open({ threads: 1 });
    dir = mkdtempSync(join(tmpdir(), 'features-duckdb-'));
  });
  afterAll(async () => {
    await engine.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it.each([
    [
      'handbook column names, timestamps',
      'TRANSACTION_ID,TX_DATETIME,CUSTOMER_ID,TERMINAL_ID,TX_AMOUNT,TX_FRAUD',
      (t: number) => iso(t).replace('T', ' ').replace('.000Z', ''),
    ],
    ['ISO 8601 with a zone', 'transaction_id,tx_datetime,customer_id,terminal_id,tx_amount,tx_fraud', iso],
    ['epoch seconds', 'transaction_id,tx_datetime,customer_id,terminal_id,tx_amount,tx_fraud', (t: number) => T0 + t],
  ])('reads a CSV file (%s) and computes the hand-checked features', async (_label, header, time) => {
    const path = join(dir, `hand-${header.length}-${typeof time(0)}.csv`);
    writeFileSync(path, csv(header, time));
    const source = await engine.registerFile('hand_file', path);
    expect(source.labelled).toBe(true);
    const table = await computeFeatures(engine, baselineFeatureSpec, { source: 'hand_file', exact: true });
    expect(Array.from(table.txDatetime)).toEqual(HAND_ROWS.map((r) => T0 + r[1]));
    const rows = featureTableRows(table);
    expect(Array.from({ length: HAND_ROWS.length }, (_, r) => Array.from(rows.subarray(r * 15, r * 15 + 15)))).toEqual(
      HAND_EXPECTED,
    );
  });

  it('reads Parquet it wrote, and copies query results to Parquet and CSV in query order', async () => {
    const csvPath = join(dir, 'hand.csv');
    writeFileSync(csvPath, csv('transaction_id,tx_datetime,customer_id,terminal_id,tx_amount,tx_fraud', iso));
    await engine.registerFile('hand_csv', csvPath);
    const parquet = join(dir, 'hand.parquet');
    expect(await engine.copyToFile('SELECT * FROM hand_csv ORDER BY transaction_id DESC', parquet)).toBe(10);
    await engine.registerFile('hand_parquet', parquet);
    const back = await engine.query('SELECT transaction_id, tx_amount FROM hand_parquet');
    expect(Array.from(back.columns[0])).toEqual(HAND_ROWS.map((r) => r[0]).reverse());
    const table = await computeFeatures(engine, baselineFeatureSpec, { source: 'hand_parquet', exact: true });
    expect(table.columns?.[14][9]).toBeCloseTo(1 / 3, 15);
    let last = -1;
    expect(await engine.copyToFile('SELECT * FROM hand_parquet', join(dir, 'copy.csv'), (p) => (last = p))).toBe(10);
    expect(last).toBeLessThanOrEqual(100);
  });

  it('returns numbers in Float64Arrays, and NULLs and text in plain arrays', async () => {
    const result = await engine.query(
      'SELECT 1.5::DOUBLE AS a, CAST(? AS BIGINT) AS b, NULL::DOUBLE AS c, ? AS d, 2.25 AS e',
      [7, 'x'],
    );
    expect(result.columnNames).toEqual(['a', 'b', 'c', 'd', 'e']);
    expect(result.rowCount).toBe(1);
    expect(result.columns[0]).toBeInstanceOf(Float64Array);
    expect(Array.from(result.columns[1])).toEqual([7]);
    expect(result.columns[2]).toEqual([null]);
    expect(result.columns[3]).toEqual(['x']);
    expect(result.columns[4]).toEqual(['2.25']); // DECIMAL: exact, as text
  });

  it('names the missing columns of a file, and refuses unknown file types and missing files', async () => {
    const path = join(dir, 'partial.csv');
    writeFileSync(path, 'transaction_id,tx_datetime,tx_amount\n1,2018-04-01 00:00:00,3\n');
    const missing = await engine.registerFile('partial', path).catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(FeaturesError);
    expect((missing as FeaturesError).message).toBe(
      `${path}: missing column(s) customer_id, terminal_id (has: transaction_id, tx_datetime, tx_amount)`,
    );
    await expect(engine.registerFile('x', join(dir, 'data.json'))).rejects.toThrow(/unsupported file type "\.json"/);
    await expect(engine.registerFile('x', join(dir, 'nope.parquet'))).rejects.toThrow(/nope\.parquet: no such file/);
  });
});
