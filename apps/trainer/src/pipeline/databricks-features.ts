import { createHash } from 'node:crypto';
import { DAY_US, type SplitTableNames } from '@fraudops/features';
import { checkWindowClasses, splitWindows, TransactionsError, type SplitWindows } from '@fraudops/transactions';
import type { PeriodSummary } from './publish.js';
import { SPLIT_FLAGS, type SplitOptions } from './split.js';

// Features on a SQL warehouse: `compileSplitTablesSql` (@fraudops/features) makes one feature table over the
// days a split needs and three views over it — train, validation (early stopping) and test (without the cards
// already known to be compromised). The training job reads the views (or CSV exports of them); the launcher
// reads the test view back to evaluate and gate on the very same vectors.

/** What the warehouse engine must do here (DatabricksSqlEngine matches it; so does any Spark-dialect engine). */
export interface WarehouseEngine {
  readonly dialect: 'spark';
  query(
    sql: string,
  ): Promise<{ columnNames: readonly string[]; columns: ReadonlyArray<ArrayLike<unknown>>; rowCount: number }>;
}

/** `--train-start` and the window lengths → day indices, by the split rules of @fraudops/transactions. */
export function splitDaysOf(split: SplitOptions, dayZero: string): SplitWindows {
  const trainStart =
    typeof split.trainStart === 'number'
      ? split.trainStart
      : Math.round((Date.parse(`${split.trainStart}T00:00:00Z`) - Date.parse(`${dayZero}T00:00:00Z`)) / 86_400_000);
  return splitWindows({ ...split, trainStart }, SPLIT_FLAGS);
}

export function dayToDate(dayZero: string, day: number): string {
  return new Date(Date.parse(`${dayZero}T00:00:00Z`) + day * 86_400_000).toISOString().slice(0, 10);
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

function numberAt(
  result: { columnNames: readonly string[]; columns: ReadonlyArray<ArrayLike<unknown>> },
  name: string,
  row = 0,
): number {
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

export async function summariseSource(
  engine: WarehouseEngine,
  source: string,
  window?: { fromUs: number; toUs: number },
): Promise<SourceSummary> {
  const first = await engine.query(
    `SELECT unix_micros(MIN(CAST(tx_datetime AS TIMESTAMP))) AS first_us, COUNT(*) AS row_count FROM ${source}`,
  );
  const firstUs = numberAt(first, 'first_us');
  if (!(numberAt(first, 'row_count') > 0) || !Number.isFinite(firstUs)) {
    throw new TransactionsError('NO_TRANSACTIONS', `${source} has no transactions`);
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
export async function countWindows(
  engine: WarehouseEngine,
  tables: SplitTableNames,
  days: SplitWindows,
  dayZero: string,
): Promise<Record<'train' | 'validation' | 'test', PeriodSummary | undefined>> {
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
    checkWindowClasses(
      name,
      period,
      { rows, frauds },
      { dates: [dayToDate(dayZero, period[0]), dayToDate(dayZero, period[1])], names: SPLIT_FLAGS },
    );
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

export async function fetchWindow(
  engine: WarehouseEngine,
  view: string,
  names: readonly string[],
): Promise<FetchedWindow> {
  const keys = ['transaction_id', 'customer_id', 'day', 'amount', 'tx_fraud'];
  const result = await engine.query(
    `SELECT ${[...keys, ...names].map(quote).join(', ')} FROM ${view} ORDER BY tx_time_us, transaction_id`,
  );
  const rows = result.rowCount;
  const column = (name: string): ArrayLike<unknown> => {
    const index = result.columnNames.findIndex((n) => n.toLowerCase() === name.toLowerCase());
    if (index < 0)
      throw new TransactionsError(
        'MISSING_COLUMN',
        `${view} has no column ${name} (it has ${result.columnNames.join(', ')})`,
      );
    return result.columns[index];
  };
  const doubles = (name: string): Float64Array => {
    const values = column(name);
    const out = new Float64Array(rows);
    for (let r = 0; r < rows; r++) {
      const v = values[r];
      if (v === null || v === undefined || typeof v === 'boolean')
        throw new TransactionsError('INVALID_ROW', `${view}: ${name} is ${String(v)} at row ${r}`);
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
  return {
    rows,
    transactionId: doubles('transaction_id'),
    customerId: doubles('customer_id'),
    day: doubles('day'),
    amount: doubles('amount'),
    label,
    values,
  };
}

function csvField(value: unknown): string {
  if (value === null || value === undefined) return '';
  const text =
    typeof value === 'string'
      ? value
      : typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean'
        ? String(value)
        : JSON.stringify(value);
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/**
 * A view as CSV text for train.py's csv input. Numbers are written with JavaScript's shortest round-trip
 * form, which train.py reads back exactly (`float_precision="round_trip"`).
 */
export async function viewAsCsv(engine: WarehouseEngine, view: string, columns: readonly string[]): Promise<string> {
  const result = await engine.query(
    `SELECT ${columns.map(quote).join(', ')} FROM ${view} ORDER BY tx_time_us, transaction_id`,
  );
  const lines: string[] = [columns.join(',')];
  for (let r = 0; r < result.rowCount; r++) {
    const cells = new Array<string>(result.columns.length);
    for (let c = 0; c < result.columns.length; c++) cells[c] = csvField(result.columns[c][r]);
    lines.push(cells.join(','));
  }
  return `${lines.join('\n')}\n`;
}
