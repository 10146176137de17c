import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { baselineFeatureSpec, v2FeatureSpec } from './baseline.js';
import { compileFeatureSql } from './sql-compiler.js';
import { SQL_DIALECTS } from './sql-dialect.js';

/**
 * The committed golden files are the reviewed form of the baseline query (libs/features/golden/README.md).
 * A compiler change that alters them fails here; regenerate deliberately with FRAUDOPS_UPDATE_GOLDEN=1 and
 * review the diff against the Spark SQL reference before committing.
 */
const goldenDir = join(__dirname, '..', 'golden');

describe('compileFeatureSql golden files', () => {
  const cases = [baselineFeatureSpec, v2FeatureSpec].flatMap((spec) =>
    SQL_DIALECTS.map((dialect) => [spec.name, dialect, spec] as const),
  );
  it.each(cases)('the %s spec compiles to the committed %s golden file', (name, dialect, spec) => {
    const path = join(goldenDir, `${name}.${dialect}.sql`);
    const sql = compileFeatureSql(spec, dialect);
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
