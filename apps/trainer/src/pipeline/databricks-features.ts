import { createHash } from 'node:crypto';
import { compileFeatureSql, DAY_US, type FeaturePlan } from '@fraudops/features';
import { CliError, ExitCode } from '@fraudops/cli';
import type { PeriodSummary } from './publish.js';
import type { SplitOptions } from './split.js';

// Features on a SQL warehouse: the Spark SQL compilation of the feature spec becomes one feature table over
// the days a split needs, and three views over it — train, validation (early stopping) and test (with the
// handbook's exclusion of cards already known to be compromised). The training job reads the views (or CSV
// exports of them); the launcher reads the test view back to evaluate and gate on the very same vectors.

/** What the warehouse engine must do here (DatabricksSqlEngine matches it; so does any Spark-dialect engine). */
export interface WarehouseEngine {
  readonly dialect: 'spark';
  query(sql: string): Promise<{ columnNames: readonly string[]; columns: ReadonlyArray<ArrayLike<unknown>>; rowCount: number }>;
}

const PART = /^(?:[A-Za-z_][A-Za-z0-9_]*|`[^`]+`)$/;

/** A table name of one to three parts (`catalog.schema.table`), refused otherwise: it is spliced into SQL. */
export function checkTableName(name: string, flag: string): string {
  const parts = name.split('.');
  if (parts.length > 3 || !parts.every((p) => PART.test(p))) {
    throw new CliError(`${flag} must be a table name like main.fraud.transactions (letters, digits, _), got "${name}"`, ExitCode.usage);
  }
  return name;
}

/** Day indices of a split (inclusive), counted from the source's day 0. */
export interface SplitDays {
  train: [number, number];
  validation?: [number, number];
  test: [number, number];
  delayDays: number;
}

/** `--train-start` and the window lengths → day indices, as the local split does (`prepareSplit`). */
export function splitDaysOf(split: SplitOptions, dayZero: string): SplitDays {
  const trainStart =
    typeof split.trainStart === 'number' ? split.trainStart : Math.round((Date.parse(`${split.trainStart}T00:00:00Z`) - Date.parse(`${dayZero}T00:00:00Z`)) / 86_400_000);
  if (!Number.isInteger(split.validationDays) || split.validationDays < 0 || split.validationDays >= split.trainDays) {
    throw new CliError(`--validation-days must be an integer from 0 to ${split.trainDays - 1} (fewer than --train-days), got ${split.validationDays}`, ExitCode.usage);
  }
  const trainEnd = trainStart + split.trainDays - 1;
  const testStart = trainEnd + split.delayDays + 1;
  const fitEnd = trainEnd - split.validationDays;
  return {
    train: [trainStart, fitEnd],
    ...(split.validationDays > 0 ? { validation: [fitEnd + 1, trainEnd] as [number, number] } : {}),
    test: [testStart, testStart + split.testDays - 1],
    delayDays: split.delayDays,
  };
}

export function dayToDate(dayZero: string, day: number): string {
  return new Date(Date.parse(`${dayZero}T00:00:00Z`) + day * 86_400_000).toISOString().slice(0, 10);
}

/** Names of the feature table and its views. */
export interface FeatureTables {
  table: string;
  train: string;
  validation?: string;
  test: string;
}

export function featureTablesFor(table: string, withValidation: boolean): FeatureTables {
  return { table, train: `${table}_train`, ...(withValidation ? { validation: `${table}_validation` } : {}), test: `${table}_test` };
}

/**
 * The default feature table: beside the source (same catalog and schema), named after a digest of what it
 * holds, so the same inputs reuse (and overwrite) one table and different inputs never collide.
 */
export function defaultFeatureTable(sourceTable: string, key: unknown): string {
  const digest = createHash('sha256').update(JSON.stringify(key)).digest('hex').slice(0, 10);
  const parts = sourceTable.split('.');
  return [...parts.slice(0, -1), `fraudops_features_${digest}`].join('.');
}

const quote = (name: string) => `\`${name.replace(/`/g, '``')}\``;

/** The key columns every view carries, then the features in spec order. */
export const KEY_COLUMNS = ['transaction_id', 'tx_time_us', 'tx_datetime', 'customer_id', 'terminal_id', 'amount', 'day', 'tx_fraud'] as const;

