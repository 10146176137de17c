import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { DuckDBConnection, DuckDBDataChunk, DuckDBVector } from '@duckdb/node-api';
import {
  FIELD_RULES,
  PROBLEMS,
  TransactionsError,
  describeInvalidValue,
  findInvalidValues,
  idFromString,
  type DatasetField,
  type FieldRule,
  type InvalidValue,
  type TransactionColumns,
} from '@fraudops/transactions';
import { errorMessage } from '@fraudops/core';
import { sqlIdentifier, sqlString, withDuckDb } from './duckdb.js';

export type DatasetFormat = 'parquet' | 'csv';

/** A dataset file's format from its extension: `.parquet`, `.csv` or `.csv.gz`. */
export function datasetFormatOf(path: string): DatasetFormat {
  const lower = path.toLowerCase();
  if (lower.endsWith('.parquet')) return 'parquet';
  if (lower.endsWith('.csv') || lower.endsWith('.csv.gz')) return 'csv';
  throw new TransactionsError('FILE_ERROR', `${path}: unsupported file type; use .parquet, .csv or .csv.gz`);
}

// ---------------------------------------------------------------------------------------------- write

/** File column types: integers stay integers and datetimes are timestamps, so other tools read them natively. */
const FILE_COLUMN_SQL: Record<FieldRule['kind'], (column: string) => string> = {
  id: (c) => `CAST(${c} AS BIGINT)`,
  datetime: (c) => `make_timestamp(CAST(round(${c} * 1000000) AS BIGINT))`,
  amount: (c) => c,
  label: (c) => `CAST(${c} AS TINYINT)`,
  scenario: (c) => `CAST(${c} AS TINYINT)`,
  seconds: (c) => `CAST(${c} AS BIGINT)`,
  days: (c) => `CAST(${c} AS INTEGER)`,
};

export interface WriteResult {
  path: string;
  format: DatasetFormat;
  rows: number;
  bytes: number;
}

/**
 * Writes columns to Parquet or CSV (by extension) through DuckDB: contract columns in contract order under
 * their snake_case names, plus `tx_time_seconds`/`tx_time_days` when present. Datetimes become UTC
 * timestamps (`YYYY-MM-DD HH:MM:SS` in CSV). Refuses columns that break the contract (`INVALID_ROW`).
 * The file appears atomically (written beside it, then renamed).
 */
// eslint-disable-next-line max-lines-per-function -- DuckDB appender, column checks and the atomic rename share one connection
export async function writeTransactions(
  path: string,
  columns: TransactionColumns,
  options: { format?: DatasetFormat } = {},
): Promise<WriteResult> {
  const format = options.format ?? datasetFormatOf(path);
  const { invalidRows, examples } = findInvalidValues(columns, {
    maxExamples: 1,
  });
  if (invalidRows > 0) {
    throw new TransactionsError(
      'INVALID_ROW',
      `refusing to write ${path}: ${describeInvalidValue(examples[0])} (${invalidRows} invalid rows)`,
    );
  }
  const present = FIELD_RULES.filter((rule) => columns[rule.key] !== undefined);
  const partial = `${path}.partial-${process.pid}`;
  try {
    await mkdir(dirname(path), { recursive: true });
    await withDuckDb(async (connection, duckdb) => {
      // A table function hands DuckDB our typed arrays a vector at a time; materialising them first lets
      // the COPY below run on DuckDB's threads instead of waiting on JS for every chunk.
      const source = 'fraudops_transactions';
      const chunkSize = duckdb.DuckDBVector.standardSize();
      connection.registerTableFunction(
        duckdb.DuckDBTableFunction.create({
          name: source,
          parameterTypes: [],
          bindFunction: (info) => {
            for (const rule of present) info.addResultColumn(rule.field, duckdb.DOUBLE);
          },
          initFunction: (info) => info.setInitData({ next: 0 }),
          mainFunction: (info, output) => {
            const state = info.initData as { next: number };
            const start = state.next;
            const size = Math.min(chunkSize, columns.length - start);
            output.rowCount = size;
            if (size <= 0) return;
            present.forEach((rule, index) => {
              const values = columns[rule.key] as ArrayLike<number>;
              const vector = output.getColumnVector(index) as DuckDBVector<number>;
              for (let i = 0; i < size; i++) vector.setItem(i, values[start + i]);
              vector.flush();
            });
            state.next = start + size;
          },
        }),
      );
      const table = 'transactions_out';
      await connection.run(`CREATE TEMP TABLE ${table} AS SELECT * FROM ${source}()`);
      const select = present.map((r) => `${FILE_COLUMN_SQL[r.kind](r.field)} AS ${r.field}`).join(', ');
      const copyOptions =
        format === 'parquet'
          ? 'FORMAT parquet'
          : `FORMAT csv, HEADER true${path.toLowerCase().endsWith('.gz') ? ", COMPRESSION 'gzip'" : ''}`;
      await connection.run(`COPY (SELECT ${select} FROM ${table}) TO ${sqlString(partial)} (${copyOptions})`);
    });
    await rename(partial, path);
  } catch (error) {
    await rm(partial, { force: true }).catch(() => undefined);
    if (error instanceof TransactionsError) throw error;
    throw new TransactionsError('FILE_ERROR', `cannot write ${path}: ${errorMessage(error)}`, { cause: error });
  }
  return { path, format, rows: columns.length, bytes: (await stat(path)).size };
}

