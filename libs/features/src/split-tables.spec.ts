import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { splitWindows } from '@fraudops/transactions';
import { baselineFeatureSpec } from './baseline.js';
import { planFeatures } from './plan.js';
import { checkTableName, compileSplitTablesSql, splitTableNames } from './split-tables.js';
import { SQL_DIALECTS } from './sql-dialect.js';

/**
 * The split tables' SQL: golden files for both dialects (libs/features/golden/README.md; regenerate with
 * FRAUDOPS_UPDATE_GOLDEN=1). The DuckDB form runs on simulated data in @fraudops/features-sql
 * (src/split-tables.spec.ts), which owns the embedded engine.
 */
const goldenDir = join(__dirname, '..', 'golden');
const plan = planFeatures(baselineFeatureSpec);
const HANDBOOK = splitWindows({ trainStart: 115, trainDays: 7, delayDays: 7, testDays: 7, validationDays: 1 });

describe('compileSplitTablesSql golden files', () => {
  it.each(SQL_DIALECTS)('the handbook split compiles to the committed %s golden file', (dialect) => {
    const path = join(goldenDir, `split-tables.${dialect}.sql`);
    const statements = compileSplitTablesSql(plan, dialect, {
      source: 'main.fraud.transactions',
      tables: splitTableNames('main.fraud.features', true),
      fromUs: 1_529_020_800_000_000,
      toUs: 1_534_291_200_000_000,
      dayZeroUs: 1_522_540_800_000_000,
      windows: HANDBOOK,
    });
    const sql = `${statements.join(';\n\n')};\n`;
    if (process.env['FRAUDOPS_UPDATE_GOLDEN'] === '1') writeFileSync(path, sql);
    expect(existsSync(path)).toBe(true);
    expect(sql).toBe(readFileSync(path, 'utf8'));
  });

  it('builds the feature table and three views, excluding known-compromised cards from the test days', () => {
    const statements = compileSplitTablesSql(plan, 'spark', {
      source: 'main.fraud.tx',
      tables: splitTableNames('main.fraud.f', true),
      fromUs: 1,
      toUs: 2,
      dayZeroUs: 0,
      windows: HANDBOOK,
    });
    expect(statements.map((s) => s.split('\n')[0].replace(/ AS( .*)?$/, ''))).toEqual([
      'CREATE OR REPLACE TABLE main.fraud.f',
      'CREATE OR REPLACE VIEW main.fraud.f_train',
      'CREATE OR REPLACE VIEW main.fraud.f_validation',
      'CREATE OR REPLACE VIEW main.fraud.f_test',
    ]);
    expect(statements[1]).toContain('WHERE t.day BETWEEN 115 AND 120');
    expect(statements[3]).toContain('WHERE tx_fraud = 1 AND day BETWEEN 115 AND 135 GROUP BY customer_id');
    expect(statements[3]).toContain(
      'WHERE t.day BETWEEN 129 AND 135 AND (k.first_fraud_day IS NULL OR k.first_fraud_day > t.day - 8)',
    );
    expect(statements[3]).toContain('t.`amount`, t.`day`, t.`tx_fraud`, t.`TX_AMOUNT`');
  });

  it('splices only plain table names into SQL', () => {
    expect(checkTableName('main.fraud.transactions', '--source-table')).toBe('main.fraud.transactions');
    expect(() => checkTableName('x; DROP TABLE y', '--source-table')).toThrow('--source-table must be a table name');
    expect(() => checkTableName('a.b.c.d', '--feature-table')).toThrow(
      expect.objectContaining({ code: 'INVALID_TABLE_NAME' }),
    );
  });
});