/** Statements that build the feature table over [fromUs, toUs) and the split views (Spark SQL). */
export function featureTableStatements(
  plan: FeaturePlan,
  source: string,
  tables: FeatureTables,
  window: { fromUs: number; toUs: number; dayZeroUs: number },
  days: SplitDays,
): string[] {
  const rows = `(SELECT * FROM ${source} WHERE unix_micros(CAST(tx_datetime AS TIMESTAMP)) >= ${window.fromUs} AND unix_micros(CAST(tx_datetime AS TIMESTAMP)) < ${window.toUs})`;
  const features = compileFeatureSql(plan, 'spark', { source: `${rows} AS source_rows`, timeKey: 'epoch_micros' });
  const table = [
    `CREATE OR REPLACE TABLE ${tables.table} AS`,
    'SELECT',
    '  f.*,',
    '  timestamp_micros(f.tx_time_us) AS tx_datetime,',
    '  CAST(s.tx_amount AS DOUBLE) AS amount,',
    `  CAST(FLOOR((f.tx_time_us - ${window.dayZeroUs}) / ${DAY_US}) AS INT) AS day`,
    `FROM (\n${features.trimEnd()}\n) AS f`,
    `JOIN ${rows} AS s ON CAST(s.transaction_id AS BIGINT) = f.transaction_id`,
  ].join('\n');
  const columns = [...KEY_COLUMNS, ...plan.names].map((c) => `t.${quote(c)}`).join(', ');
  const view = (name: string, [first, last]: [number, number]) =>
    `CREATE OR REPLACE VIEW ${name} AS SELECT ${columns} FROM ${tables.table} AS t WHERE t.day BETWEEN ${first} AND ${last}`;
  // The handbook's rule: a card with a fraud on a day from the training start up to (test day − delay − 1)
  // is known compromised on that test day (it would be blocked), so its transactions leave the test set.
  const [testStart, testEnd] = days.test;
  const test = [
    `CREATE OR REPLACE VIEW ${tables.test} AS SELECT ${columns} FROM ${tables.table} AS t`,
    'LEFT JOIN (',
    `  SELECT customer_id AS known_customer_id, MIN(day) AS first_fraud_day FROM ${tables.table}`,
    `  WHERE tx_fraud = 1 AND day BETWEEN ${days.train[0]} AND ${testEnd} GROUP BY customer_id`,
    ') AS k ON k.known_customer_id = t.customer_id',
    `WHERE t.day BETWEEN ${testStart} AND ${testEnd} AND (k.first_fraud_day IS NULL OR k.first_fraud_day > t.day - ${days.delayDays + 1})`,
  ].join('\n');
  return [
    table,
    view(tables.train, days.train),
    ...(tables.validation && days.validation ? [view(tables.validation, days.validation)] : []),
    test,
  ];
}

function numberAt(result: { columnNames: readonly string[]; columns: ReadonlyArray<ArrayLike<unknown>> }, name: string, row = 0): number {
  const index = result.columnNames.findIndex((n) => n.toLowerCase() === name);
  const value = index >= 0 ? result.columns[index][row] : undefined;
  if (value === null || value === undefined) return Number.NaN;
  return Number(value);
}

/** The source's first day and a digest of the rows a launch reads (integer sums: the same on any engine). */
export interface SourceSummary {
  dayZero: string;
  dayZeroUs: number;
  rows: number;
  fingerprint: string;
}

export async function summariseSource(engine: WarehouseEngine, source: string, window?: { fromUs: number; toUs: number }): Promise<SourceSummary> {
  const first = await engine.query(`SELECT unix_micros(MIN(CAST(tx_datetime AS TIMESTAMP))) AS first_us, COUNT(*) AS row_count FROM ${source}`);
  const firstUs = numberAt(first, 'first_us');
  if (!(numberAt(first, 'row_count') > 0) || !Number.isFinite(firstUs)) {
    throw new CliError(`${source} has no transactions`, ExitCode.invalidData);
  }
  const dayZeroUs = Math.floor(firstUs / DAY_US) * DAY_US;
  const where = window
    ? ` WHERE unix_micros(CAST(tx_datetime AS TIMESTAMP)) >= ${window.fromUs} AND unix_micros(CAST(tx_datetime AS TIMESTAMP)) < ${window.toUs}`
    : '';
  const summary = await engine.query(
    'SELECT COUNT(*) AS row_count, SUM(CAST(transaction_id AS BIGINT)) AS id_sum, SUM(CAST(customer_id AS BIGINT)) AS customer_sum, ' +
      'SUM(CAST(ROUND(CAST(tx_amount AS DOUBLE) * 100) AS BIGINT)) AS amount_cents, SUM(CAST(tx_fraud AS BIGINT)) AS frauds, ' +
      'MIN(unix_micros(CAST(tx_datetime AS TIMESTAMP))) AS first_us, MAX(unix_micros(CAST(tx_datetime AS TIMESTAMP))) AS last_us ' +
      `FROM ${source}${where}`,
  );
  const digest: Record<string, string> = { source };
  for (const name of summary.columnNames) {
    const index = summary.columnNames.indexOf(name);
    digest[name.toLowerCase()] = String(summary.columns[index][0]);
  }
  return {
    dayZero: new Date(dayZeroUs / 1000).toISOString().slice(0, 10),
    dayZeroUs,
    rows: numberAt(summary, 'row_count'),
    fingerprint: createHash('sha256').update(JSON.stringify(digest)).digest('hex'),
  };
}