// ----------------------------------------------------------------------------------------------- read

export type OnInvalid = 'fail' | 'skip';

export interface ReadOptions {
  /**
   * `fail` stops at the first row that breaks the contract, naming its row, column and problem;
   * `skip` drops such rows and reports how many, with examples. @defaultValue 'fail'
   */
  onInvalid?: OnInvalid;
  /**
   * Which file column holds each field, for files that do not use the contract's names, e.g.
   * `{ tx_datetime: 'time', customer_id: 'card', terminal_id: 'merchant', tx_amount: 'amount', tx_fraud: 'is_fraud' }`.
   * Unmapped fields are looked up by their own name (case-insensitively). A file without `transaction_id`
   * gets its 0-based data-row numbers as ids.
   */
  columns?: Partial<Record<DatasetField, string>>;
  /** @defaultValue from the extension */
  format?: DatasetFormat;
  /** How many invalid rows `skip` reports as examples. @defaultValue 5 */
  maxExamples?: number;
}

export interface ReadReport {
  path: string;
  format: DatasetFormat;
  /** Data rows in the file. */
  rowsRead: number;
  /** Rows dropped by `onInvalid: 'skip'`. */
  invalidRows: number;
  /** The first invalid rows, with 1-based data-row numbers (the header is not a row). */
  examples: InvalidValue[];
  /** Each field that was read and the file column it came from. */
  columnsUsed: Partial<Record<DatasetField, string>>;
  /** True when the ids were generated because the file has no transaction_id column. */
  generatedTransactionIds: boolean;
  /** True when the file was not in (tx_datetime, transaction_id) order and rows were sorted. */
  sorted: boolean;
}

export interface ReadTransactions extends TransactionColumns {
  report: ReadReport;
}

type SourceKind = 'number' | 'temporal' | 'text';

interface PlannedField {
  rule: FieldRule;
  /** The file's column name. */
  source: string;
  sourceKind: SourceKind;
  /** True for string ids that are hashed to integers in JS. */
  stringIds: boolean;
}

function sourceKindOf(type: string): SourceKind | undefined {
  const t = type.toUpperCase();
  if (
    /^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|UHUGEINT|FLOAT|DOUBLE|DECIMAL.*|BOOLEAN)$/.test(
      t,
    )
  )
    return 'number';
  if (/^(DATE|TIMESTAMP.*)$/.test(t)) return 'temporal';
  if (t === 'VARCHAR') return 'text';
  return undefined;
}

