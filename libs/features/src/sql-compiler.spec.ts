import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { baselineFeatureSpec } from './baseline.js';
import { compileFeatureSql } from './sql-compiler.js';
import { SQL_DIALECTS } from './sql-dialect.js';

/**
 * The committed golden files are the reviewed form of the baseline query (libs/features/golden/README.md).
 * A compiler change that alters them fails here; regenerate deliberately with FRAUDOPS_UPDATE_GOLDEN=1 and
 * review the diff against the Spark SQL reference before committing.
 */
const goldenDir = join(__dirname, '..', 'golden');

describe('compileFeatureSql golden files', () => {
  it.each(SQL_DIALECTS)('the baseline spec compiles to the committed %s golden file', (dialect) => {
    const path = join(goldenDir, `baseline.${dialect}.sql`);
    const sql = compileFeatureSql(baselineFeatureSpec, dialect);
    if (process.env['FRAUDOPS_UPDATE_GOLDEN'] === '1') writeFileSync(path, sql);
    expect(existsSync(path)).toBe(true);
    expect(sql).toBe(readFileSync(path, 'utf8'));
  });

  it('the Spark form uses the Spark functions and backquoted feature names', () => {
    const spark = readFileSync(join(goldenDir, 'baseline.spark.sql'), 'utf8');
    expect(spark).toContain('unix_micros(CAST(tx_datetime AS TIMESTAMP)) AS tx_time_us');
    expect(spark).toContain('timestamp_micros(tx_time_us) AS tx_datetime');
    expect(spark).toContain('AS `TERMINAL_ID_RISK_30DAY_WINDOW`');
    expect(spark).toContain('RANGE BETWEEN 3196799999999 PRECEDING AND 604800000000 PRECEDING');
    const code = spark
      .split('\n')
      .filter((line) => !line.trimStart().startsWith('--'))
      .join('\n');
    expect(code).not.toMatch(/epoch_us|make_timestamp|\/\/|"/);
  });
});