/** Rows and frauds of each view; a window without both classes stops the launch (as the local split does). */
export async function countWindows(engine: WarehouseEngine, tables: FeatureTables, days: SplitDays, dayZero: string): Promise<Record<'train' | 'validation' | 'test', PeriodSummary | undefined>> {
  const windows: Array<['train' | 'validation' | 'test', string | undefined, [number, number] | undefined]> = [
    ['train', tables.train, days.train],
    ['validation', tables.validation, days.validation],
    ['test', tables.test, days.test],
  ];
  const out: Record<string, PeriodSummary | undefined> = {};
  for (const [name, view, period] of windows) {
    if (!view || !period) {
      out[name] = undefined;
      continue;
    }
    const result = await engine.query(`SELECT COUNT(*) AS row_count, SUM(tx_fraud) AS frauds FROM ${view}`);
    const rows = numberAt(result, 'row_count');
    const frauds = numberAt(result, 'frauds') || 0;
    if (rows === 0) {
      throw new CliError(`the ${name} window (days ${period[0]}–${period[1]}, ${dayToDate(dayZero, period[0])}…${dayToDate(dayZero, period[1])}) has no transactions: check --train-start and the window lengths`, ExitCode.usage);
    }
    if (frauds === 0 || frauds === rows) {
      throw new CliError(`the ${name} window (days ${period[0]}–${period[1]}) has a single class (${frauds} frauds in ${rows} rows): a model cannot be ${name === 'test' ? 'evaluated' : 'trained'} on it`, ExitCode.invalidData);
    }
    out[name] = { start: dayToDate(dayZero, period[0]), end: dayToDate(dayZero, period[1]), rows, frauds };
  }
  return out;
}

/** A view read back in (tx_time_us, transaction_id) order: keys as doubles, features as a float32 matrix. */
export interface FetchedWindow {
  rows: number;
  transactionId: Float64Array;
  customerId: Float64Array;
  day: Float64Array;
  amount: Float64Array;
  label: Uint8Array;
  /** Row-major float32, rows × names.length. */
  values: Float32Array;
}

export async function fetchWindow(engine: WarehouseEngine, view: string, names: readonly string[]): Promise<FetchedWindow> {
  const keys = ['transaction_id', 'customer_id', 'day', 'amount', 'tx_fraud'];
  const result = await engine.query(`SELECT ${[...keys, ...names].map(quote).join(', ')} FROM ${view} ORDER BY tx_time_us, transaction_id`);
  const rows = result.rowCount;
  const column = (name: string): ArrayLike<unknown> => {
    const index = result.columnNames.findIndex((n) => n.toLowerCase() === name.toLowerCase());
    if (index < 0) throw new CliError(`${view} has no column ${name} (it has ${result.columnNames.join(', ')})`, ExitCode.invalidData);
    return result.columns[index];
  };
  const doubles = (name: string): Float64Array => {
    const values = column(name);
    const out = new Float64Array(rows);
    for (let r = 0; r < rows; r++) {
      const v = values[r];
      if (v === null || v === undefined || typeof v === 'boolean') throw new CliError(`${view}: ${name} is ${String(v)} at row ${r}`, ExitCode.invalidData);
      out[r] = Number(v);
    }
    return out;
  };
  const values = new Float32Array(rows * names.length);
  names.forEach((name, c) => {
    const feature = doubles(name);
    for (let r = 0; r < rows; r++) values[r * names.length + c] = feature[r];
  });
  const fraud = doubles('tx_fraud');
  const label = new Uint8Array(rows);
  for (let r = 0; r < rows; r++) label[r] = fraud[r] === 1 ? 1 : 0;
  return { rows, transactionId: doubles('transaction_id'), customerId: doubles('customer_id'), day: doubles('day'), amount: doubles('amount'), label, values };
}

function csvField(value: unknown): string {
  if (value === null || value === undefined) return '';
  const text =
    typeof value === 'string' ? value : typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean' ? String(value) : JSON.stringify(value);
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/**
 * A view as CSV text for train.py's csv input. Numbers are written with JavaScript's shortest round-trip
 * form, which train.py reads back exactly (`float_precision="round_trip"`).
 */
export async function viewAsCsv(engine: WarehouseEngine, view: string, columns: readonly string[]): Promise<string> {
  const result = await engine.query(`SELECT ${columns.map(quote).join(', ')} FROM ${view} ORDER BY tx_time_us, transaction_id`);
  const lines: string[] = [columns.join(',')];
  for (let r = 0; r < result.rowCount; r++) {
    const cells = new Array<string>(result.columns.length);
    for (let c = 0; c < result.columns.length; c++) cells[c] = csvField(result.columns[c][r]);
    lines.push(cells.join(','));
  }
  return `${lines.join('\n')}\n`;
}