/** Plans which file column feeds each field; throws `MISSING_COLUMN` naming what is missing. */
function planFields(
  path: string,
  described: Array<{ name: string; type: string }>,
  mapping: Partial<Record<DatasetField, string>>,
): PlannedField[] {
  const available = described.map((c) => c.name);
  const listing = `the file has: ${available.join(', ') || '(no columns)'}`;
  for (const field of Object.keys(mapping)) {
    if (!FIELD_RULES.some((r) => r.field === field)) {
      throw new TransactionsError(
        'INVALID_PARAMETER',
        `column mapping names unknown field "${field}"; fields: ${FIELD_RULES.map((r) => r.field).join(', ')}`,
      );
    }
  }
  const planned: PlannedField[] = [];
  for (const rule of FIELD_RULES) {
    const wanted = mapping[rule.field];
    const match =
      wanted !== undefined
        ? described.find((c) => c.name === wanted)
        : (described.find((c) => c.name === rule.field) ?? described.find((c) => c.name.toLowerCase() === rule.field));
    if (!match) {
      if (wanted !== undefined) {
        throw new TransactionsError(
          'MISSING_COLUMN',
          `${path}: column "${wanted}" (mapped to ${rule.field}) is missing; ${listing}`,
        );
      }
      if (rule.required && rule.field !== 'transaction_id') {
        throw new TransactionsError(
          'MISSING_COLUMN',
          `${path}: column ${rule.field} is missing; ${listing} (map a file column onto it: --columns ${rule.field}=<name>)`,
        );
      }
      continue;
    }
    const sourceKind = sourceKindOf(match.type);
    if (!sourceKind || (sourceKind === 'temporal' && rule.kind !== 'datetime')) {
      throw new TransactionsError(
        'INVALID_ROW',
        `${path}: column ${match.name} (${rule.field}) has type ${match.type}, which cannot hold ${rule.field} values`,
      );
    }
    planned.push({
      rule,
      source: match.name,
      sourceKind,
      stringIds: rule.kind === 'id' && sourceKind === 'text',
    });
  }
  return planned;
}

/** The SQL value of a field (DOUBLE, or VARCHAR for string ids) and the test for an unparsable value. */
function fieldSql(field: PlannedField): { value: string; unparsable?: string } {
  const s = sqlIdentifier(field.source);
  if (field.stringIds) return { value: s };
  if (field.rule.kind === 'datetime') {
    if (field.sourceKind === 'temporal') return { value: `epoch_us(CAST(${s} AS TIMESTAMPTZ)) / 1000000.0` };
    if (field.sourceKind === 'number') return { value: `CAST(${s} AS DOUBLE)` };
    const parsed = `COALESCE(TRY_CAST(${s} AS DOUBLE), epoch_us(TRY_CAST(${s} AS TIMESTAMPTZ)) / 1000000.0)`;
    return {
      value: parsed,
      unparsable: `(${s} IS NOT NULL AND ${parsed} IS NULL)`,
    };
  }
  if (field.sourceKind === 'number') return { value: `CAST(${s} AS DOUBLE)` };
  return {
    value: `TRY_CAST(${s} AS DOUBLE)`,
    unparsable: `(${s} IS NOT NULL AND TRY_CAST(${s} AS DOUBLE) IS NULL)`,
  };
}

function relationSql(path: string, format: DatasetFormat): string {
  return format === 'parquet' ? `read_parquet(${sqlString(path)})` : `read_csv(${sqlString(path)}, header = true)`;
}

/** Growable typed-array columns filled chunk by chunk. */
class ColumnBuilder {
  length = 0;
  readonly arrays = new Map<FieldRule['key'], Float64Array | Uint8Array>();
  constructor(
    readonly keys: ReadonlyArray<{ key: FieldRule['key']; bytes: boolean }>,
    private capacity: number,
  ) {
    for (const { key, bytes } of keys)
      this.arrays.set(key, bytes ? new Uint8Array(capacity) : new Float64Array(capacity));
  }
  reserve(extra: number): void {
    if (this.length + extra <= this.capacity) return;
    this.capacity = Math.max(this.capacity * 2, this.length + extra);
    for (const [key, array] of this.arrays) {
      const grown = array instanceof Uint8Array ? new Uint8Array(this.capacity) : new Float64Array(this.capacity);
      grown.set(array.subarray(0, this.length));
      this.arrays.set(key, grown);
    }
  }
  finish(): Map<FieldRule['key'], Float64Array | Uint8Array> {
    const trim = (array: Float64Array | Uint8Array) =>
      array.length === this.length ? array : array.slice(0, this.length);
    return new Map([...this.arrays].map(([key, array]) => [key, trim(array)]));
  }
}

/**
 * The SELECT list of a read: each planned field as `v<i>`, then, for fields read from text columns, the raw
 * text of a value that did not parse (for messages). `rawIndex[i]` is the column of field i's raw text, or -1.
 */
function readSelect(planned: PlannedField[]): { select: string; rawIndex: number[] } {
  const sql = planned.map((field) => fieldSql(field));
  const rawIndex = new Array<number>(planned.length).fill(-1);
  const rawColumns: string[] = [];
  planned.forEach((field, i) => {
    if (!sql[i].unparsable) return;
    rawIndex[i] = planned.length + rawColumns.length;
    rawColumns.push(
      `CASE WHEN ${sql[i].unparsable} THEN CAST(${sqlIdentifier(field.source)} AS VARCHAR) END AS raw${i}`,
    );
  });
  // A NULL value is a missing one, unless its raw text is there: then the text did not parse.
  return { select: [...sql.map((s, i) => `${s.value} AS v${i}`), ...rawColumns].join(', '), rawIndex };
}

