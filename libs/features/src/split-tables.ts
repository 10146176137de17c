import type { SplitWindows } from '@fraudops/transactions';
import { DAY_US } from './calendar.js';
import { FeaturesError } from './errors.js';
import type { FeaturePlan } from './plan.js';
import { compileFeatureSql } from './sql-compiler.js';
import { DIALECT_RULES, type SqlDialect } from './sql-dialect.js';

// Features as tables on a SQL engine: the compiled feature query materialised once over the days a split
// needs, and one view per window of the split — train, validation (early stopping) and test (without the
// cards already known to be compromised, the rule `knownCompromised` of @fraudops/transactions states).

/** Names of the feature table and its views. */
export interface SplitTableNames {
  table: string;
  train: string;
  validation?: string;
  test: string;
}

export function splitTableNames(table: string, withValidation: boolean): SplitTableNames {
  return {
    table,
    train: `${table}_train`,
    ...(withValidation ? { validation: `${table}_validation` } : {}),
    test: `${table}_test`,
  };
}

const PART = /^(?:[A-Za-z_][A-Za-z0-9_]*|`[^`]+`)$/;

/**
 * A table name of one to three parts (`catalog.schema.table`), refused otherwise (`INVALID_TABLE_NAME`): it is
 * spliced into SQL. `label` names it in the message (`--source-table`).
 */
export function checkTableName(name: string, label: string): string {
  const parts = name.split('.');
  if (parts.length > 3 || !parts.every((p) => PART.test(p))) {
    throw new FeaturesError(
      'INVALID_TABLE_NAME',
      `${label} must be a table name like main.fraud.transactions (letters, digits, _), got "${name}"`,
    );
  }
  return name;
}

/** The key columns every view carries, then the features in spec order. */
export const SPLIT_KEY_COLUMNS = [
  'transaction_id',
  'tx_time_us',
  'tx_datetime',
  'customer_id',
  'terminal_id',
  'amount',
  'day',
  'tx_fraud',
] as const;

export interface CompileSplitTablesOptions {
  /** The transactions relation (a table name); it needs the columns of `compileFeatureSql`'s source and tx_fraud. */
  source: string;
  tables: SplitTableNames;
  /** The rows read: tx_datetime in [fromUs, toUs), microseconds since the epoch. */
  fromUs: number;
  toUs: number;
  /** Midnight (UTC) of the source's day 0, in microseconds: `day` counts whole days from it. */
  dayZeroUs: number;
  windows: SplitWindows;
}

/**
 * The statements that build the feature table over [fromUs, toUs) and the split's views, in `dialect`:
 * `CREATE OR REPLACE TABLE` then one `CREATE OR REPLACE VIEW` per window. Run them in order.
 */
export function compileSplitTablesSql(
  plan: FeaturePlan,
  dialect: SqlDialect,
  options: CompileSplitTablesOptions,
): string[] {
  const rules = DIALECT_RULES[dialect];
  const { tables, windows } = options;
  const time = rules.epochMicros('CAST(tx_datetime AS TIMESTAMP)');
  const rows = `(SELECT * FROM ${options.source} WHERE ${time} >= ${options.fromUs} AND ${time} < ${options.toUs})`;
  const features = compileFeatureSql(plan, dialect, { source: `${rows} AS source_rows`, timeKey: 'epoch_micros' });
  const table = [
    `CREATE OR REPLACE TABLE ${tables.table} AS`,
    'SELECT',
    '  f.*,',
    `  ${rules.timestampFromMicros('f.tx_time_us')} AS tx_datetime,`,
    '  CAST(s.tx_amount AS DOUBLE) AS amount,',
    `  CAST(FLOOR((f.tx_time_us - ${options.dayZeroUs}) / ${DAY_US}) AS INT) AS day`,
    `FROM (\n${features.trimEnd()}\n) AS f`,
    `JOIN ${rows} AS s ON CAST(s.transaction_id AS BIGINT) = f.transaction_id`,
  ].join('\n');
  const columns = [...SPLIT_KEY_COLUMNS, ...plan.names].map((c) => `t.${rules.quoteIdentifier(c)}`).join(', ');
  const view = (name: string, [first, last]: [number, number]) =>
    `CREATE OR REPLACE VIEW ${name} AS SELECT ${columns} FROM ${tables.table} AS t WHERE t.day BETWEEN ${first} AND ${last}`;
  // knownCompromised (@fraudops/transactions): a card whose first fraud from the training start on is on a day
  // ≤ test day − delay − 1 is known compromised on that test day.
  const [testStart, testEnd] = windows.test;
  const test = [
    `CREATE OR REPLACE VIEW ${tables.test} AS SELECT ${columns} FROM ${tables.table} AS t`,
    'LEFT JOIN (',
    `  SELECT customer_id AS known_customer_id, MIN(day) AS first_fraud_day FROM ${tables.table}`,
    `  WHERE tx_fraud = 1 AND day BETWEEN ${windows.train[0]} AND ${testEnd} GROUP BY customer_id`,
    ') AS k ON k.known_customer_id = t.customer_id',
    `WHERE t.day BETWEEN ${testStart} AND ${testEnd} AND (k.first_fraud_day IS NULL OR k.first_fraud_day > t.day - ${windows.delayDays + 1})`,
  ].join('\n');
  return [
    table,
    view(tables.train, windows.train),
    ...(tables.validation && windows.validation ? [view(tables.validation, windows.validation)] : []),
    test,
  ];
}
