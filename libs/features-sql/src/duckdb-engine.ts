import { existsSync } from 'node:fs';
import { extname } from 'node:path';
import type { DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { FeaturesError, toEpochUs, type SqlEngine, type SqlQueryResult, type SqlValue } from '@fraudops/features';
import type { TransactionColumns } from '@fraudops/transactions';
import { errorMessage } from '@fraudops/core';

type DuckDbModule = typeof import('@duckdb/node-api');

/** DuckDB is native and large: only the first engine opened loads it (and only this library depends on it). */
async function loadDuckDb(): Promise<DuckDbModule> {
  const module = (await import('@duckdb/node-api')) as DuckDbModule & { default?: DuckDbModule };
  return module.DuckDBInstance ? module : module.default;
}

export interface DuckDbEngineOptions {
  /** Database file; in memory by default. @defaultValue `:memory:` */
  path?: string;
  /** Worker threads. @defaultValue DuckDB's default (all cores) */
  threads?: number;
}

/** What a registered transactions file or table offers, as `registerFile` found it. */
export interface RegisteredSource {
  name: string;
  /** Whether it has a tx_fraud column (fraud-ratio features need it). */
  labelled: boolean;
  columns: string[];
}

export type FileFormat = 'parquet' | 'csv';

/** Table functions are registered per connection under unique names. */
let registeredFunctions = 0;

const REQUIRED_COLUMNS = ['transaction_id', 'tx_datetime', 'customer_id', 'terminal_id', 'tx_amount'];

/** A file's format from its extension (`.parquet`, `.csv`, `.csv.gz`); `INVALID_FILE` otherwise. */
export function fileFormatOf(path: string): FileFormat {
  const lower = path.toLowerCase();
  if (lower.endsWith('.parquet')) return 'parquet';
  if (lower.endsWith('.csv') || lower.endsWith('.csv.gz')) return 'csv';
  throw new FeaturesError('INVALID_FILE', `${path}: unsupported file type "${extname(path)}"; use .parquet or .csv`);
}

export function sqlString(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

function sqlIdentifier(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/**
 * The embedded SQL engine: DuckDB, in process. Runs feature queries over Parquet/CSV files
 * (`registerFile`) or tables (`registerTransactions`, or any table already in the database).
 */
export class DuckDbSqlEngine implements SqlEngine {
  readonly dialect = 'duckdb' as const;

  private constructor(
    private readonly module: DuckDbModule,
    private readonly instance: DuckDBInstance,
    readonly connection: DuckDBConnection,
  ) {}

  static async open(options: DuckDbEngineOptions = {}): Promise<DuckDbSqlEngine> {
    const module = await loadDuckDb();
    const config: Record<string, string> = {};
    if (options.threads !== undefined) config['threads'] = String(options.threads);
    const instance = await module.DuckDBInstance.create(options.path ?? ':memory:', config);
    const connection = await instance.connect();
    // Timestamps without a zone are UTC everywhere in fraudops; the session zone must not shift them.
    await connection.run("SET TimeZone = 'UTC'");
    return new DuckDbSqlEngine(module, instance, connection);
  }

  async query(sql: string, params?: readonly SqlValue[]): Promise<SqlQueryResult> {
    try {
      const result = await this.connection.stream(sql, params ? [...params] : undefined);
      const columnNames = result.columnNames();
      const builders = columnNames.map(() => new ColumnBuilder());
      let rowCount = 0;
      for (let chunk = await result.fetchChunk(); chunk && chunk.rowCount > 0; chunk = await result.fetchChunk()) {
        const rows = chunk.rowCount;
        for (let c = 0; c < builders.length; c++) {
          const vector = chunk.getColumnVector(c);
          const builder = builders[c];
          for (let r = 0; r < rows; r++) builder.push(vector.getItem(r));
        }
        rowCount += rows;
      }
      return { columnNames, columns: builders.map((b) => b.finish()), rowCount };
    } catch (error) {
      throw asSqlError(error, sql);
    }
  }

  /** Runs statements that return nothing useful (DDL, SET, COPY). */
  async execute(sql: string, params?: readonly SqlValue[]): Promise<number> {
    try {
      const result = await this.connection.run(sql, params ? [...params] : undefined);
      return result.rowsChanged;
    } catch (error) {
      throw asSqlError(error, sql);
    }
  }

  /**
   * Exposes a Parquet or CSV transactions file as a view `name`, normalising tx_datetime to a UTC TIMESTAMP
   * (from a timestamp, an ISO 8601 string, or epoch seconds). Column names match case-insensitively.
   */
  async registerFile(name: string, path: string): Promise<RegisteredSource> {
    const format = fileFormatOf(path);
    if (!existsSync(path)) throw new FeaturesError('FILE_NOT_FOUND', `${path}: no such file`);
    const reader =
      format === 'parquet' ? `read_parquet(${sqlString(path)})` : `read_csv(${sqlString(path)}, header = true)`;
    const described = await this.query(`DESCRIBE SELECT * FROM ${reader}`);
    const names = Array.from(described.columns[0], String);
    const types = Array.from(described.columns[1], String);
    const byLower = new Map(names.map((n, i) => [n.toLowerCase(), i]));
    const missing = REQUIRED_COLUMNS.filter((c) => !byLower.has(c));
    if (missing.length > 0) {
      throw new FeaturesError(
        'INVALID_FILE',
        `${path}: missing column(s) ${missing.join(', ')} (has: ${names.join(', ')})`,
      );
    }
    const timeIndex = byLower.get('tx_datetime') as number;
    const timeColumn = sqlIdentifier(names[timeIndex]);
    const timeType = types[timeIndex].toUpperCase();
    const normalisedTime = /^(DOUBLE|FLOAT|REAL|DECIMAL|BIGINT|INTEGER|HUGEINT|UBIGINT|UINTEGER)/.test(timeType)
      ? `CAST(to_timestamp(${timeColumn}) AS TIMESTAMP)`
      : timeType.startsWith('TIMESTAMP')
        ? `CAST(${timeColumn} AS TIMESTAMP)`
        : `CAST(CAST(${timeColumn} AS TIMESTAMPTZ) AS TIMESTAMP)`;
    await this.execute(
      `CREATE OR REPLACE VIEW ${sqlIdentifier(name)} AS SELECT * REPLACE (${normalisedTime} AS ${timeColumn}) FROM ${reader}`,
    );
    return { name, labelled: byLower.has('tx_fraud'), columns: names };
  }

  /** Loads columnar transactions into a table `name` (replacing it). */
  async registerTransactions(name: string, columns: TransactionColumns): Promise<RegisteredSource> {
    const labelled = columns.txFraud !== undefined;
    const { DuckDBTableFunction, DuckDBVector, DOUBLE } = this.module;
    const inputs: [string, ArrayLike<number>][] = [
      ['transaction_id', columns.transactionId],
      ['tx_time_us', Float64Array.from(columns.txDatetime, toEpochUs)],
      ['customer_id', columns.customerId],
      ['terminal_id', columns.terminalId],
      ['tx_amount', columns.txAmount],
      ...(columns.txFraud ? [['tx_fraud', columns.txFraud] as [string, ArrayLike<number>]] : []),
    ];
    // A table function hands DuckDB the typed arrays a vector at a time, without boxing a value per cell.
    const source = `fraudops_columns_${++registeredFunctions}`;
    const chunkSize = DuckDBVector.standardSize();
    this.connection.registerTableFunction(
      DuckDBTableFunction.create({
        name: source,
        parameterTypes: [],
        bindFunction: (info) => {
          for (const [column] of inputs) info.addResultColumn(column, DOUBLE);
        },
        initFunction: (info) => info.setInitData({ next: 0 }),
        mainFunction: (info, output) => {
          const state = info.initData as { next: number };
          const size = Math.max(0, Math.min(chunkSize, columns.length - state.next));
          output.rowCount = size;
          inputs.forEach(([, values], c) => {
            const vector = output.getColumnVector(c);
            for (let i = 0; i < size; i++) vector.setItem(i, values[state.next + i]);
            vector.flush();
          });
          state.next += size;
        },
      }),
    );
    await this.execute(
      `CREATE OR REPLACE TABLE ${sqlIdentifier(name)} AS SELECT CAST(transaction_id AS BIGINT) AS transaction_id, ` +
        'make_timestamp(CAST(tx_time_us AS BIGINT)) AS tx_datetime, CAST(customer_id AS BIGINT) AS customer_id, ' +
        'CAST(terminal_id AS BIGINT) AS terminal_id, tx_amount' +
        `${labelled ? ', CAST(tx_fraud AS INTEGER) AS tx_fraud' : ''} FROM ${source}()`,
    );
    return { name, labelled, columns: inputs.map(([column]) => (column === 'tx_time_us' ? 'tx_datetime' : column)) };
  }

  /**
   * Writes a query's rows to a Parquet or CSV file (by extension) with DuckDB's COPY, which keeps the
   * query's row order. `onProgress` receives DuckDB's percentage while it runs. Returns the rows written.
   */
  async copyToFile(sql: string, path: string, onProgress?: (percent: number) => void): Promise<number> {
    const format = fileFormatOf(path);
    const options = format === 'parquet' ? 'FORMAT parquet' : 'FORMAT csv, HEADER true';
    const copy = `COPY (\n${sql}) TO ${sqlString(path)} (${options})`;
    if (!onProgress) return this.execute(copy);
    await this.execute('SET enable_progress_bar = true');
    await this.execute('SET enable_progress_bar_print = false');
    const timer = setInterval(() => {
      const percent = this.connection.progress.percentage;
      if (percent >= 0) onProgress(percent);
    }, 200);
    try {
      return await this.execute(copy);
    } finally {
      clearInterval(timer);
      await this.execute('SET enable_progress_bar = false');
    }
  }

  async close(): Promise<void> {
    this.connection.closeSync();
    this.instance.closeSync();
  }
}

/**
 * Accumulates one result column: a Float64Array while every value is a JS-safe number, a plain array as
 * soon as a NULL, string or other value shows up.
 */
class ColumnBuilder {
  private numbers = new Float64Array(4096);
  private values: SqlValue[] | undefined;
  private length = 0;

  push(raw: unknown): void {
    const value = toSqlValue(raw);
    if (this.values) {
      this.values.push(value);
    } else if (typeof value === 'number') {
      if (this.length === this.numbers.length) {
        const grown = new Float64Array(this.numbers.length * 2);
        grown.set(this.numbers);
        this.numbers = grown;
      }
      this.numbers[this.length] = value;
    } else {
      this.values = Array.from(this.numbers.subarray(0, this.length));
      this.values.push(value);
    }
    this.length++;
  }

  finish(): ArrayLike<SqlValue> {
    return this.values ?? this.numbers.slice(0, this.length);
  }
}

function toSqlValue(raw: unknown): SqlValue {
  if (raw === null || raw === undefined) return null;
  switch (typeof raw) {
    case 'number':
    case 'string':
    case 'boolean':
      return raw;
    case 'bigint':
      return raw <= BigInt(Number.MAX_SAFE_INTEGER) && raw >= BigInt(Number.MIN_SAFE_INTEGER) ? Number(raw) : raw;
    default:
      // DuckDB's value classes (dates, decimals, lists, …) render themselves as SQL text through toString().
      // eslint-disable-next-line @typescript-eslint/no-base-to-string -- every DuckDBValue class defines toString
      return String(raw);
  }
}

function asSqlError(error: unknown, sql: string): FeaturesError {
  if (error instanceof FeaturesError) return error;
  const message = errorMessage(error);
  const firstLine = sql.split('\n').find((line) => line.trim() && !line.trimStart().startsWith('--')) ?? '';
  return new FeaturesError('SQL_FAILED', `DuckDB: ${message} (in: ${firstLine.trim().slice(0, 120)}…)`, {
    cause: error,
  });
}