/** A DuckDB failure while reading `path` as the `FILE_ERROR` it is for the caller. */
async function readingFile<T>(path: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    throw new TransactionsError('FILE_ERROR', `cannot read ${path}: ${errorMessage(error)}`, { cause: error });
  }
}

/** What a read keeps between chunks: the plan, the columns built so far and the invalid rows seen. */
interface ReadState {
  path: string;
  planned: PlannedField[];
  rawIndex: number[];
  builder: ColumnBuilder;
  hasTransactionId: boolean;
  onInvalid: OnInvalid;
  maxExamples: number;
  examples: InvalidValue[];
  invalidRows: number;
  rowsRead: number;
  /** One row's values, reused. */
  values: Float64Array;
}

/** The problems of row `r` of a chunk (undefined when it is valid); its values go into `state.values`. */
function rowProblems(
  state: ReadState,
  vectors: DuckDBVector[],
  rawVectors: Array<DuckDBVector<string> | undefined>,
  r: number,
): InvalidValue[] | undefined {
  const { planned, values } = state;
  const fileRow = state.rowsRead + r + 1;
  let problems: InvalidValue[] | undefined;
  for (let i = 0; i < planned.length; i++) {
    const field = planned[i];
    const read = field.stringIds
      ? (vectors[i] as DuckDBVector<string>).getItem(r)
      : (vectors[i] as DuckDBVector<number>).getItem(r);
    if (read === null) {
      const raw = rawVectors[i]?.getItem(r) ?? null;
      (problems ??= []).push({
        row: fileRow,
        field: field.rule.field,
        ...(raw === null
          ? { problem: PROBLEMS.missing }
          : { problem: field.rule.problem(NaN) ?? PROBLEMS.datetime, value: raw }),
      });
      continue;
    }
    const value = typeof read === 'string' ? (read.length > 0 ? idFromString(read) : NaN) : read;
    const problem = field.rule.problem(value);
    if (problem !== undefined) (problems ??= []).push({ row: fileRow, field: field.rule.field, problem, value: read });
    values[i] = value;
  }
  return problems;
}

/** Validates one chunk row by row and appends its valid rows to the columns (or throws on the first invalid one). */
function appendChunk(state: ReadState, chunk: DuckDBDataChunk): void {
  const { planned, builder } = state;
  const size = chunk.rowCount;
  const vectors = planned.map((_, i) => chunk.getColumnVector(i));
  const rawVectors = state.rawIndex.map((index) =>
    index < 0 ? undefined : (chunk.getColumnVector(index) as DuckDBVector<string>),
  );
  builder.reserve(size);
  const targets = planned.map((f) => builder.arrays.get(f.rule.key) as Float64Array | Uint8Array);
  const generatedIds = state.hasTransactionId ? undefined : (builder.arrays.get('transactionId') as Float64Array);
  for (let r = 0; r < size; r++) {
    const problems = rowProblems(state, vectors, rawVectors, r);
    if (problems) {
      if (state.onInvalid === 'fail') {
        const named = problems
          .map((p) => describeInvalidValue(p, planned.find((f) => f.rule.field === p.field)?.source ?? p.field))
          .join('; ');
        throw new TransactionsError('INVALID_ROW', `${state.path}: ${named}`);
      }
      state.invalidRows++;
      for (const p of problems) if (state.examples.length < state.maxExamples) state.examples.push(p);
      continue;
    }
    const at = builder.length++;
    for (let i = 0; i < planned.length; i++) targets[i][at] = state.values[i];
    if (generatedIds) generatedIds[at] = state.rowsRead + r;
  }
  state.rowsRead += size;
}

/**
 * Reads a Parquet or CSV file of transactions through DuckDB, chunk by chunk into typed arrays, validating
 * every value against the Transaction contract. Rows come back in (tx_datetime, transaction_id) order.
 * Errors: `FILE_NOT_FOUND`, `FILE_ERROR` (unreadable file), `MISSING_COLUMN`, `INVALID_ROW` (with `onInvalid: 'fail'`).
 */
export async function readTransactions(path: string, options: ReadOptions = {}): Promise<ReadTransactions> {
  const format = options.format ?? datasetFormatOf(path);
  try {
    await stat(path);
  } catch {
    throw new TransactionsError('FILE_NOT_FOUND', `${path}: no such file`);
  }
  return withDuckDb(async (connection) => {
    const relation = relationSql(path, format);
    const planned = planFields(path, await describe(connection, path, relation), options.columns ?? {});
    const { select, rawIndex } = readSelect(planned);
    // Before streaming: another query on the connection would end the stream.
    const expected = await parquetRowCount(connection, relation, format);
    const result = await readingFile(path, () => connection.stream(`SELECT ${select} FROM ${relation}`));
    const hasTransactionId = planned.some((f) => f.rule.field === 'transaction_id');
    const keys = planned.map((f) => ({
      key: f.rule.key,
      bytes: f.rule.kind === 'label' || f.rule.kind === 'scenario',
    }));
    const state: ReadState = {
      path,
      planned,
      rawIndex,
      builder: new ColumnBuilder(
        [...(hasTransactionId ? [] : [{ key: 'transactionId' as const, bytes: false }]), ...keys],
        expected ?? 1 << 16,
      ),
      hasTransactionId,
      onInvalid: options.onInvalid ?? 'fail',
      maxExamples: options.maxExamples ?? 5,
      examples: [],
      invalidRows: 0,
      rowsRead: 0,
      values: new Float64Array(planned.length),
    };
    for (;;) {
      const chunk = await readingFile(path, () => result.fetchChunk());
      if (!chunk || chunk.rowCount === 0) break;
      appendChunk(state, chunk);
    }
    if (expected !== undefined && state.rowsRead !== expected) {
      throw new TransactionsError('FILE_ERROR', `${path}: read ${state.rowsRead} rows, but the file has ${expected}`);
    }
    const columns = { length: state.builder.length } as TransactionColumns;
    for (const [key, array] of state.builder.finish()) (columns as unknown as Record<string, unknown>)[key] = array;
    const sorted = sortByTimeIfNeeded(columns);
    const report: ReadReport = {
      path,
      format,
      rowsRead: state.rowsRead,
      invalidRows: state.invalidRows,
      examples: state.examples,
      columnsUsed: Object.fromEntries(planned.map((f) => [f.rule.field, f.source])),
      generatedTransactionIds: !hasTransactionId,
      sorted,
    };
    return Object.assign(columns, { report });
  });
}

/** Parquet files state their row count in the footer: allocating it up front saves the copies of growing. */
async function parquetRowCount(
  connection: DuckDBConnection,
  relation: string,
  format: DatasetFormat,
): Promise<number | undefined> {
  if (format !== 'parquet') return undefined;
  const reader = await connection.runAndReadAll(`SELECT count(*)::DOUBLE AS n FROM ${relation}`);
  return Number(reader.getRowObjectsJson()[0]?.['n']);
}

async function describe(
  connection: DuckDBConnection,
  path: string,
  relation: string,
): Promise<Array<{ name: string; type: string }>> {
  try {
    const reader = await connection.runAndReadAll(`DESCRIBE SELECT * FROM ${relation}`);
    return reader.getRowObjectsJson().map((row) => ({
      name: String(row['column_name'] as string),
      type: String(row['column_type'] as string),
    }));
  } catch (error) {
    throw new TransactionsError('FILE_ERROR', `cannot read ${path}: ${errorMessage(error)}`, { cause: error });
  }
}

/** Puts rows in (tx_datetime, transaction_id) order when they are not already; returns whether it sorted. */
function sortByTimeIfNeeded(columns: TransactionColumns): boolean {
  const { txDatetime: time, transactionId: id, length } = columns;
  let ordered = true;
  for (let i = 1; i < length && ordered; i++) {
    ordered = time[i - 1] < time[i] || (time[i - 1] === time[i] && id[i - 1] <= id[i]);
  }
  if (ordered) return false;
  const order = new Uint32Array(length);
  for (let i = 0; i < length; i++) order[i] = i;
  order.sort((a, b) => time[a] - time[b] || id[a] - id[b]);
  const record = columns as unknown as Record<string, unknown>;
  for (const rule of FIELD_RULES) {
    const values = columns[rule.key];
    if (!values) continue;
    const permuted = new (values.constructor as Float64ArrayConstructor | Uint8ArrayConstructor)(length);
    for (let i = 0; i < length; i++) permuted[i] = values[order[i]];
    record[rule.key] = permuted;
  }
  return true;
}
